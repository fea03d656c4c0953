"""Elementwise functions of one tensor: exp, log, sqrt, abs, clip, sin, cos, log1p, expm1.

Each output element depends only on the same input element, so the Jacobian
is diagonal and the backward pass is ``∂L/∂x = g ∘ f′(x)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops.dual import cos as dual_cos
from chainrule.ops.dual import sin as dual_sin
from chainrule.ops.dual import gate, value
from chainrule.tensor import Tensor


class Exp(Operation):
    """y = eˣ.   f′(x) = eˣ = y, so ∂L/∂x = g ∘ y."""

    def forward(self, x):
        return np.exp(x)

    def backward(self, g, x, y):
        return g * y


class Log(Operation):
    """y = ln x.   f′(x) = 1/x, so ∂L/∂x = g / x."""

    def forward(self, x):
        return np.log(x)

    def backward(self, g, x, y):
        return g / x


class Sqrt(Operation):
    """y = √x.   f′(x) = 1/(2√x) = 1/(2y), so ∂L/∂x = g / (2y)."""

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g, x, y):
        return g / (2 * y)


class Abs(Operation):
    """y = |x|.   f′(x) = sign(x) (0 at x = 0, as in PyTorch)."""

    def forward(self, x):
        return np.abs(x)

    def backward(self, g, x, y):
        return g * np.sign(value(x))


class Clip(Operation):
    """y = min(max(x, low), high).   f′(x) = 1 where low ≤ x ≤ high, else 0."""

    def __init__(self, low: float | None, high: float | None) -> None:
        if low is None and high is None:
            raise ValueError("clip: give low, high or both")
        if low is not None and high is not None and low > high:
            raise ValueError(f"clip: low ({low}) must not exceed high ({high})")
        self.low, self.high = low, high

    def forward(self, x):
        return np.clip(x, self.low, self.high)

    def backward(self, g, x, y):
        x = value(x)
        inside = np.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return gate(g, inside)


class Sin(Operation):
    """y = sin x.   f′(x) = cos x, so ∂L/∂x = g ∘ cos x."""

    def forward(self, x):
        return np.sin(x)

    def backward(self, g, x, y):
        return g * dual_cos(x)


class Cos(Operation):
    """y = cos x.   f′(x) = −sin x, so ∂L/∂x = −g ∘ sin x."""

    def forward(self, x):
        return np.cos(x)

    def backward(self, g, x, y):
        return -(g * dual_sin(x))


class Log1p(Operation):
    """y = ln(1 + x), accurate for tiny x (ln(1 + 1e-10) is not lost to rounding).   f′(x) = 1/(1 + x)."""

    def forward(self, x):
        return np.log1p(x)

    def backward(self, g, x, y):
        return g / (1 + x)


class Expm1(Operation):
    """y = eˣ − 1, accurate for tiny x.   f′(x) = eˣ = y + 1, so ∂L/∂x = g ∘ (y + 1)."""

    def forward(self, x):
        return np.expm1(x)

    def backward(self, g, x, y):
        return g * (y + 1)


def exp(x: Any) -> Tensor:
    """Elementwise eˣ.   y = eˣ;  ∂L/∂x = g ∘ y (the exponential is its own derivative)."""
    return Exp()(x)


def log(x: Any) -> Tensor:
    """Elementwise natural logarithm.   y = ln x;  ∂L/∂x = g / x."""
    return Log()(x)


def sqrt(x: Any) -> Tensor:
    """Elementwise square root.   y = √x;  ∂L/∂x = g / (2y)."""
    return Sqrt()(x)


def abs(x: Any) -> Tensor:  # noqa: A001 - the name users expect
    """Elementwise absolute value.   y = |x|;  ∂L/∂x = g ∘ sign(x) (0 at x = 0, as in PyTorch)."""
    return Abs()(x)


def clip(x: Any, low: float | None = None, high: float | None = None) -> Tensor:
    """Limit values to [low, high]; the gradient is zero where a bound was applied.

    y = min(max(x, low), high);  ∂L/∂x = g where low ≤ x ≤ high, else 0.
    """
    return Clip(low, high)(x)


def sin(x: Any) -> Tensor:
    """Elementwise sine.   y = sin x;  ∂L/∂x = g ∘ cos x."""
    return Sin()(x)


def cos(x: Any) -> Tensor:
    """Elementwise cosine.   y = cos x;  ∂L/∂x = −g ∘ sin x."""
    return Cos()(x)


def log1p(x: Any) -> Tensor:
    """Elementwise ln(1 + x), exact near 0.   y = ln(1 + x);  ∂L/∂x = g / (1 + x)."""
    return Log1p()(x)


def expm1(x: Any) -> Tensor:
    """Elementwise eˣ − 1, exact near 0.   y = eˣ − 1;  ∂L/∂x = g ∘ eˣ = g ∘ (y + 1)."""
    return Expm1()(x)
