"""Reverse-mode automatic differentiation: `Operation`, the backward pass, `no_grad`.

The graph is built while the forward pass runs (define-by-run). Each call of an
`Operation` records its input tensors; each output tensor points back at the
operation that made it. Operations hold only *weak* references to their
outputs, so the graph has no reference cycles and is freed as soon as the last
tensor that reaches it goes away.

`backward` walks the graph without recursion (Kahn's algorithm): it first
counts, for every operation, how many edges lead into its outputs, then runs
an operation's backward only when all of those gradients have arrived. Each
step is O(1), so a chain of 10,000 operations or a tree of 100,000 costs time
linear in its size and no stack depth.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Any, Iterator, Sequence

import numpy as np

from chainrule.tensor import DEFAULT_DTYPE, Tensor, to_array

# ------------------------------------------------------------------ grad mode


class _GradMode(threading.local):
    enabled = True


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for differentiation (per thread)."""
    return _grad_mode.enabled


@contextlib.contextmanager
def set_grad_enabled(enabled: bool) -> Iterator[None]:
    """Context (or decorator) that turns graph recording on or off inside it."""
    previous = _grad_mode.enabled
    _grad_mode.enabled = enabled
    try:
        yield
    finally:
        _grad_mode.enabled = previous


def no_grad() -> contextlib.AbstractContextManager:
    """Context (or decorator) in which no graph is recorded: for evaluation and updates.

    >>> x = Tensor([1.0], requires_grad=True)
    >>> with no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """
    return set_grad_enabled(False)


def enable_grad() -> contextlib.AbstractContextManager:
    """Context (or decorator) that records the graph even inside `no_grad`."""
    return set_grad_enabled(True)


# ------------------------------------------------------------------ operation


class Operation:
    """One differentiable function: `forward` on arrays, `backward` right below it.

    Subclasses implement

    * ``forward(*xs) -> y``: NumPy arrays in, an array (or a tuple of arrays when
      ``multiple_outputs``) out. It may keep what backward needs on ``self``.
    * ``backward(gy, *xs, y) -> gx or (gx0, gx1, ...)``: given the gradient of the
      loss with respect to the output, return it with respect to each input (the
      chain rule: ``gx = gy · ∂y/∂x``), or None where no gradient is needed.
      ``self.needs_grad[i]`` says whether input ``i`` wants one.

    Normally `backward` receives NumPy arrays. With ``create_graph=True`` it
    receives Tensors and its formula is itself recorded, so the gradient can be
    differentiated again; helper functions that work on both kinds are in
    `chainrule.ops.dual`. An operation whose backward is written with NumPy
    only sets ``second_order = False`` and says so when asked.

    Calling an instance runs `forward` and, when gradients are needed, records it.
    """

    multiple_outputs = False
    second_order = True
    released = False
    out_dtype: np.dtype | None = None  # set by operations whose output dtype differs from the inputs'
    retained_outputs: tuple[int, ...] = ()  # outputs whose gradient is kept (Tensor.retain_grad)

    inputs: tuple[Tensor, ...]
    needs_grad: tuple[bool, ...]

    @property
    def name(self) -> str:
        return type(self).__name__

    def forward(self, *xs: np.ndarray) -> Any:
        raise NotImplementedError

    def backward(self, gy: Any, *xs_and_y: Any) -> Any:
        raise NotImplementedError

    def __call__(self, *inputs: Any) -> Any:
        tensors, dtype, record = _prepare_inputs(inputs, self)
        ys = self.forward(*[t.data for t in tensors])
        if self.out_dtype is not None:
            dtype = self.out_dtype
        if self.multiple_outputs:
            ys = tuple(_checked_output(y, dtype, self) for y in ys)
            outputs = tuple(Tensor._wrap(y, record) for y in ys)
        else:
            ys = _checked_output(ys, dtype, self)
            output = Tensor._wrap(ys, record)
            if not record:
                return output
            outputs = (output,)
        if record:
            self.inputs = tensors
            self.needs_grad = tuple([t.requires_grad for t in tensors])
            self.output_values = ys
            self.outputs = tuple([weakref.ref(out) for out in outputs])
            for index, out in enumerate(outputs):
                out._op = self
                out._index = index
        return outputs if self.multiple_outputs else outputs[0]

    def release(self) -> None:
        """Drop the inputs and everything saved for backward (after a backward pass)."""
        self.__dict__.clear()
        self.released = True


def _prepare_inputs(inputs: tuple, op: Operation) -> tuple[tuple[Tensor, ...], np.dtype, bool]:
    """Check the tensors share one dtype, wrap constants in it, and decide whether to record.

    Returns the inputs as tensors, their dtype, and whether the call joins the graph.
    """
    dtype = None
    record = False
    constants = False
    for x in inputs:
        if isinstance(x, Tensor):
            x_dtype = x.data.dtype
            if dtype is None:
                dtype = x_dtype
            elif x_dtype is not dtype and x_dtype != dtype:
                raise TypeError(
                    f"{op.name}: cannot combine tensors of dtype {dtype} and {x_dtype}; "
                    "cast one with .astype() so both have the same dtype"
                )
            if x.requires_grad:
                record = True
        else:
            constants = True
    if dtype is None:
        dtype = DEFAULT_DTYPE
    if constants:
        inputs = tuple([x if isinstance(x, Tensor) else Tensor._wrap(to_array(x, dtype)) for x in inputs])
    return inputs, dtype, record and _grad_mode.enabled


def _checked_output(y: Any, dtype: np.dtype, op: Operation) -> np.ndarray:
    if type(y) is not np.ndarray:
        y = np.asarray(y)
    if y.dtype is not dtype and y.dtype != dtype:
        raise RuntimeError(f"internal error: {op.name}.forward returned {y.dtype} for {dtype} inputs")
    return y


# ------------------------------------------------------------------- backward


def backward(
    root: Tensor,
    grad: Any = None,
    retain_graph: bool = False,
    create_graph: bool = False,
) -> None:
    """Accumulate d(root)/d(leaf) into `leaf.grad` for every leaf that requires grad."""
    seed = _seed(root, grad, create_graph)
    leaf_grads = _run_backward(root, seed, retain_graph or create_graph, create_graph, wanted=None)
    for leaf, g in leaf_grads.items():
        g = g if create_graph else Tensor._wrap(g)
        leaf.grad = g if leaf.grad is None else leaf.grad + g


def grad(
    output: Tensor,
    inputs: Sequence[Tensor],
    grad_output: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return d(output)/d(input) for each input, without touching any `.grad`.

    With ``create_graph=True`` the results are part of a graph themselves, so
    they can be differentiated again (second derivatives).

    >>> x = Tensor([3.0], requires_grad=True, dtype="float64")
    >>> (dx,) = grad(x ** 3, [x], create_graph=True)   # 3x² = 27
    >>> (dxx,) = grad(dx, [x])                          # 6x = 18
    >>> float(dx.item()), float(dxx.item())
    (27.0, 18.0)
    """
    inputs = list(inputs)
    for t in inputs:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise ValueError("grad(): every input must be a Tensor with requires_grad=True")
    seed = _seed(output, grad_output, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    found = _run_backward(output, seed, retain, create_graph, wanted=inputs)
    results = []
    for t in inputs:
        g = found.get(t)
        if g is None and not allow_unused:
            raise ValueError(
                "grad(): one of the inputs was not used to compute the output "
                "(pass allow_unused=True to get None for it)"
            )
        results.append(None if g is None else (g if create_graph else Tensor._wrap(g)))
    return tuple(results)


def _seed(root: Tensor, grad: Any, create_graph: bool) -> Any:
    if not isinstance(root, Tensor):
        raise TypeError(f"backward() needs a Tensor, got {type(root).__name__}")
    if not root.requires_grad:
        raise RuntimeError(
            "this tensor does not require grad: no input that it was computed from has "
            "requires_grad=True (or it was computed inside no_grad())"
        )
    if grad is None:
        if root.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {root.shape} needs grad= (the gradient flowing "
                "into it); a scalar loss, e.g. .sum() or .mean(), needs none"
            )
        seed = np.ones(root.shape, dtype=root.dtype)
    else:
        seed = np.array(to_array(grad, root.dtype))  # a copy: the caller keeps theirs
        if seed.shape != root.shape:
            raise ValueError(f"backward(): grad has shape {seed.shape}, the tensor has {root.shape}")
    return Tensor._wrap(seed) if create_graph else seed


def _run_backward(
    root: Tensor,
    seed: Any,
    retain_graph: bool,
    create_graph: bool,
    wanted: list[Tensor] | None,
    boundary: set[Tensor] | None = None,
) -> dict[Tensor, Any]:
    """The backward pass. Returns the gradients of the leaves (or of `wanted`).

    Tensors in `boundary` are treated as leaves: the pass does not go on into the graph
    that made them (`composite_backward` differentiates a small graph built on top of them).
    """
    wanted_set = None if wanted is None else set(wanted)
    results: dict[Tensor, Any] = {}
    owned: set[tuple[int, int]] = set()  # accumulators this pass allocated (safe to add into in place)

    def deliver(slots: list, index: int, g: Any, key: tuple[int, int]) -> None:
        current = slots[index]
        if current is None:
            slots[index] = g
        elif create_graph:
            slots[index] = current + g
        elif key in owned:
            current += g
        else:  # a new array this pass owns; 0-d + 0-d gives a NumPy scalar, which += would not update
            total = current + g
            slots[index] = total if type(total) is np.ndarray else np.asarray(total)
            owned.add(key)

    if root._op is None:  # differentiating a leaf with respect to itself
        if wanted_set is None or root in wanted_set:
            results[root] = seed if create_graph else np.array(seed)
        return results

    pending = _count_consumers(root._op, boundary)
    grads: dict[Operation, list] = {root._op: [None] * len(root._op.outputs)}
    grads[root._op][root._index] = seed
    leaf_slots: dict[Tensor, list] = {}
    ready = [root._op]
    run_op = _backward_on_tensors if create_graph else _backward_on_arrays
    with set_grad_enabled(create_graph):
        while ready:
            op = ready.pop()
            gys = grads.pop(op)
            if wanted_set is not None or op.retained_outputs:
                _keep_retained(op, gys, wanted_set, results, create_graph)
            for tensor, gx in zip(op.inputs, run_op(op, gys), strict=True):
                producer = tensor._op if boundary is None or tensor not in boundary else None
                if producer is not None:
                    count = pending[producer] - 1
                    pending[producer] = count
                    if count == 0:
                        ready.append(producer)
                if gx is None or not tensor.requires_grad:
                    continue
                if gx.shape != tensor.data.shape:
                    raise RuntimeError(
                        f"internal error: {op.name}.backward gave a gradient of shape "
                        f"{gx.shape} for an input of shape {tensor.shape}"
                    )
                if producer is not None:
                    slots = grads.get(producer)
                    if slots is None:
                        slots = grads[producer] = [None] * len(producer.outputs)
                    deliver(slots, tensor._index, gx, (id(producer), tensor._index))
                elif wanted_set is None or tensor in wanted_set:
                    slots = leaf_slots.get(tensor)
                    if slots is None:
                        slots = leaf_slots[tensor] = [None]
                    deliver(slots, 0, gx, (id(tensor), -1))
            if not retain_graph:
                op.release()
    for tensor, (g,) in leaf_slots.items():
        results[tensor] = g
    if not create_graph:
        _make_private(results)
    return results


def composite_backward(definition: Any, inputs: Sequence[Tensor], grad_output: Tensor) -> tuple[Tensor | None, ...]:
    """The backward of a fused operation on Tensors (create_graph=True), from its definition.

    A fused operation's first-order backward is NumPy; to be differentiated again it
    rebuilds its forward from primitive operations, ``definition(*inputs)``, on top of its
    input Tensors, and returns the recorded vector-Jacobian product of that small graph
    with `grad_output`. The pass stops at the inputs (it never walks the graph before them).
    """
    with set_grad_enabled(True):
        output = definition(*inputs)
    wanted = [t for t in inputs if t.requires_grad]
    if not output.requires_grad or not wanted:
        return (None,) * len(inputs)
    found = _run_backward(output, grad_output, True, True, wanted=wanted, boundary=set(wanted))
    return tuple(found.get(t) if t.requires_grad else None for t in inputs)


def _count_consumers(root_op: Operation, boundary: set[Tensor] | None = None) -> dict[Operation, int]:
    """For each operation reachable from `root_op` (not through `boundary`): how many graph edges use its outputs."""
    pending = {root_op: 0}
    stack = [root_op]
    while stack:
        op = stack.pop()
        if op.released:
            raise RuntimeError(
                "trying to backward through the graph a second time, but its saved values were "
                "freed by the first backward(); pass retain_graph=True to the first call if you "
                "need to go through it twice"
            )
        for tensor in op.inputs:
            producer = tensor._op
            if producer is None or (boundary is not None and tensor in boundary):
                continue
            if producer in pending:
                pending[producer] += 1
            else:
                pending[producer] = 1
                stack.append(producer)
    return pending


def _backward_on_arrays(op: Operation, gys: list) -> tuple:
    """Run a first-order backward on NumPy arrays; returns one gradient (or None) per input."""
    if op.multiple_outputs:
        if all(g is None for g in gys):
            return (None,) * len(op.inputs)
        gy = tuple(np.zeros_like(v) if g is None else g for g, v in zip(gys, op.output_values))
    else:
        gy = gys[0]
        if gy is None:
            return (None,) * len(op.inputs)
    gxs = op.backward(gy, *[t.data for t in op.inputs], op.output_values)
    return gxs if type(gxs) is tuple else (gxs,)


def _backward_on_tensors(op: Operation, gys: list) -> tuple:
    """Run a backward on Tensors, recording it (create_graph=True) so it can be differentiated."""
    if not op.second_order:
        raise RuntimeError(
            f"{op.name}: its backward is written directly in NumPy, so it cannot be "
            "differentiated again; create_graph=True (second derivatives) is not supported "
            "through this operation"
        )
    if all(g is None for g in gys):
        return (None,) * len(op.inputs)
    values = op.output_values if op.multiple_outputs else (op.output_values,)
    outputs = [ref() for ref in op.outputs]
    ys = tuple(out if out is not None else Tensor._wrap(v) for out, v in zip(outputs, values))
    gy = tuple(Tensor._wrap(np.zeros_like(v)) if g is None else g for g, v in zip(gys, values))
    if not op.multiple_outputs:
        gy, ys = gy[0], ys[0]
    gxs = op.backward(gy, *op.inputs, ys)
    return gxs if type(gxs) is tuple else (gxs,)


def _keep_retained(op: Operation, gys: list, wanted: set | None, results: dict, create_graph: bool) -> None:
    """Store the finished gradients of this op's outputs that were asked for."""
    for index, (ref, g) in enumerate(zip(op.outputs, gys)):
        out = ref()
        if out is None or g is None:
            continue
        if wanted is not None and out in wanted:
            results[out] = g
        if index in op.retained_outputs and wanted is None:
            g = g if create_graph else np.array(g)
            out.grad = g if create_graph else Tensor._wrap(g)


def _make_private(results: dict[Tensor, np.ndarray]) -> None:
    """Copy gradients that are views, read-only or shared, so each `.grad` may be changed in place."""
    seen: set[int] = set()
    for tensor, g in results.items():
        if g.base is not None or not g.flags.writeable or id(g) in seen:
            g = np.array(g)
            results[tensor] = g
        seen.add(id(g))
