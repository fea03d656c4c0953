"""`Layer`: the base of every layer and of `NeuralNetwork`.

A layer owns `Parameter`s (the weights it learns), may own other layers, and
turns an input tensor into an output tensor in `forward`. The base class finds
parameters and sub-layers by looking at the layer's attributes, in the order
they were assigned: a `Parameter`, a `Layer`, or a list/tuple of layers. So a
custom layer needs no registration:

>>> class Affine(Layer):
...     def __init__(self):
...         super().__init__()
...         self.scale = Parameter([2.0])
...         self.shift = Parameter([1.0])
...     def forward(self, x):
...         return x * self.scale + self.shift
>>> [name for name, _ in Affine().named_parameters()]
['scale', 'shift']

Non-learned state (BatchNorm's running averages) are *buffers*: arrays named in
the class attribute `buffer_names`; they are saved in `state_dict` too.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator, Mapping

import numpy as np

from chainrule.checks import check_count
from chainrule.tensor import DEFAULT_DTYPE, Parameter, Tensor, as_float_dtype


class Layer:
    """Base class: parameters, sub-layers, train/eval mode, state dicts, dtype.

    Subclasses implement `forward(x)`; calling the layer runs it. NumPy input is
    converted to a Tensor of the layer's dtype (float32 unless `to()` changed it).
    The backward pass needs nothing from a layer: its operations carry their derivatives.

    >>> class Scale(Layer):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = Parameter([3.0])
    ...     def forward(self, x):
    ...         return x * self.w
    >>> Scale()(np.array([1.0, 2.0]))
    Tensor([3., 6.], dtype=float32, requires_grad=True)
    """

    buffer_names: tuple[str, ...] = ()
    converts_input = True  # False for layers that take integer arrays (Embedding)

    def __init__(self) -> None:
        self.training = True
        self.dtype = DEFAULT_DTYPE
        self._rng: np.random.Generator | None = None

    # ---------------------------------------------------------------- calling
    def forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def __call__(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        if self.converts_input and not isinstance(x, Tensor):
            x = self.as_input(x)
        return self.forward(x, *args, **kwargs)

    def as_input(self, x: Any) -> Tensor:
        """Convert a batch given as an array to a Tensor of this layer's dtype, checking it."""
        try:
            array = np.asarray(x)
        except ValueError:  # NumPy's words for a ragged nested list
            raise ValueError(f"{type(self).__name__} expected a rectangular array (every row the same length), "
                             "got a ragged nested list") from None
        if array.dtype == object or array.dtype.kind not in "biuf":
            raise TypeError(f"{type(self).__name__} expected numeric input, got an array of dtype {array.dtype}")
        return Tensor(array, dtype=self.dtype)

    # ------------------------------------------------------------- randomness
    @property
    def rng(self) -> np.random.Generator:
        """This layer's random generator (set by NeuralNetwork's seed; fresh entropy otherwise)."""
        if self._rng is None:
            self._rng = np.random.default_rng()
        return self._rng

    def seed(self, seed: int | np.random.SeedSequence | None) -> None:
        """Give this layer and each sub-layer its own generator derived from `seed`.

        Weights that already exist are drawn again from the new generators, so a
        layer's initial weights depend only on the seed.
        """
        sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        layers = list(self.all_layers())
        for layer, child in zip(layers, sequence.spawn(len(layers))):
            layer._rng = np.random.default_rng(child)
            layer.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw this layer's own weights again from its generator (layers with weights override this)."""

    # ------------------------------------------------------------- structure
    def _children(self) -> Iterator[tuple[str, Any]]:
        for name, value in vars(self).items():
            if isinstance(value, (Parameter, Layer)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for index, item in enumerate(value):
                    if isinstance(item, (Parameter, Layer)):
                        yield f"{name}.{index}", item

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) for every parameter of this layer and its sub-layers."""
        for name, value in self._children():
            if isinstance(value, Parameter):
                yield prefix + name, value
            else:
                yield from value.named_parameters(prefix + name + ".")

    def parameters(self) -> list[Parameter]:
        """Every parameter, in a stable order (layers create theirs on the first forward pass)."""
        return [p for _, p in self.named_parameters()]

    def named_layers(self, prefix: str = "") -> Iterator[tuple[str, Layer]]:
        """This layer (name `prefix`) and every sub-layer below it, depth first."""
        yield prefix.rstrip("."), self
        for name, value in self._children():
            if isinstance(value, Layer):
                yield from value.named_layers(prefix + name + ".")

    def all_layers(self) -> list[Layer]:
        """This layer and every layer below it, depth first."""
        return [layer for _, layer in self.named_layers()]

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        for layer_name, layer in self.named_layers():
            for buffer in layer.buffer_names:
                value = getattr(layer, buffer)
                if value is not None:
                    yield prefix + (f"{layer_name}." if layer_name else "") + buffer, value

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> Layer:
        """Training mode (dropout active, batch norm uses batch statistics); returns self."""
        for layer in self.all_layers():
            layer.training = mode
        return self

    def eval(self) -> Layer:
        """Evaluation mode (dropout off, batch norm uses running statistics); returns self."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient."""
        for p in self.parameters():
            p.grad = None

    def to(self, dtype: Any) -> Layer:
        """Cast every parameter and buffer to float32 or float64 (in place); returns self."""
        dtype = as_float_dtype(dtype)
        for layer in self.all_layers():
            layer.dtype = dtype
            for buffer in layer.buffer_names:
                value = getattr(layer, buffer)
                if value is not None:
                    setattr(layer, buffer, value.astype(dtype))
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = None
        return self

    # ------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, keyed by dotted name."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update({name: np.array(value, copy=True) for name, value in self.named_buffers()})
        return state

    def load_state_dict(self, state: Mapping[str, np.ndarray], strict: bool = True) -> None:
        """Copy values from `state` into this layer's parameters and buffers.

        Lazily sized layers are built from the shapes in `state` first. With
        `strict`, missing or unexpected names are an error; a shape mismatch
        always is, naming the parameter and both shapes.
        """
        for name, layer in self.named_layers():
            layer.build_from_state(state, f"{name}." if name else "")
        own = dict(self.named_parameters())
        buffers = {name for name, _ in self.named_buffers()}
        missing = [n for n in list(own) + sorted(buffers) if n not in state]
        unexpected = [n for n in state if n not in own and n not in buffers]
        if strict and (missing or unexpected):
            raise KeyError(
                f"state dict does not fit {type(self).__name__}: missing {missing or 'nothing'}, "
                f"unexpected {unexpected or 'nothing'}"
            )
        for name, p in own.items():
            if name in state:
                value = np.asarray(state[name])
                if value.shape != p.shape:
                    raise ValueError(
                        f"parameter {name!r} has shape {p.shape} in this model but {value.shape} in the state dict"
                    )
                p.data[...] = value
        for layer_name, layer in self.named_layers():
            for buffer in layer.buffer_names:
                key = (f"{layer_name}." if layer_name else "") + buffer
                if key in state:
                    current = getattr(layer, buffer)
                    value = np.asarray(state[key])
                    if current is not None and np.shape(current) != value.shape:
                        raise ValueError(
                            f"buffer {key!r} has shape {np.shape(current)} in this model but {value.shape} in the state dict"
                        )
                    setattr(layer, buffer, value.astype(layer.dtype) if value.dtype.kind == "f" else value.copy())

    def build_from_state(self, state: Mapping[str, np.ndarray], prefix: str) -> None:
        """Lazily sized layers create their parameters from the shapes in `state` (default: nothing)."""

    def state_shapes(self, shapes: Mapping[str, tuple[int, ...]], prefix: str = "") -> dict[str, tuple[int, ...]]:
        """Name → shape of this layer's own parameters and buffers once a state of these `shapes` is loaded.

        Nothing is allocated: `chainrule.load` compares this with the arrays a file holds before
        it builds anything. `expected_state` gathers it over every sub-layer.
        """
        own = {prefix + name: value.shape for name, value in self._children() if isinstance(value, Parameter)}
        own.update({prefix + name: np.shape(getattr(self, name)) for name in self.buffer_names
                    if getattr(self, name) is not None})
        return own

    def expected_state(self, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
        """`state_shapes` of this layer and all below it: what `load_state_dict` of such a state will hold."""
        expected: dict[str, tuple[int, ...]] = {}
        for name, layer in self.named_layers():
            expected.update(layer.state_shapes(shapes, f"{name}." if name else ""))
        return expected

    def save(self, path: Any, extra: Mapping[str, Any] | None = None) -> None:
        """Save architecture and weights to `path` (see `chainrule.io`; load with `chainrule.load`)."""
        from chainrule.io import save

        save(self, path, extra)

    # ---------------------------------------------------------- description
    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this layer (used by save/load)."""
        return {}

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.config().items() if not _is_layer_list(v))

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        lists = [(k, v) for k, v in self.config().items() if _is_layer_list(v)]
        if not lists:
            return head + ")"
        lines = [head + ("" if head.endswith("(") else ",")]
        for key, layers in lists:
            lines += [f"  ({key}.{i}): " + repr(layer).replace("\n", "\n  ") for i, layer in enumerate(layers)]
        return "\n".join(lines) + "\n)"


def _is_layer_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, Layer) for v in value)


class LazilyBuilt(Layer):
    """A layer whose parameters are made once the size of its input is known (the book's lazy Dense).

    Subclasses say which parameters and buffers a size gives (``_shapes(size)``, name → shape, in the
    order they are drawn) and how each starts (``_initial(name, shape)``), and where the size lives:
    `size_attribute` (None until known: "input_size", "in_channels", …) and `sized_by`, the parameter
    and axis that show the size in a saved state. The constructor hands a known size to `_set_size`.

    Inside `awaiting_weights()` (used by `chainrule.load`) a known size creates nothing: the
    parameters are made, without random draws, only when `load_state_dict` brings their values.
    """

    size_attribute = "input_size"
    sized_by: tuple[str, int] = ("weight", 0)
    _awaiting = False  # the size is known, the weights come from a state dict

    def _shapes(self, size: int) -> dict[str, tuple[int, ...]]:
        raise NotImplementedError

    def _initial(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError

    def _set_size(self, size: Any) -> None:
        """Take a size given to the constructor: checked, then built now (or later, inside `awaiting_weights`)."""
        size = check_count(f"{type(self).__name__}({self.size_attribute}=...)", self.size_attribute, size)
        if _AWAITING.get():
            setattr(self, self.size_attribute, size)
            self._awaiting = True
        else:
            self._build(size)

    def _build(self, size: int, draw: bool = True) -> None:
        """Create the parameters and buffers for inputs of `size`: drawn as `_initial` says, or zeros."""
        setattr(self, self.size_attribute, size)
        for name, shape in self._shapes(size).items():
            value = self._initial(name, shape) if draw else np.zeros(shape, self.dtype)
            if name in self.buffer_names:
                setattr(self, name, value.astype(self.dtype, copy=False))
            else:
                setattr(self, name, Parameter(value, dtype=self.dtype))
        self._awaiting = False

    def check_dtype(self, x: Tensor, name: str) -> None:
        """Refuse an input whose dtype differs from the weights' (no silent promotion or copy)."""
        if x.dtype != self.dtype:
            raise TypeError(f"{name} has {self.dtype} weights but got a {x.dtype} input; cast one of them")

    def reset_parameters(self) -> None:
        size = getattr(self, self.size_attribute)
        if size is not None and not self._awaiting:
            self._build(size)

    def _state_size(self, shapes: Mapping[str, tuple[int, ...]], prefix: str) -> int | None:
        """The size this layer will be built with from a state of these shapes (None: stays unbuilt)."""
        if getattr(self, self.sized_by[0], None) is not None:
            return None
        declared = getattr(self, self.size_attribute)
        if declared is not None:
            return declared
        name, axis = self.sized_by
        shape = shapes.get(prefix + name)
        if shape is None:
            return None
        if len(shape) <= axis or shape[axis] < 1:
            raise ValueError(f"{prefix + name!r} of shape {tuple(shape)} cannot size {type(self).__name__}")
        return int(shape[axis])

    def state_shapes(self, shapes: Mapping[str, tuple[int, ...]], prefix: str = "") -> dict[str, tuple[int, ...]]:
        size = self._state_size(shapes, prefix)
        if size is None:
            return super().state_shapes(shapes, prefix)
        return {prefix + name: tuple(shape) for name, shape in self._shapes(size).items()}

    def build_from_state(self, state: Mapping[str, np.ndarray], prefix: str) -> None:
        key = prefix + self.sized_by[0]
        if key in state:
            size = self._state_size({key: np.shape(state[key])}, prefix)
            if size is not None:
                self._build(size, draw=not self._awaiting)


_AWAITING: ContextVar[bool] = ContextVar("awaiting_weights", default=False)


@contextmanager
def awaiting_weights() -> Iterator[None]:
    """Layers constructed inside make no weights yet: a state dict will give them (see `LazilyBuilt`).

    So loading a file allocates nothing, and draws nothing, before the file's sizes are checked.
    """
    token = _AWAITING.set(True)
    try:
        yield
    finally:
        _AWAITING.reset(token)
