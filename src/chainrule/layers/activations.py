"""Activation layers: Linear (identity), Sigmoid, Tanh, ReLU, LeakyReLU, Softmax.

Each wraps the operation of the same name in `chainrule.ops.activations`,
where the derivative is written. Passed to `Dense(..., activation=Tanh())`,
the first four are fused into the dense layer's single operation.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

from chainrule.layers.base import Layer
from chainrule.ops.activations import leaky_relu, relu, sigmoid, softmax, tanh
from chainrule.tensor import Tensor


class Activation(Layer):
    """Base of the activation layers, y = f(x) elementwise: ∂L/∂x = g ∘ f′(x).

    `fused_name` is its name in the fused dense operation (`chainrule.ops.linear`).
    """

    fused_name: str | None = None


class Linear(Activation):
    """f(x) = x (the book's name for "no activation")."""

    fused_name = "linear"

    def forward(self, x: Tensor) -> Tensor:
        return x


class Sigmoid(Activation):
    """f(x) = 1 / (1 + e⁻ˣ);  f′ = f(1 − f)."""

    fused_name = "sigmoid"

    def forward(self, x: Tensor) -> Tensor:
        return sigmoid(x)


class Tanh(Activation):
    """f(x) = tanh x;  f′ = 1 − f²."""

    fused_name = "tanh"

    def forward(self, x: Tensor) -> Tensor:
        return tanh(x)


class ReLU(Activation):
    """f(x) = max(x, 0);  f′ = 1 for x > 0, else 0."""

    fused_name = "relu"

    def forward(self, x: Tensor) -> Tensor:
        return relu(x)


class LeakyReLU(Activation):
    """f(x) = x for x > 0, else slope·x;  f′ = 1 or slope."""

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        if isinstance(slope, bool) or not isinstance(slope, Real) or not math.isfinite(slope):
            raise ValueError(f"LeakyReLU(slope): the slope must be a finite number, got {slope!r}")
        self.slope = float(slope)

    def forward(self, x: Tensor) -> Tensor:
        return leaky_relu(x, self.slope)

    def config(self) -> dict[str, Any]:
        return {"slope": self.slope}


class Softmax(Activation):
    """Softmax along `axis` (for outputs read as probabilities; train on logits instead).

    f(x)_i = e^{x_i} / Σ_j e^{x_j};  ∂L/∂x = f(x) ∘ (g − Σ_i g_i f(x)_i).
    """

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: Tensor) -> Tensor:
        return softmax(x, self.axis)

    def config(self) -> dict[str, Any]:
        return {"axis": self.axis}


ACTIVATION_NAMES = {"linear": Linear, "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU}


def as_activation(activation: Layer | str | None) -> Layer:
    """Accept an activation layer, its name ("tanh"), or None (no activation)."""
    if activation is None:
        return Linear()
    if isinstance(activation, Layer):
        return activation
    if isinstance(activation, str) and activation.lower() in ACTIVATION_NAMES:
        return ACTIVATION_NAMES[activation.lower()]()
    raise ValueError(f"activation must be a layer such as Tanh() or one of {sorted(ACTIVATION_NAMES)}, got {activation!r}")
