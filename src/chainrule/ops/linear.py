"""The fused dense layer operation: y = f(x·W + b) in one step.

A dense layer as three primitive operations (matmul, add, activation) costs
three graph nodes and three temporary arrays; fused, the bias and the
activation are applied in place on the matmul's result and the backward pass
does the same arithmetic a hand-written NumPy network does.

For x (N, n_in), W (n_in, n_out), b (n_out,), z = x·W + b, y = f(z):

    ∂L/∂z = g ∘ f′(z)           (f′ written from y: see ACTIVATIONS)
    ∂L/∂x = ∂L/∂z · Wᵀ          (N, n_in)
    ∂L/∂W = xᵀ · ∂L/∂z          (n_in, n_out)
    ∂L/∂b = Σ_rows ∂L/∂z        (n_out,)

∂L/∂x is skipped when x needs no gradient (the input batch of the first layer).

Second order (create_graph=True): the backward rebuilds f(x·W + b) from matmul, add
and the activation op on the input Tensors and returns that graph's recorded gradient
(`composite_backward`), so it can be differentiated again.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from chainrule.autograd import Operation, composite_backward
from chainrule.ops import activations, scratch
from chainrule.ops.activations import sigmoid_inplace
from chainrule.ops.dual import gate
from chainrule.ops.shape import reshape
from chainrule.tensor import Tensor


def _identity_inplace(z: np.ndarray) -> np.ndarray:
    return z


def _tanh_inplace(z: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=z)


def _relu_inplace(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0, out=z)


def _identity_grad(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    return g


def _sigmoid_grad(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    return g * y * (1 - y)  # σ′ = σ(1 − σ)


def _tanh_grad(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    return g * (1 - y * y)  # tanh′ = 1 − tanh²


def _relu_grad(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    return gate(g, y > 0)  # f′ = 1 where z > 0 (⇔ y > 0); a bool mask keeps g's dtype, 10× faster than np.where


# name: (f applied in place on z, (g, y) ↦ g ∘ f′(z))
ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "linear": (_identity_inplace, _identity_grad),
    "sigmoid": (sigmoid_inplace, _sigmoid_grad),
    "tanh": (_tanh_inplace, _tanh_grad),
    "relu": (_relu_inplace, _relu_grad),
}


# the same activations as differentiable operations on Tensors (for second order)
ACTIVATION_OPS: dict[str, Callable[[Tensor], Tensor]] = {
    "linear": lambda z: z, "sigmoid": activations.sigmoid, "tanh": activations.tanh, "relu": activations.relu,
}


class Linear(Operation):
    """y = f(x·W + b) for f in ACTIVATIONS (see the module docstring for the derivation)."""

    def __init__(self, activation: str = "linear") -> None:
        self.activation = activation
        self.apply, self.derivative = ACTIVATIONS[activation]

    def forward(self, x, w, b=None):
        z = scratch.matmul(x, w)  # a kept work array: fresh memory would fault its pages in at every step
        if b is not None:
            z += b
        return self.apply(z)

    def backward(self, g, x, w, *b_and_y):
        if isinstance(g, Tensor):  # create_graph=True
            return composite_backward(self.definition, (x, w, *b_and_y[:-1]), g)
        y = b_and_y[-1]
        gz = self.derivative(g, y)
        gx = scratch.matmul(gz, w.T) if self.needs_grad[0] else None
        gw = scratch.matmul(x.T, gz) if self.needs_grad[1] else None
        if len(b_and_y) == 1:
            return gx, gw
        gb = gz.sum(axis=0) if self.needs_grad[2] else None
        return gx, gw, gb

    def definition(self, x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
        """f(x·W + b) from primitive operations (for second order)."""
        z = x @ w
        return ACTIVATION_OPS[self.activation](z if b is None else z + b)


def linear(x: Any, weight: Any, bias: Any = None, activation: str = "linear") -> Tensor:
    """The dense layer's computation f(x·W + b) as one operation.

    z = x·W + b, y = f(z);  ∂L/∂z = g ∘ f′(z),  ∂L/∂x = ∂L/∂z·Wᵀ,  ∂L/∂W = xᵀ·∂L/∂z,
    ∂L/∂b = Σ_rows ∂L/∂z (derivation in the module docstring).

    Args:
        x: (N, n_in) inputs, or (…, n_in): any leading axes, the features last, as in
            PyTorch (the same weights applied at every position); weight: (n_in, n_out);
            bias: (n_out,) or None.
        activation: one of "linear", "sigmoid", "tanh", "relu".
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"linear: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    x_shape, w_shape = np.shape(getattr(x, "data", x)), np.shape(getattr(weight, "data", weight))
    if len(x_shape) < 1 or len(w_shape) != 2 or x_shape[-1] != w_shape[0]:
        raise ValueError(
            f"linear: inputs of shape {x_shape} do not fit a weight of shape {w_shape}; "
            f"expected (..., {w_shape[0] if len(w_shape) == 2 else 'n_in'}), the features on the last axis"
        )
    op = Linear(activation)
    if len(x_shape) != 2:  # (…, n_in): every leading axis is a sample axis; a reshape each way
        x = reshape(x, (-1, w_shape[0]))
    y = op(x, weight) if bias is None else op(x, weight, bias)
    return y if len(x_shape) == 2 else reshape(y, x_shape[:-1] + (w_shape[1],))
