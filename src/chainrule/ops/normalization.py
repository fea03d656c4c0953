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

Synchronised over data-parallel ranks (`reduce`, a sum over the ranks in place;
see `chainrule.distributed`), the batch is the union of the ranks' shards: each
rank sums its own Σ_i x_i, its count and then Σ_i (x_i − μ)², and the reductions
give every rank μ and σ² of the whole batch (m counts all ranks' values). The
backward formula is the same with Σ_j g_j and Σ_j g_j·x̂_j summed over the ranks
too (each rank's g already is ∂L/∂y of the whole batch's loss); ∂L/∂γ and ∂L/∂β
stay the rank's own sums, added up by the gradients' all-reduce.

Second order (create_graph=True): the backward rebuilds y from mean, subtraction,
power and products on the input Tensors and returns that graph's recorded gradient
(`composite_backward`).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from chainrule.autograd import Operation, composite_backward
from chainrule.ops import compiled, reductions
from chainrule.ops.scratch import take
from chainrule.tensor import Tensor


def _channel_axes(ndim: int) -> tuple[int, ...]:
    return (0,) if ndim == 2 else (0, 2, 3)


class BatchNorm(Operation):
    """y = γ·x̂ + β, x̂ normalised per channel (derivation in the module docstring)."""

    def __init__(self, training: bool, eps: float, running_mean: np.ndarray | None = None,
                 running_var: np.ndarray | None = None, reduce: Callable[[np.ndarray], Any] | None = None) -> None:
        self.training, self.eps = training, eps
        self.running_mean, self.running_var = running_mean, running_var
        self.reduce = reduce if training else None  # sums a float64 array over the ranks, in place
        if not training:  # kept as they are now: training steps update the running arrays in place
            self.running_mean, self.running_var = running_mean.copy(), running_var.copy()

    def forward(self, x, gamma, beta):
        axes = _channel_axes(x.ndim)
        shape = (1, -1) + (1,) * (x.ndim - 2)  # broadcast a per-channel vector against x
        if self.reduce is not None:
            centered, var = self._synchronised_statistics(x, axes, shape)
        elif self.training:
            self.count = x.size // x.shape[1]
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

    def _synchronised_statistics(self, x: np.ndarray, axes: tuple[int, ...], shape: tuple[int, ...]):
        """x − μ and σ² over every rank's batch: Σx and the count, then Σ(x − μ)², each summed over the ranks."""
        channels = x.shape[1]
        sums = np.empty(channels + 1)
        sums[:channels] = x.sum(axis=axes, dtype=np.float64)
        sums[channels] = x.size // channels
        self.reduce(sums)
        self.count = int(sums[channels])
        if self.count < 2:
            raise ValueError(f"batch_norm: training needs more than one value per channel over all ranks, got "
                             f"{self.count}; use a larger batch")
        mean = (sums[:channels] / self.count).astype(x.dtype)
        centered = x - mean.reshape(shape)
        squares = (centered * centered).sum(axis=axes, dtype=np.float64)
        self.reduce(squares)
        var = (squares / self.count).astype(x.dtype)
        self.batch_mean, self.batch_var = mean, var
        return centered, var.reshape(shape)

    def backward(self, g, x, gamma, beta, y):
        if isinstance(g, Tensor):  # create_graph=True
            if self.reduce is not None:
                raise NotImplementedError("batch_norm: create_graph=True is not supported with statistics "
                                          "synchronised over ranks (BatchNorm(sync=True))")
            return composite_backward(self.definition, (x, gamma, beta), g)
        axes = _channel_axes(x.ndim)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        sum_g = g.sum(axis=axes, keepdims=True)
        sum_g_xhat = (g * self.x_hat).sum(axis=axes, keepdims=True)
        gx = None
        if self.needs_grad[0]:
            scale = gamma.reshape(shape) * self.inv_std
            if self.training:
                m = self.count
                total_g, total_g_xhat = sum_g, sum_g_xhat
                if self.reduce is not None:  # the sums over every rank's batch
                    totals = np.concatenate([sum_g.reshape(-1), sum_g_xhat.reshape(-1)]).astype(np.float64)
                    self.reduce(totals)
                    total_g, total_g_xhat = (t.astype(x.dtype).reshape(shape) for t in np.split(totals, 2))
                gx = (g - total_g / m - self.x_hat * (total_g_xhat / m)) * scale
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
    reduce: Callable[[np.ndarray], Any] | None = None,
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
        reduce: while training, sums a float64 array over data-parallel ranks in place: the
            statistics are then those of every rank's batch together (synchronised BatchNorm).

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
    if training and count < 2 and reduce is None:
        raise ValueError(
            f"batch_norm: training needs more than one value per channel to estimate a variance, got input "
            f"{shape}; use a batch of at least 2 (or eval() mode)"
        )
    op = BatchNorm(training, eps, running_mean, running_var, reduce)
    y = op(x, gamma, beta)
    count = op.count if training else count
    if training and running_mean is not None:
        dtype = running_mean.dtype.type
        running_mean *= dtype(1 - momentum)
        running_mean += dtype(momentum) * op.batch_mean.astype(running_mean.dtype)
        running_var *= dtype(1 - momentum)
        running_var += dtype(momentum * count / (count - 1)) * op.batch_var.astype(running_var.dtype)
    return y


class LayerNorm(Operation):
    """Layer normalisation over the trailing axes (PyTorch's ``F.layer_norm``), per sample.

    For each sample, over its n normalised values x_i (the trailing axes that γ and β have):

        μ = (1/n) Σ_i x_i,   σ² = (1/n) Σ_i (x_i − μ)²,   s = 1/√(σ² + ε)
        x̂_i = (x_i − μ)·s,   y_i = γ_i·x̂_i + β_i

    Backward, with g_i = ∂L/∂y_i and ĝ_i = γ_i·g_i (= ∂L/∂x̂_i):

        ∂L/∂β = Σ_samples g,   ∂L/∂γ = Σ_samples g ∘ x̂
        ∂L/∂x_i = s·(ĝ_i − (1/n) Σ_j ĝ_j − x̂_i·(1/n) Σ_j ĝ_j·x̂_j)

    The same Jacobian as batch norm's (module docstring), ∂x̂_j/∂x_i = (s/n)(n·δ_ij − 1 − x̂_i·x̂_j),
    taken over a sample's features instead of a channel's batch. Backward keeps x̂ and s.
    Second order: like `BatchNorm`, from its definition in primitive operations.
    """

    def __init__(self, axes: tuple[int, ...], eps: float, has_weight: bool, has_bias: bool) -> None:
        self.axes, self.eps, self.has_weight, self.has_bias = axes, eps, has_weight, has_bias

    def forward(self, x, *params):
        gamma, beta = params[0] if self.has_weight else None, params[-1] if self.has_bias else None
        n = int(np.prod([x.shape[a] for a in self.axes]))
        kernel = compiled.kernel("layer_norm", "layer_norm_forward", "pppppplld", x,
                                 *(p for p in (gamma, beta) if p is not None))  # the optional compiled extra
        if kernel is not None:
            y, self.x_hat = take(x.shape, x.dtype), take(x.shape, x.dtype)
            self.inv_std = take(tuple(1 if a in self.axes else d for a, d in enumerate(x.shape)), x.dtype)
            kernel(x.ctypes.data, compiled.address(gamma), compiled.address(beta), y.ctypes.data, self.x_hat.ctypes.data,
                   self.inv_std.ctypes.data, x.size // max(n, 1), n, self.eps)
            return y
        x_hat, square = take(x.shape, x.dtype), take(x.shape, x.dtype)  # in place from here: no fresh arrays
        np.subtract(x, x.mean(axis=self.axes, keepdims=True), out=x_hat)  # x − μ
        np.multiply(x_hat, x_hat, out=square)
        self.inv_std = 1 / np.sqrt(square.mean(axis=self.axes, keepdims=True) + x.dtype.type(self.eps))
        x_hat *= self.inv_std
        self.x_hat = x_hat
        y = square  # (its square is no longer needed)
        if gamma is not None:
            np.multiply(x_hat, gamma, out=y)
        else:
            np.copyto(y, x_hat)
        if beta is not None:
            y += beta
        return y

    def backward(self, g, x, *params_and_y):
        params = params_and_y[:-1]
        if isinstance(g, Tensor):  # create_graph=True
            return composite_backward(self.definition, (x, *params), g)
        lead = tuple(range(x.ndim - len(self.axes)))
        gamma = params[0] if self.has_weight else None
        n = int(np.prod([x.shape[a] for a in self.axes]))
        if compiled.enabled():
            g = np.ascontiguousarray(g)  # the kernel's rows must be contiguous (the NumPy path takes any g)
        kernel = compiled.kernel("layer_norm", "layer_norm_backward", "pppppppll", g, self.x_hat, self.inv_std,
                                 *(() if gamma is None else (gamma,)))
        if kernel is not None:  # the optional compiled extra: one pass over g for all three gradients
            needs_gamma, needs_beta = self.has_weight and self.needs_grad[1], self.has_bias and self.needs_grad[-1]
            gx = take(x.shape, x.dtype) if self.needs_grad[0] else None
            g_gamma = np.zeros(x.shape[len(lead):], x.dtype) if needs_gamma else None
            g_beta = np.zeros(x.shape[len(lead):], x.dtype) if needs_beta else None
            kernel(g.ctypes.data, compiled.address(gamma), self.x_hat.ctypes.data, self.inv_std.ctypes.data, compiled.address(gx),
                   compiled.address(g_gamma), compiled.address(g_beta), g.size // max(n, 1), n)
            return (gx, *([g_gamma] if self.has_weight else []), *([g_beta] if self.has_bias else []))
        grads = []
        if self.needs_grad[0]:
            g_hat = np.multiply(g, gamma, out=take(g.shape, x.dtype)) if gamma is not None else g
            gx = np.multiply(g_hat, self.x_hat, out=take(x.shape, x.dtype))
            mean_gx = gx.sum(axis=self.axes, keepdims=True) / n
            mean_g = g_hat.sum(axis=self.axes, keepdims=True) / n
            np.multiply(self.x_hat, mean_gx, out=gx)  # gx = (ĝ − mean ĝ − x̂·mean(ĝ x̂))·s, in place
            np.subtract(g_hat, gx, out=gx)
            gx -= mean_g
            gx *= self.inv_std
            grads.append(gx)
        else:
            grads.append(None)
        if self.has_weight:
            grads.append((g * self.x_hat).sum(axis=lead) if self.needs_grad[1] else None)
        if self.has_bias:
            grads.append(g.sum(axis=lead) if self.needs_grad[-1] else None)
        return tuple(grads)

    def definition(self, x: Tensor, *params: Tensor) -> Tensor:
        """y = γ·(x − μ)/√(σ² + ε) + β from primitive operations (for second order)."""
        centered = x - reductions.mean(x, self.axes, keepdims=True)
        y = centered * (reductions.mean(centered * centered, self.axes, keepdims=True) + x.dtype.type(self.eps)) \
            ** x.dtype.type(-0.5)
        if self.has_weight:
            y = y * params[0]
        return y + params[-1] if self.has_bias else y


def layer_norm(x: Any, normalized_shape: int | tuple[int, ...], weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its trailing `normalized_shape` axes, then scale by γ and shift by β.

    y = γ ∘ x̂ + β, x̂ = (x − μ)/√(σ² + ε) per sample;
    ∂L/∂x = (ĝ − mean(ĝ) − x̂·mean(ĝ ∘ x̂))/√(σ² + ε) with ĝ = γ ∘ g (derivation: `LayerNorm`).

    Args:
        x: (…, *normalized_shape); weight (γ), bias (β): tensors of shape normalized_shape, or None.

    >>> layer_norm(Tensor([[1.0, 3.0]]), 2).numpy().round(3)
    array([[-1.,  1.]], dtype=float32)
    """
    normalized = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    shape = tuple(np.shape(getattr(x, "data", x)))
    if not normalized or shape[len(shape) - len(normalized):] != normalized or len(normalized) > len(shape):
        raise ValueError(f"layer_norm: input of shape {shape} does not end in normalized_shape {normalized}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(np.shape(getattr(value, "data", value))) != normalized:
            raise ValueError(f"layer_norm: {name} must have shape {normalized}, got "
                             f"{tuple(np.shape(getattr(value, 'data', value)))}")
    axes = tuple(range(len(shape) - len(normalized), len(shape)))
    params = [p for p in (weight, bias) if p is not None]
    return LayerNorm(axes, eps, weight is not None, bias is not None)(x, *params)
