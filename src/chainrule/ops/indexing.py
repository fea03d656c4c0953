"""Indexing: getitem (basic and integer-array), its adjoint scatter-add, and where.

``y = x[index]`` picks elements; each picked element's gradient goes back to
the place it was picked from. With integer-array indexing one place can be
picked several times (``x[[0, 0, 1]]``), so the backward *adds* into a zero
array (scatter with accumulation) rather than assigning.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops.dual import scatter_add as dual_scatter_add
from chainrule.ops.dual import gate, sum_to, value
from chainrule.tensor import Tensor


def _check_index(index: Any) -> Any:
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, Tensor):
            raise TypeError(
                "index a Tensor with ints, slices or integer/boolean NumPy arrays, not with a "
                "Tensor (tensors hold floats); use tensor.numpy().astype(int) if you mean it"
            )
    return index


def _may_repeat(index: Any) -> bool:
    """True if `index` can pick the same element twice (integer-array indexing)."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, (list, np.ndarray)) and np.asarray(part).dtype != bool:
            return True
    return False


def scatter_add_array(g: np.ndarray, shape: tuple[int, ...], index: Any) -> np.ndarray:
    """zeros(shape) with g added at index (accumulating repeated indices)."""
    out = np.zeros(shape, dtype=g.dtype)
    if _may_repeat(index):
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


class GetItem(Operation):
    """y = x[index].   ∂L/∂x = zeros with g added at index (repeats accumulate)."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x):
        try:
            return np.asarray(x[self.index])
        except IndexError as error:
            raise IndexError(f"getitem: index {self.index!r} does not fit a tensor of shape {x.shape}: {error}") from None

    def backward(self, g, x, y):
        return dual_scatter_add(x.shape, self.index, g)


class ScatterAdd(Operation):
    """y = zeros(shape) with x added at index.   ∂L/∂x = g[index] (the adjoint of getitem)."""

    def __init__(self, shape: tuple[int, ...], index: Any) -> None:
        self.shape, self.index = shape, index

    def forward(self, x):
        return scatter_add_array(x, self.shape, self.index)

    def backward(self, g, x, y):
        return g[self.index]


class Where(Operation):
    """y = a where `condition`, else b (broadcasting).   ∂L/∂a = g·[cond], ∂L/∂b = g·[¬cond]."""

    def __init__(self, condition: np.ndarray) -> None:
        self.condition = condition

    def forward(self, a, b):
        try:
            return np.where(self.condition, a, b)
        except ValueError:
            raise ValueError(
                f"where: condition {self.condition.shape}, a {a.shape} and b {b.shape} do not broadcast together"
            ) from None

    def backward(self, g, a, b, y):
        ga = sum_to(gate(g, self.condition), a.shape) if self.needs_grad[0] else None
        gb = sum_to(gate(g, ~self.condition), b.shape) if self.needs_grad[1] else None
        return ga, gb


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with ints, slices, None, Ellipsis, or integer/boolean arrays.

    y = x[index];  ∂L/∂x = zeros(x.shape) with g added at index (an element picked twice gets both).

    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> getitem(x, np.array([0, 0, 2])).sum().backward()
    >>> x.grad
    Tensor([2., 0., 1.], dtype=float32)
    """
    return GetItem(_check_index(index))(x)


def scatter_add(x: Any, shape: tuple[int, ...], index: Any) -> Tensor:
    """A zero tensor of `shape` with `x` added at `index` (repeated indices add up).

    y = zeros(shape); y[index] += x;  ∂L/∂x = g[index] (the adjoint of `getitem`).
    """
    return ScatterAdd(tuple(shape), _check_index(index))(x)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise choice: a where `condition` is true, else b.

    ∂L/∂a = g where the condition holds (else 0),  ∂L/∂b = g where it does not (each summed to its shape).

    >>> where(np.array([True, False]), Tensor([1.0, 2.0]), 0.0)
    Tensor([1., 0.], dtype=float32)
    """
    condition = np.asarray(value(condition))
    if condition.dtype != bool:
        raise TypeError(f"where: condition must be a boolean array, got dtype {condition.dtype}")
    return Where(condition)(a, b)


def take_along_axis(x: Any, indices: Any, axis: int) -> Tensor:
    """Pick, along `axis`, the elements at `indices` (an int array with x's number of axes), as
    ``np.take_along_axis`` and PyTorch's ``gather``: y[…, i, …] = x[…, indices[…, i, …], …].

    This is indexing with one integer array per axis: `indices` on `axis`, and on every other
    axis k the position itself (an arange broadcast along k). So it is `getitem`, and its
    gradient is getitem's: ∂L/∂x = zeros with g added at the picked places (an element
    picked twice gets both).

    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> take_along_axis(x, np.array([[1], [0]]), axis=1).numpy().ravel()
    array([2., 3.], dtype=float32)
    """
    idx = np.asarray(value(indices))
    shape = tuple(getattr(x, "shape", np.shape(x)))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"take_along_axis: indices must be integers, got dtype {idx.dtype}")
    if idx.ndim != len(shape):
        raise ValueError(f"take_along_axis: indices need {len(shape)} axes like x {shape}, got shape {idx.shape}")
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"take_along_axis: axis {axis} is out of range for shape {shape}")
    axis %= len(shape)
    if idx.size and (idx.min() < -shape[axis] or idx.max() >= shape[axis]):
        raise IndexError(f"take_along_axis: indices from {idx.min()} to {idx.max()} do not fit axis {axis} of "
                         f"length {shape[axis]}")
    try:
        out_shape = np.broadcast_shapes(tuple(n if k != axis else 1 for k, n in enumerate(shape)),
                                        tuple(n if k != axis else 1 for k, n in enumerate(idx.shape)))
    except ValueError:
        raise ValueError(f"take_along_axis: indices {idx.shape} do not broadcast against x {shape} "
                         f"outside axis {axis}") from None
    index = tuple(
        idx + (idx < 0) * shape[axis] if k == axis else
        (np.arange(out_shape[k]) if shape[k] != 1 else np.zeros(out_shape[k], np.int64)).reshape(
            (-1,) + (1,) * (len(shape) - k - 1))
        for k in range(len(shape))
    )
    return getitem(x, index)
