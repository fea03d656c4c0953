"""The `Optimizer` base class: which parameters, when to step, at what learning rate.

An optimizer changes every parameter p in place from its gradient g = ∂L/∂p,
by the rule of its subclass (`SGD`: p ← p − lr·g; `Adam`: …). The base class
does what all the rules share:

* it finds the parameters: a list of Tensors (``SGD(net.parameters(), lr=0.1)``),
  a layer or network (``SGD(net, lr=0.1)``: asked again at every step, because
  layers create their weights on their first forward pass), or none yet, in
  which case the Trainer calls ``optimizer.attach(net)``;
* it clips the gradients (``clip_norm=``, ``clip_value=``) before the update;
* it sets the learning rate of each epoch from a schedule (``start_epoch``):
  the book's ``final_lr`` + ``decay_type``, or any `LRSchedule`;
* it keeps each parameter's state (momentum, moment estimates) in
  ``self.state[param]``, and saves and restores it (`state_dict`).

Updates never allocate in the hot path: the state arrays are created once, a few
scratch arrays per parameter shape are reused, and every NumPy call writes
with ``out=`` or in place. Python scalars are cast to the parameter's dtype, so
float32 parameters and state stay float32.

For readers of the book: a number given first is the learning rate, so
``SGD(0.1)`` is ``SGD(lr=0.1)``.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from chainrule.ops import scratch
from chainrule.optim.clipping import clip_grad_norm, clip_grad_value
from chainrule.optim.schedules import LRSchedule, make_schedule
from chainrule.tensor import Tensor

__all__ = ["Optimizer", "check_hyper", "with_weight_decay"]


def check_hyper(name: str, value: Any, low: float = 0.0, high: float = math.inf, *,
                low_open: bool = False, high_open: bool = False) -> float:
    """`value` as a float, checked to be a number in the interval [low, high] (ends open if asked)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    high_open = high_open or high == math.inf
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{name} must be in {left}{low:g}, {high:g}{right}, got {value!r}")
    return float(value)


def with_weight_decay(p: np.ndarray, g: np.ndarray, weight_decay: float, out: np.ndarray) -> np.ndarray:
    """The L2-regularised gradient g + λ·p, written into `out` (g itself when λ = 0)."""
    if not weight_decay:
        return g
    np.multiply(p, p.dtype.type(weight_decay), out=out)
    out += g
    return out


class Optimizer:
    """Base class of the optimizers. Subclasses define `_new_state` and `_update`.

    Args:
        params: a Tensor, an iterable of Tensors, an object with a ``parameters()``
            method (looked up at every step), None (attach later), or a number
            (then it is the learning rate: ``SGD(0.1)``).
        lr: the learning rate (≥ 0); the class's `default_lr` if not given.
        final_lr, decay_type: the book's decay, ``"linear"`` or ``"exponential"``
            from `lr` at the first epoch to `final_lr` at the last.
        schedule: any `LRSchedule` instead (not together with `decay_type`).
        clip_norm: clip the global L2 norm of the gradients to this value first.
        clip_value: clamp every gradient element into [−clip_value, clip_value] first.
    """

    default_lr = 0.01
    hyper: tuple[str, ...] = ()  # names of hyper-parameter attributes saved by state_dict
    scratch_arrays = 1  # scratch arrays per parameter shape that _update needs

    def __init__(
        self,
        params: Any = None,
        lr: float | None = None,
        *,
        final_lr: float | None = None,
        decay_type: str | None = None,
        schedule: LRSchedule | None = None,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        name = type(self).__name__
        if isinstance(params, Real) and not isinstance(params, bool):
            if lr is not None:
                raise TypeError(
                    f"{name} got two learning rates, {params!r} as the first argument and "
                    f"lr={lr!r}: a number given first is the learning rate ({name}({params!r}) "
                    f"means {name}(lr={params!r})); give it once"
                )
            params, lr = None, params
        self._fixed: list[Tensor] | None = None  # a list of parameters given once
        self._source: Any = None  # or an object asked for .parameters() at every step
        if params is not None:
            self.attach(params)
        self.lr = self.default_lr if lr is None else lr
        self.initial_lr = self.lr
        self.final_lr, self.decay_type = final_lr, decay_type
        self.schedule = make_schedule(final_lr, decay_type, schedule)
        if decay_type == "exponential" and self.lr <= 0:
            raise ValueError(f"exponential decay needs lr > 0, got {self.lr!r}")
        if clip_norm is not None:
            clip_norm = check_hyper("clip_norm", clip_norm, low_open=True)
        if clip_value is not None:
            clip_value = check_hyper("clip_value", clip_value, low_open=True)
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.steps = 0  # calls of step()
        self.last_grad_norm: float | None = None  # the norm before clipping, when clip_norm is set
        self._scratch_pool: dict[tuple, list[np.ndarray]] = {}

    @property
    def lr(self) -> float:
        """The learning rate the next step uses (set by `start_epoch` when there is a schedule)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_hyper("lr", value)

    # ---------------------------------------------------------------- parameters
    def attach(self, params: Any) -> Optimizer:
        """Use `params` from now on: a Tensor, an iterable of Tensors, or a layer/network.

        State already kept for a parameter that is still among them is kept.
        """
        if isinstance(params, Tensor):
            self._fixed, self._source = [params], None
        elif callable(getattr(params, "parameters", None)):
            self._fixed, self._source = None, params
        else:
            try:
                items = list(params)
            except TypeError:
                raise TypeError(
                    "params must be Tensors or an object with a parameters() method, "
                    f"got {type(params).__name__}"
                ) from None
            self._fixed, self._source = _unique_tensors(items), None
        return self

    def freeze_parameters(self) -> None:
        """Look the parameters up one last time and keep that list (once lazy layers are built).

        Saves walking the network at every step; the Trainer calls it after the first step.
        """
        if self._source is not None:
            self._fixed, self._source = self.parameters(), None

    def has_parameters(self) -> bool:
        """Whether it knows where its parameters are (given, or attached); the Trainer asks."""
        return self._fixed is not None or self._source is not None

    def parameters(self) -> list[Tensor]:
        """The parameters it updates now (each once, even when a weight is shared)."""
        if self._fixed is not None:
            return self._fixed
        return [] if self._source is None else _unique_tensors(self._source.parameters())

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``p.grad = None``) before the next backward()."""
        for p in self.parameters():
            p.grad = None

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Clip the gradients if asked, then update every parameter that has a gradient."""
        if not self.has_parameters():
            name = type(self).__name__
            raise RuntimeError(
                f"{name} has no parameters to update: pass them when you create it "
                f"({name}(net.parameters(), lr=...) or {name}(net, lr=...)), call "
                "optimizer.attach(net), or let the Trainer attach the network"
            )
        params = [p for p in self.parameters() if p.grad is not None]
        if self.clip_value is not None:
            clip_grad_value(params, self.clip_value)
        if self.clip_norm is not None:
            self.last_grad_norm = clip_grad_norm(params, self.clip_norm)
        for p in params:
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, **self._new_state(p.data)}
            state["step"] += 1
            self._update(p.data, _grad_of(p), state)
        self.steps += 1

    def _new_state(self, p: np.ndarray) -> dict[str, np.ndarray]:
        """The state arrays of a parameter before its first update (none by default)."""
        return {}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> None:
        """Change `p` in place from the gradient `g` (never written); state["step"] counts from 1."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    def _scratch(self, p: np.ndarray) -> list[np.ndarray]:
        """`scratch_arrays` work arrays shaped like `p`, shared by all parameters of that shape."""
        key = (p.shape, p.dtype)
        if key not in self._scratch_pool:
            self._scratch_pool[key] = [scratch.empty(p.shape, p.dtype) for _ in range(self.scratch_arrays)]
        elif scratch.is_stale_memory_guarded():  # test mode: what the last update left must not be read
            for array in self._scratch_pool[key]:
                array.fill(np.nan)
        return self._scratch_pool[key]

    # -------------------------------------------------------- learning-rate schedule
    def start_epoch(self, epoch: int, total_epochs: int) -> None:
        """Set `lr` for `epoch` (from 0) of `total_epochs` from the schedule; no-op without one."""
        if self.schedule is not None:
            self.lr = self.schedule.lr_at(epoch, total_epochs, self.initial_lr)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """A flat dict of numbers, strings and (copied) arrays: np.savez- and JSON-friendly keys.

        Keys: ``optimizer`` (the class name), ``lr``, ``initial_lr``, ``steps``,
        ``num_params``, ``hyper/<name>`` and ``state/<i>/<name>`` for the i-th
        parameter of `parameters()`. The schedule and clipping options are
        configuration, given again when the optimizer is made; not saved.
        """
        params = self.parameters()
        out: dict[str, Any] = {
            "optimizer": type(self).__name__, "lr": self.lr, "initial_lr": self.initial_lr,
            "steps": self.steps, "num_params": len(params),
        }
        for name in self.hyper:
            out[f"hyper/{name}"] = getattr(self, name)
        for i, p in enumerate(params):
            for key, value in self.state.get(p, {}).items():
                out[f"state/{i}/{key}"] = value.copy() if isinstance(value, np.ndarray) else value
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` saved (values may come back as 0-d arrays from np.load).

        The parameters must be the same number, in the same order, with the same
        shapes and dtypes: build the network (one forward pass) before loading.
        Nothing changes when a check fails.
        """
        name = type(self).__name__
        missing = [k for k in ("optimizer", "lr", "initial_lr", "steps", "num_params") if k not in state]
        if missing:
            raise ValueError(f"not an optimizer state dict: it lacks {missing}")
        if str(state["optimizer"]) != name:
            raise ValueError(f"this state dict is for {state['optimizer']}, not {name}")
        params = self.parameters()
        count = int(state["num_params"])
        if count != len(params):
            hint = " (a lazy network creates its weights on its first forward pass)" if not params else ""
            raise ValueError(
                f"the state dict holds {count} parameters but {name} has {len(params)}{hint}"
            )
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, value in state.items():
            if key.startswith("state/"):
                _, index, field = key.split("/", 2)
                if not 0 <= int(index) < count:
                    raise ValueError(f"{key!r} names parameter {index}, but there are {count}")
                p = params[int(index)]
                new_state.setdefault(p, {})[field] = _restored(value, field, int(index), p)
        for i, p in enumerate(params):
            if p in new_state:
                expected = {"step", *self._new_state(p.data)}
                if set(new_state[p]) != expected:
                    raise ValueError(
                        f"parameter {i}: saved state has {sorted(new_state[p])}, "
                        f"{name} needs {sorted(expected)}"
                    )
        hyper = {}
        for h in self.hyper:
            if f"hyper/{h}" not in state:
                raise ValueError(f"the state dict lacks the hyper-parameter hyper/{h}")
            hyper[h] = type(getattr(self, h))(state[f"hyper/{h}"])
        self.lr, self.initial_lr = float(state["lr"]), float(state["initial_lr"])
        self.steps = int(state["steps"])
        for h, value in hyper.items():
            setattr(self, h, value)
        self.state = new_state

    def __repr__(self) -> str:
        parts = [f"lr={self.lr:g}"] + [f"{h}={getattr(self, h)!r}" for h in self.hyper]
        for option in ("schedule", "clip_norm", "clip_value"):
            if getattr(self, option) is not None:
                parts.append(f"{option}={getattr(self, option)!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _unique_tensors(items: Any) -> list[Tensor]:
    """The Tensors in `items` in order, each once; a clear error for anything else."""
    found = []
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise TypeError(
                f"expected parameters as Tensors, got {type(p).__name__} at position {i}; "
                "wrap arrays with Tensor(..., requires_grad=True)"
            )
        found.append(p)
    return list(dict.fromkeys(found))  # Tensors hash by identity: drops shared weights' repeats


def _grad_of(p: Tensor) -> np.ndarray:
    """p.grad as an array, checked against the parameter's shape and dtype."""
    g = p.grad.data if isinstance(p.grad, Tensor) else np.asarray(p.grad)
    if g.shape != p.data.shape or g.dtype != p.data.dtype:
        raise ValueError(
            f"a parameter of shape {p.data.shape} and dtype {p.data.dtype} has a gradient of "
            f"shape {g.shape} and dtype {g.dtype}; they must match"
        )
    return g


def _restored(value: Any, field: str, index: int, p: Tensor) -> Any:
    """One saved state entry, checked against parameter `index` and copied."""
    if field == "step":
        return int(value)
    array = np.asarray(value)
    if array.shape != p.data.shape or array.dtype != p.data.dtype:
        raise ValueError(
            f"parameter {index}: saved state {field!r} has shape {array.shape} and dtype "
            f"{array.dtype}, but the parameter has shape {p.data.shape} and dtype {p.data.dtype}"
        )
    return array.copy()
