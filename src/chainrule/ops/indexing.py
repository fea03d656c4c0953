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
from chainrule.ops.dual import sum_to, value
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
        ga = sum_to(g * self.condition, a.shape) if self.needs_grad[0] else None
        gb = sum_to(g * ~self.condition, b.shape) if self.needs_grad[1] else None
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
