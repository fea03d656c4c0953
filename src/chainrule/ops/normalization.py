"""Batch normalisation, as ``torch.nn.functional.batch_norm``, with the compact hand-derived backward.

For x of shape (N, C) or (N, C, H, W) the statistics are per channel c, over the
m = N (or N·H·W) values x_i of that channel:

    μ = (1/m) Σ_i x_i,   σ² = (1/m) Σ_i (x_i − μ)²   (biased, to normalise)
    x̂_i = (x_i − μ) / √(σ² + ε),   y_i = γ·x̂_i + β

Training uses the batch's μ and σ² and updates the running averages in place
(PyTorch's convention, momentum α, the *unbiased* variance in the running one):

    running_mean ← (1 − α)·running_mean + α·μ
    running_var  ← (1 − α)·running_var  + α·σ²·m/(m − 1)

Evaluation uses running_mean and running_var instead of μ and σ² (then they are
constants and y is affine in x).

Backward, with g_i = ∂L/∂y_i and s = 1/√(σ² + ε):

    ∂L/∂β = Σ_i g_i,   ∂L/∂γ = Σ_i g_i·x̂_i
    ∂L/∂x_i = γ·s·g_i                                                   (evaluation)
    ∂L/∂x_i = (γ·s/m)·(m·g_i − Σ_j g_j − x̂_i·Σ_j g_j·x̂_j)               (training)

The training formula, derived: x̂_i depends on x_k directly and through μ and σ²:
∂x̂_i/∂x_k = s·(δ_ik − 1/m) − (x_i − μ)·s³·(x_k − μ)/m = (s/m)·(m·δ_ik − 1 − x̂_i·x̂_k),
and ∂L/∂x_k = Σ_i γ·g_i·∂x̂_i/∂x_k gives the line above (the Jacobian is symmetric).

Second order (create_graph=True): the backward rebuilds y from mean, subtraction,
power and products on the input Tensors and returns that graph's recorded gradient
(`composite_backward`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import Operation, composite_backward
from chainrule.ops import reductions
from chainrule.tensor import Tensor


def _channel_axes(ndim: int) -> tuple[int, ...]:
    return (0,) if ndim == 2 else (0, 2, 3)


class BatchNorm(Operation):
    """y = γ·x̂ + β, x̂ normalised per channel (derivation in the module docstring)."""

    def __init__(self, training: bool, eps: float, running_mean: np.ndarray | None = None,
                 running_var: np.ndarray | None = None) -> None:
        self.training, self.eps = training, eps
        self.running_mean, self.running_var = running_mean, running_var
        if not training:  # kept as they are now: training steps update the running arrays in place
            self.running_mean, self.running_var = running_mean.copy(), running_var.copy()

    def forward(self, x, gamma, beta):
        axes = _channel_axes(x.ndim)
        shape = (1, -1) + (1,) * (x.ndim - 2)  # broadcast a per-channel vector against x
        if self.training:
            mean = x.mean(axis=axes, keepdims=True)
            centered = x - mean
            var = np.mean(centered * centered, axis=axes, keepdims=True)
            self.batch_mean, self.batch_var = mean.reshape(-1), var.reshape(-1)
        else:
            centered = x - self.running_mean.reshape(shape)
            var = self.running_var.reshape(shape)
        self.inv_std = 1 / np.sqrt(var + x.dtype.type(self.eps))
        self.x_hat = centered * self.inv_std
        return self.x_hat * gamma.reshape(shape) + beta.reshape(shape)

    def backward(self, g, x, gamma, beta, y):
        if isinstance(g, Tensor):  # create_graph=True
            return composite_backward(self.definition, (x, gamma, beta), g)
        axes = _channel_axes(x.ndim)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        sum_g = g.sum(axis=axes, keepdims=True)
        sum_g_xhat = (g * self.x_hat).sum(axis=axes, keepdims=True)
        gx = None
        if self.needs_grad[0]:
            scale = gamma.reshape(shape) * self.inv_std
            if self.training:
                m = x.size // x.shape[1]
                gx = (g - sum_g / m - self.x_hat * (sum_g_xhat / m)) * scale
            else:
                gx = g * scale
        gamma_grad = sum_g_xhat.reshape(-1) if self.needs_grad[1] else None
        beta_grad = sum_g.reshape(-1) if self.needs_grad[2] else None
        return gx, gamma_grad, beta_grad

    def definition(self, x: Tensor, gamma: Tensor, beta: Tensor) -> Tensor:
        """y = γ·(x − μ)/√(σ² + ε) + β from primitive operations (for second order)."""
        axes = _channel_axes(x.ndim)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        eps = x.dtype.type(self.eps)
        if self.training:
            centered = x - reductions.mean(x, axes, keepdims=True)
            inv_std = (reductions.mean(centered * centered, axes, keepdims=True) + eps) ** x.dtype.type(-0.5)
        else:  # constants
            centered = x - self.running_mean.reshape(shape).astype(x.dtype)
            inv_std = 1 / np.sqrt(self.running_var.reshape(shape).astype(x.dtype) + eps)
        return centered * inv_std * gamma.reshape(shape) + beta.reshape(shape)


def batch_norm(
    x: Any,
    gamma: Any,
    beta: Any,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of (N, C) or (N, C, H, W) input, then scale by γ and shift by β.

    y = γ·x̂ + β, x̂ = (x − μ)/√(σ² + ε);  while training
    ∂L/∂x_i = (γ/(m·√(σ² + ε)))·(m·g_i − Σ_j g_j − x̂_i·Σ_j g_j·x̂_j)  (derivation: module docstring).

    Args:
        x: the batch; gamma, beta: (C,) tensors (learned).
        running_mean, running_var: (C,) NumPy arrays, updated in place while `training`
            and used instead of the batch statistics otherwise; None to keep none (then
            `training` must be True).
        training: use (and record) the batch statistics.
        momentum: α of the running averages; eps: ε added to the variance.

    >>> x = Tensor([[1.0], [3.0]])
    >>> mean, var = np.zeros(1, np.float32), np.ones(1, np.float32)
    >>> batch_norm(x, Tensor([1.0]), Tensor([0.0]), mean, var, training=True).numpy().round(3).ravel()
    array([-1.,  1.], dtype=float32)
    >>> mean, var   # moved 10 % towards the batch's mean 2 and unbiased variance 2
    (array([0.2], dtype=float32), array([1.1], dtype=float32))
    """
    shape = tuple(np.shape(getattr(x, "data", x)))
    if len(shape) not in (2, 4):
        raise ValueError(
            f"batch_norm needs input of shape (N, C) or (N, C, H, W), got {shape}; "
            "statistics are taken per channel (axis 1)"
        )
    channels = shape[1]
    for name, value in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean), ("running_var", running_var)):
        if value is not None and np.shape(getattr(value, "data", value)) != (channels,):
            raise ValueError(
                f"batch_norm: {name} must have shape ({channels},) for input {shape} with {channels} channels, "
                f"got {np.shape(getattr(value, 'data', value))}"
            )
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    if not training and running_mean is None:
        raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"batch_norm: momentum must be in [0, 1], got {momentum}")
    count = int(np.prod(shape)) // channels
    if training and count < 2:
        raise ValueError(
            f"batch_norm: training needs more than one value per channel to estimate a variance, got input "
            f"{shape}; use a batch of at least 2 (or eval() mode)"
        )
    op = BatchNorm(training, eps, running_mean, running_var)
    y = op(x, gamma, beta)
    if training and running_mean is not None:
        dtype = running_mean.dtype.type
        running_mean *= dtype(1 - momentum)
        running_mean += dtype(momentum) * op.batch_mean.astype(running_mean.dtype)
        running_var *= dtype(1 - momentum)
        running_var += dtype(momentum * count / (count - 1)) * op.batch_var.astype(running_var.dtype)
    return y
