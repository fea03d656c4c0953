"""Reductions: sum, mean, max, min, prod over axes, `sum_to` (the adjoint of broadcasting),
the running sum `cumsum`, and `argmax`/`argmin` (indices, no gradient).

A reduction maps many input elements to one output element; in the backward
pass that output's gradient is copied back (broadcast) to every element it came
from — scaled by 1/n for the mean, only to the winner for the max and min, and by
the product of the *other* elements for the product.
"""

from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops.dual import broadcast_to, value
from chainrule.tensor import Tensor

Axes = int | Sequence[int] | None


def normalize_axes(axis: Axes, ndim: int, name: str) -> tuple[int, ...]:
    """Turn `axis` (None, an int, or a sequence) into a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    result = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}: axis {a} is out of range for a tensor with {ndim} axes")
        result.append(int(a) % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"{name}: axis {axis} names the same axis twice")
    return tuple(sorted(result))


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape with each reduced axis kept as length 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Operation):
    """y = Σ over `axes` of x.   ∂y/∂x = 1 for every summed element: g is broadcast back."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g, x, y):
        return broadcast_to(g.reshape(_kept_shape(x.shape, self.axes)), x.shape)


class Mean(Operation):
    """y = (1/n) Σ over `axes` of x, n the number of elements summed.   ∂L/∂x = g / n, broadcast."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g, x, y):
        count = int(np.prod([x.shape[a] for a in self.axes]))
        g = g.reshape(_kept_shape(x.shape, self.axes)) / count
        return broadcast_to(g, x.shape)


class Max(Operation):
    """y = max over `axes` of x.   ∂y/∂x is 1 at the arg-max and 0 elsewhere.

    Ties: the whole gradient goes to the first maximal element (in C order over
    the reduced axes), the same rule as max pooling.
    """

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        if x.size == 0:  # only a reduced axis of length 0 has no maximum; other empty axes give an empty result
            empty = [x.shape[a] for a in self.axes if x.shape[a] == 0]
            kept = _kept_shape(x.shape, self.axes)
            if empty and int(np.prod(kept)) > 0:
                raise ValueError(
                    f"max: cannot take the maximum over an axis of length 0 (tensor of shape {x.shape}, "
                    f"axis {self.axes})"
                )
            return np.zeros(kept if self.keepdims else tuple(n for a, n in enumerate(x.shape) if a not in self.axes),
                            dtype=x.dtype)
        return x.max(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g, x, y):
        if value(x).size == 0:
            return g.reshape(_kept_shape(x.shape, self.axes)) * np.zeros(x.shape, dtype=x.dtype)
        winner = first_argmax_mask(value(x), self.axes)
        return winner * broadcast_to(g.reshape(_kept_shape(x.shape, self.axes)), x.shape)


class Min(Max):
    """y = min over `axes` of x = −max(−x).   ∂L/∂x = g at the first arg-min, 0 elsewhere (as `Max`, on −x)."""

    def forward(self, x):
        return -super().forward(-x)

    def backward(self, g, x, y):
        return super().backward(g, -x, y)  # the mask of −x's first maximum: x's first minimum


class Prod(Operation):
    """y = Π over `axes` of x.   ∂y/∂x_i = Π_{j≠i} x_j, the product of all the *other* elements.

    Dividing y by x_i would fail where x_i = 0, so the product of the others is built as
    (product of the elements before i) · (product of the elements after i): two exclusive
    running products along the flattened reduced axes, exact with zeros (one zero: only that
    element gets a gradient; two or more: none does). ``backward`` is NumPy (no second order).
    """

    second_order = False

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return x.prod(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g, x, y):
        if x.size == 0:
            return np.zeros_like(x)
        rest = [a for a in range(x.ndim) if a not in self.axes]
        moved = x.transpose(rest + list(self.axes))
        flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (before * after).reshape(moved.shape).transpose(np.argsort(rest + list(self.axes)))
        return others * np.broadcast_to(g.reshape(_kept_shape(x.shape, self.axes)), x.shape)


class Cumsum(Operation):
    """y_i = Σ_{j ≤ i} x_j along `axis`.   ∂y_i/∂x_j = [j ≤ i], so ∂L/∂x_j = Σ_{i ≥ j} g_i:
    the running sum of g taken from the far end (reverse, cumsum, reverse)."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        return np.cumsum(x, axis=self.axis)

    def backward(self, g, x, y):
        flip = (slice(None),) * self.axis + (slice(None, None, -1),)
        reversed_g = g[flip]
        summed = cumsum(reversed_g, self.axis) if isinstance(g, Tensor) else np.cumsum(reversed_g, axis=self.axis)
        return summed[flip]


def first_argmax_mask(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Boolean mask of x's shape, True at the first maximum of each slice over `axes`."""
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = x.transpose(rest + list(axes))
    flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
    winners = flat.argmax(axis=-1)
    mask = np.zeros(flat.shape, dtype=bool)
    np.put_along_axis(mask, winners[..., None], True, axis=-1)
    mask = mask.reshape(moved.shape)
    return mask.transpose(np.argsort(rest + list(axes)))


class SumTo(Operation):
    """Sum x down to `shape` (undo a broadcast).   ∂L/∂x = g broadcast back to x's shape."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x):
        return sum_to_array(x, self.shape)

    def backward(self, g, x, y):
        return broadcast_to(g, x.shape)


def sum_to_array(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum the leading axes and the axes where `shape` has 1 so that x gets `shape`."""
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1
    )
    y = x.sum(axis=axes, keepdims=True) if axes else x
    return y.reshape(shape) if lead else y


def sum(x: Any, axis: Axes = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over `axis` (all axes by default).   y = Σ x over the axes;  ∂L/∂x = g broadcast back to x's shape."""
    ndim = getattr(x, "ndim", np.ndim(x))
    return Sum(normalize_axes(axis, ndim, "sum"), keepdims)(x)


def mean(x: Any, axis: Axes = None, keepdims: bool = False) -> Tensor:
    """Mean over `axis` (all axes by default).   y = (1/n) Σ x;  ∂L/∂x = g/n broadcast back to x's shape."""
    ndim = getattr(x, "ndim", np.ndim(x))
    return Mean(normalize_axes(axis, ndim, "mean"), keepdims)(x)


def max(x: Any, axis: Axes = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over `axis` (all axes by default); the gradient goes to the first arg-max.

    y = max x;  ∂L/∂x = g at the (first) arg-max of each slice, 0 elsewhere.
    """
    ndim = getattr(x, "ndim", np.ndim(x))
    return Max(normalize_axes(axis, ndim, "max"), keepdims)(x)


def sum_to(x: Any, shape: Sequence[int]) -> Tensor:
    """Sum `x` down to `shape`, the shape it was broadcast from (the adjoint of `broadcast_to`).

    y = x summed over the leading axes and the axes where `shape` has 1;  ∂L/∂x = broadcast_to(g, x.shape).
    """
    shape = tuple(shape)
    xshape = tuple(getattr(x, "shape", np.shape(x)))
    if len(shape) > len(xshape) or builtins.any(
        n not in (1, m) for n, m in zip(shape[::-1], xshape[::-1])
    ):
        raise ValueError(f"sum_to: shape {xshape} was not broadcast from {shape}")
    return SumTo(shape)(x)


def min(x: Any, axis: Axes = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Minimum over `axis` (all axes by default); the gradient goes to the first arg-min.

    y = min x;  ∂L/∂x = g at the (first) arg-min of each slice, 0 elsewhere.
    """
    ndim = getattr(x, "ndim", np.ndim(x))
    return Min(normalize_axes(axis, ndim, "min"), keepdims)(x)


def prod(x: Any, axis: Axes = None, keepdims: bool = False) -> Tensor:
    """Product over `axis` (all axes by default), zeros included.

    y = Π x;  ∂L/∂x_i = g · Π_{j≠i} x_j (built from running products, never y / x_i).

    >>> x = Tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> prod(x).backward()
    >>> x.grad
    Tensor([0., 6., 0.], dtype=float32)
    """
    ndim = getattr(x, "ndim", np.ndim(x))
    return Prod(normalize_axes(axis, ndim, "prod"), keepdims)(x)


def cumsum(x: Any, axis: int = 0) -> Tensor:
    """Running sum along `axis`.   y_i = Σ_{j≤i} x_j;  ∂L/∂x_j = Σ_{i≥j} g_i (a running sum from the end)."""
    ndim = getattr(x, "ndim", np.ndim(x))
    (axis_,) = normalize_axes(axis, ndim, "cumsum")
    return Cumsum(axis_)(x)


def _arg(fn: Any, x: Any, axis: int | None, keepdims: bool, name: str) -> np.ndarray:
    data = np.asarray(x.data if isinstance(x, Tensor) else x)
    if axis is not None:
        (axis,) = normalize_axes(axis, data.ndim, name)
    if data.size == 0 and (axis is None or data.shape[axis] == 0):
        raise ValueError(f"{name}: there is no {name[3:]}imum over an empty axis (tensor of shape {data.shape}, "
                         f"axis {axis})")
    return fn(data, axis=axis, keepdims=keepdims)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the (first) maximum along `axis` (of the flattened tensor by default), an int array.

    Indices are integers, not a differentiable function of x (∂ undefined): no gradient, so a NumPy array.

    >>> argmax(Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]), axis=1)
    array([1, 0])
    """
    return _arg(np.argmax, x, axis, keepdims, "argmax")


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the (first) minimum along `axis` (of the flattened tensor by default), an int array (no gradient).

    >>> int(argmin(Tensor([2.0, -1.0, -1.0])))   # the first of the tied minima
    1
    """
    return _arg(np.argmin, x, axis, keepdims, "argmin")
