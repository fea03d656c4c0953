"""Activation functions: sigmoid, tanh, ReLU, leaky ReLU, softplus, ELU, SiLU, softmax, log-softmax.

All but the last two are elementwise (``∂L/∂x = g ∘ f′(x)``); softmax and
log-softmax couple the elements along one axis and have a full Jacobian per
row, which the backward applies without ever building it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops.dual import exp, gate, value
from chainrule.ops.dual import sigmoid as dual_sigmoid
from chainrule.ops.dual import where as dual_where
from chainrule.tensor import Tensor


def sigmoid_inplace(z: np.ndarray) -> np.ndarray:
    """σ(z) written over z: 1/(1 + e⁻|ᶻ|) for z ≥ 0, e⁻|ᶻ|/(1 + e⁻|ᶻ|) for z < 0.

    Both forms keep full relative precision (σ(−40) = 4.2e-18, not 0 as ½(1 + tanh(z/2))
    would give) and e⁻|ᶻ| ≤ 1 never overflows. Used by `sigmoid` and the fused activations
    of linear, conv2d and the recurrent cells.
    """
    negative = z < 0
    np.abs(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)  # e = e^(−|z|)
    denominator = z + 1
    np.copyto(z, 1, where=~negative)  # the numerator: 1 for z ≥ 0, e for z < 0
    z /= denominator
    return z


class Sigmoid(Operation):
    """σ(x) = 1 / (1 + e⁻ˣ).   σ′(x) = σ(x)(1 − σ(x)), so ∂L/∂x = g ∘ y ∘ (1 − y).

    Computed as 1/(1 + e⁻|ˣ|) or e⁻|ˣ|/(1 + e⁻|ˣ|) by the sign of x, so e⁻|ˣ| ≤ 1
    never overflows, even for x = ±1e4 in float32.
    """

    def forward(self, x):
        return sigmoid_inplace(np.array(x))

    def backward(self, g, x, y):
        return g * y * (1 - y)


class Tanh(Operation):
    """y = tanh x.   tanh′(x) = 1 − tanh²(x), so ∂L/∂x = g ∘ (1 − y²)."""

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g, x, y):
        return g * (1 - y * y)


class ReLU(Operation):
    """y = max(x, 0).   f′(x) = 1 for x > 0, else 0 (0 at x = 0, as in PyTorch).

    The book's companion code passed every gradient through unchanged, which
    is why its ReLU network stalled at 72 %; here the mask is applied.
    """

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, g, x, y):
        return gate(g, value(y) > 0)


class LeakyReLU(Operation):
    """y = x for x > 0, else α·x.   f′(x) = 1 for x > 0, else α."""

    def __init__(self, slope: float = 0.01) -> None:
        self.slope = float(slope)

    def forward(self, x):
        return np.where(x > 0, x, x * x.dtype.type(self.slope))

    def backward(self, g, x, y):
        x = value(x)
        return g * np.where(x > 0, 1, self.slope).astype(x.dtype)


class Softplus(Operation):
    """y = (1/β)·ln(1 + e^{βx}), a smooth ReLU.   f′(x) = e^{βx}/(1 + e^{βx}) = σ(βx), so ∂L/∂x = g ∘ σ(βx).

    Computed as max(x, 0) + (1/β)·ln(1 + e^{−β|x|}) (the same number, rewritten so that the
    exponential is at most 1: no overflow for any x).
    """

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = float(beta)

    def forward(self, x):
        bx = x * x.dtype.type(self.beta)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(bx))) / x.dtype.type(self.beta)

    def backward(self, g, x, y):
        return g * dual_sigmoid(x * self.beta)


class ELU(Operation):
    """y = x for x > 0, else α(eˣ − 1).   f′(x) = 1 for x > 0, else α·eˣ = y + α (x = 0 takes the left side, as PyTorch)."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)

    def forward(self, x):
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)) * x.dtype.type(self.alpha))

    def backward(self, g, x, y):
        return g * dual_where(value(x) > 0, 1.0, y + self.alpha)


class SiLU(Operation):
    """y = x·σ(x) (also called swish).   f′(x) = σ(x) + x·σ(x)(1 − σ(x)) = σ(x)(1 + x(1 − σ(x)))."""

    def forward(self, x):
        self.s = sigmoid_inplace(np.array(x))  # kept for the backward pass
        return x * self.s

    def backward(self, g, x, y):
        s = dual_sigmoid(x) if isinstance(x, Tensor) else self.s
        return g * s * (1 + x * (1 - s))


class Softmax(Operation):
    """y_i = e^{x_i} / Σ_j e^{x_j} along `axis` (x − max x first, so nothing overflows).

    ∂y_i/∂x_k = y_i(δ_ik − y_k), so ∂L/∂x_k = Σ_i g_i y_i (δ_ik − y_k)
    = y_k (g_k − Σ_i g_i y_i).
    """

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        return e / e.sum(axis=self.axis, keepdims=True)

    def backward(self, g, x, y):
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Operation):
    """y_i = x_i − log Σ_j e^{x_j} (log-sum-exp with the max subtracted: stable).

    ∂y_i/∂x_k = δ_ik − softmax(x)_k, so ∂L/∂x_k = g_k − e^{y_k} Σ_i g_i.
    """

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x):
        shifted = x - x.max(axis=self.axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))

    def backward(self, g, x, y):
        return g - exp(y) * g.sum(axis=self.axis, keepdims=True)


def _check_axis(x: Any, axis: int, name: str) -> None:
    ndim = getattr(x, "ndim", np.ndim(x))
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for a tensor with {ndim} axes")


def sigmoid(x: Any) -> Tensor:
    """Elementwise logistic sigmoid, overflow-safe.

    y = σ(x) = 1/(1 + e⁻ˣ);  σ′(x) = e⁻ˣ/(1 + e⁻ˣ)² = σ(x)(1 − σ(x)), so ∂L/∂x = g ∘ y ∘ (1 − y).

    >>> round(sigmoid(Tensor(0.0)).item(), 3)
    0.5
    """
    return Sigmoid()(x)


def tanh(x: Any) -> Tensor:
    """Elementwise hyperbolic tangent.   y = tanh x;  tanh′ = 1 − tanh², so ∂L/∂x = g ∘ (1 − y²)."""
    return Tanh()(x)


def relu(x: Any) -> Tensor:
    """Elementwise max(x, 0).   y = max(x, 0);  ∂L/∂x = g where x > 0, else 0 (the mask the book's code forgot)."""
    return ReLU()(x)


def leaky_relu(x: Any, slope: float = 0.01) -> Tensor:
    """Elementwise x for x > 0, slope·x otherwise.   ∂L/∂x = g where x > 0, else slope·g."""
    return LeakyReLU(slope)(x)


def softplus(x: Any, beta: float = 1.0) -> Tensor:
    """Elementwise smooth ReLU, overflow-safe.   y = (1/β)·ln(1 + e^{βx});  ∂L/∂x = g ∘ σ(βx)."""
    if not beta > 0:
        raise ValueError(f"softplus: beta must be positive, got {beta}")
    return Softplus(beta)(x)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """Elementwise exponential linear unit.   y = x (x > 0), α(eˣ − 1) otherwise;  ∂L/∂x = g, or g ∘ (y + α)."""
    return ELU(alpha)(x)


def silu(x: Any) -> Tensor:
    """Elementwise x·σ(x) (swish).   y = x·σ(x);  ∂L/∂x = g ∘ σ(x)(1 + x(1 − σ(x)))."""
    return SiLU()(x)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """Softmax along `axis`: positive values that sum to 1.

    y_i = e^{x_i} / Σ_j e^{x_j};  ∂y_i/∂x_k = y_i(δ_ik − y_k), so ∂L/∂x = y ∘ (g − Σ_i g_i y_i).

    >>> softmax(Tensor([[0.0, 0.0]]))
    Tensor([[0.5, 0.5]], dtype=float32)
    """
    _check_axis(x, axis, "softmax")
    return Softmax(axis)(x)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """Logarithm of the softmax along `axis`, computed stably.

    y_i = x_i − log Σ_j e^{x_j};  ∂y_i/∂x_k = δ_ik − softmax(x)_k, so ∂L/∂x = g − e^y·Σ_i g_i.
    """
    _check_axis(x, axis, "log_softmax")
    return LogSoftmax(axis)(x)
