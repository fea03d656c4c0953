"""Reductions built from a few more steps: `logsumexp`, `var` and `std`, and the vector `norm`.

Each is one operation with its own derivative (fewer nodes and temporaries than the chain of
primitives, and stable where that chain is not). n is the number of elements reduced over,
g the gradient of the output broadcast back to the input's shape.

log-sum-exp. y = log Σ eˣ = m + log Σ e^{x − m} with m = max x (nothing overflows).
    ∂y/∂x_i = e^{x_i} / Σ_j e^{x_j} = e^{x_i − y}: the softmax, so ∂L/∂x = g ∘ e^{x − y}.

Variance with a correction c (PyTorch's `correction`; c = 1 is the unbiased estimator).
    y = Σ (x_i − x̄)² / (n − c). With ∂x̄/∂x_j = 1/n,
    ∂y/∂x_j = 2/(n − c) · Σ_i (x_i − x̄)(δ_ij − 1/n) = 2(x_j − x̄)/(n − c),
    the second term vanishing because the deviations sum to zero.
    The standard deviation is √var, by the chain rule ∂L/∂x = g ∘ (x − x̄)/((n − c)·y).

p-norm. y = (Σ |x_i|^p)^{1/p} for p ≥ 1.
    ∂y/∂x_i = (1/p)(Σ|x|^p)^{1/p − 1} · p|x_i|^{p−1} sign x_i = sign(x_i)·|x_i|^{p−1} / y^{p−1};
    for p = 2 that is x_i / y, for p = 1 sign(x_i). At x = 0 (y = 0) the gradient is set to 0, a
    subgradient, as PyTorch does. p = ∞: y = max |x_i|, and g goes to the elements of largest
    magnitude, with sign, shared evenly among ties (PyTorch's rule for this norm).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops.dual import broadcast_to, exp, value
from chainrule.ops.elementwise import sqrt
from chainrule.ops.reductions import Axes, _kept_shape, normalize_axes
from chainrule.tensor import Tensor


class _Reduction(Operation):
    """Axes and keepdims, and g (or y) reshaped so it broadcasts against x."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def kept(self, a: Any, x: Any) -> Any:
        return a.reshape(_kept_shape(x.shape, self.axes))

    def count(self, x: Any) -> int:
        return int(np.prod([x.shape[a] for a in self.axes]))


class LogSumExp(_Reduction):
    """y = log Σ eˣ over `axes` (max subtracted first).   ∂L/∂x = g ∘ e^{x − y} (module docstring)."""

    def forward(self, x):
        if x.size == 0 or self.count(x) == 0:
            return np.full(np.sum(x, axis=self.axes, keepdims=self.keepdims).shape, -np.inf, dtype=x.dtype)
        m = x.max(axis=self.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all −∞ (or +∞) slices: no shift
        y = m + np.log(np.exp(x - m).sum(axis=self.axes, keepdims=True))
        return y if self.keepdims else y.reshape(np.sum(x, axis=self.axes).shape)

    def backward(self, g, x, y):
        return broadcast_to(self.kept(g, x), x.shape) * exp(x - broadcast_to(self.kept(y, x), x.shape))


class Var(_Reduction):
    """y = Σ (x − x̄)² / (n − c) over `axes`.   ∂L/∂x = g ∘ 2(x − x̄)/(n − c) (module docstring)."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool, correction: float) -> None:
        super().__init__(axes, keepdims)
        self.correction = correction

    def forward(self, x):
        d = x - x.mean(axis=self.axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):  # n ≤ c gives inf or nan, as PyTorch
            y = (d * d).sum(axis=self.axes, keepdims=self.keepdims) / x.dtype.type(self.count(x) - self.correction)
        return np.asarray(y, dtype=x.dtype)

    def backward(self, g, x, y):
        d = x - broadcast_to(x.mean(axis=self.axes, keepdims=True), x.shape)
        return broadcast_to(self.kept(g, x), x.shape) * d * (2.0 / (self.count(x) - self.correction))


class Norm(_Reduction):
    """y = (Σ |x|^p)^{1/p} over `axes`, p ≥ 1 or ∞.   ∂L/∂x = g ∘ sign(x)|x|^{p−1}/y^{p−1} (module docstring)."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool, p: float) -> None:
        super().__init__(axes, keepdims)
        self.p = p

    def forward(self, x):
        a = np.abs(x)
        if self.p == math.inf:
            return a.max(axis=self.axes, keepdims=self.keepdims, initial=0)
        if self.p == 2:
            return np.sqrt((x * x).sum(axis=self.axes, keepdims=self.keepdims))
        if self.p == 1:
            return a.sum(axis=self.axes, keepdims=self.keepdims)
        return (a ** self.p).sum(axis=self.axes, keepdims=self.keepdims) ** x.dtype.type(1 / self.p)

    def backward(self, g, x, y):
        xv = value(x)
        yk = self.kept(value(y), xv)
        gk = broadcast_to(self.kept(g, x), x.shape)
        sign = np.sign(xv).astype(xv.dtype)
        if self.p == math.inf:  # constant shares: sign / (number of ties) at the largest magnitudes
            top = (np.abs(xv) == yk) & (yk > 0)
            return gk * (sign * top / np.maximum(top.sum(axis=self.axes, keepdims=True), 1)).astype(xv.dtype)
        if self.p == 1:
            return gk * sign
        nonzero = yk > 0  # y = 0 only where the whole slice is 0: gradient 0 there
        y_safe = broadcast_to(self.kept(y, x), x.shape) + (~nonzero).astype(xv.dtype)
        if self.p == 2:
            return gk * x * nonzero.astype(xv.dtype) / y_safe
        return gk * (x * sign) ** (self.p - 1) * (sign * nonzero) / y_safe ** (self.p - 1)


def logsumexp(x: Any, axis: Axes = None, keepdims: bool = False) -> Tensor:
    """log Σ eˣ over `axis` (all axes by default), computed stably.

    y = m + log Σ e^{x − m}, m = max x;  ∂L/∂x = g ∘ e^{x − y} (the softmax).

    >>> round(logsumexp(Tensor([1000.0, 1000.0], dtype=np.float64)).item(), 4)   # 1000 + log 2, no overflow
    1000.6931
    """
    ndim = getattr(x, "ndim", np.ndim(x))
    return LogSumExp(normalize_axes(axis, ndim, "logsumexp"), keepdims)(x)


def var(x: Any, axis: Axes = None, keepdims: bool = False, correction: float = 1) -> Tensor:
    """Variance over `axis` with PyTorch's `correction` (1: unbiased, divide by n − 1; 0: by n).

    y = Σ (x − x̄)² / (n − c);  ∂L/∂x = g ∘ 2(x − x̄)/(n − c).
    """
    ndim = getattr(x, "ndim", np.ndim(x))
    return Var(normalize_axes(axis, ndim, "var"), keepdims, float(correction))(x)


def std(x: Any, axis: Axes = None, keepdims: bool = False, correction: float = 1) -> Tensor:
    """Standard deviation, √var (same `correction`).   ∂L/∂x = g ∘ (x − x̄)/((n − c)·y), by the chain rule."""
    return sqrt(var(x, axis, keepdims, correction))


def norm(x: Any, p: float = 2, axis: Axes = None, keepdims: bool = False) -> Tensor:
    """The p-norm over `axis` (all elements by default: the Frobenius norm of a matrix for p = 2).

    y = (Σ|x|^p)^{1/p};  ∂L/∂x = g ∘ sign(x)|x|^{p−1}/y^{p−1} (x/y for p = 2, 0 where y = 0).
    p may be any number ≥ 1, or ``math.inf`` (the largest magnitude).
    """
    p = float(p)
    if not p >= 1:
        raise ValueError(f"norm: p must be at least 1 (or math.inf), got {p}")
    ndim = getattr(x, "ndim", np.ndim(x))
    return Norm(normalize_axes(axis, ndim, "norm"), keepdims, p)(x)
