"""Fused loss operations: mean squared error, softmax cross-entropy and binary
cross-entropy from logits.

Fusing a loss with its final activation gives a backward pass that is short,
exact and stable: for softmax + cross-entropy the gradient is just
(softmax(x) − t)/M, and the loss is computed from log-softmax (log-sum-exp),
so neither overflows for logits of ±1e4. The loss value and its gradient come
from the same formula (the book's companion code reported a different loss
than the one it differentiated).

M is the number of samples the mean runs over. Targets are constants.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.tensor import Tensor


class MeanSquaredError(Operation):
    """L = (1/M) Σ (p − t)² over all M elements.   ∂L/∂p = 2(p − t)/M."""

    second_order = False

    def __init__(self, target: np.ndarray) -> None:
        self.target = target

    def forward(self, p):
        self.diff = p - self.target
        return np.asarray(np.mean(self.diff * self.diff), dtype=p.dtype)

    def backward(self, g, p, y):
        return self.diff * (g * (2.0 / self.diff.size))


class SoftmaxCrossEntropy(Operation):
    """L = −(1/M) Σ_m Σ_c t_mc · log softmax(x_m)_c, classes on the last axis.

    With s = softmax(x_m), ∂ log s_mk/∂x_mc = [k = c] − s_mc, so
    ∂L/∂x_mc = (s_mc·Σ_k t_mk − t_mc)/M, which is (s_mc − t_mc)/M when Σ_k t_mk = 1.
    Targets are class indices (shape x.shape[:-1]) or rows of weights (one-hot or
    soft, shape x.shape; rows need not sum to 1).
    """

    second_order = False

    def __init__(self, target: np.ndarray) -> None:
        self.target = target

    def forward(self, x):
        rows = x.reshape(-1, x.shape[-1])  # (M, C): every leading axis is a sample axis
        shifted = rows - rows.max(axis=1, keepdims=True)
        self.log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        count = len(rows)
        if self.target.dtype.kind in "iu":
            self.labels = self.target.reshape(-1)
            total = self.log_probs[np.arange(count), self.labels].sum()
        else:
            total = (self.target.reshape(rows.shape) * self.log_probs).sum()
        return np.asarray(-total / count, dtype=x.dtype)

    def backward(self, g, x, y):
        grad = np.exp(self.log_probs)  # softmax, (M, C)
        count = len(grad)
        if self.target.dtype.kind in "iu":
            grad[np.arange(count), self.labels] -= 1
        else:
            target = self.target.reshape(grad.shape)
            grad *= target.sum(axis=1, keepdims=True)  # Σ_k t_mk: 1 for one-hot rows
            grad -= target
        grad *= g / count
        return grad.reshape(x.shape)


class BinaryCrossEntropy(Operation):
    """L = (1/M) Σ [max(x, 0) − x·t + log(1 + e^{−|x|})] for logits x (= −t·log σ(x) − (1−t)·log(1−σ(x))).

    ∂L/∂x = (σ(x) − t)/M.
    """

    second_order = False

    def __init__(self, target: np.ndarray) -> None:
        self.target = target

    def forward(self, x):
        losses = np.maximum(x, 0) - x * self.target + np.log1p(np.exp(-np.abs(x)))
        return np.asarray(losses.mean(), dtype=x.dtype)

    def backward(self, g, x, y):
        e = np.exp(-np.abs(x))
        sig = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return (sig - self.target) * (g / x.size)


def _as_target(target: Any, dtype: np.dtype, prediction: Any = None, name: str = "loss") -> np.ndarray:
    if prediction is not None and np.size(getattr(prediction, "data", prediction)) == 0:
        raise ValueError(f"{name}: the batch is empty (prediction of shape {np.shape(prediction)}); a loss needs samples")
    target = target.data if isinstance(target, Tensor) else np.asarray(target)
    if target.dtype.kind == "f":
        return target.astype(dtype, copy=False)
    if target.dtype.kind in "iub":
        return target
    raise TypeError(f"loss targets must be numbers, got an array of dtype {target.dtype}")


def _dtype_of(x: Any) -> np.dtype:
    return x.dtype if isinstance(x, Tensor) else np.dtype(np.float32)


def mean_squared_error(prediction: Any, target: Any) -> Tensor:
    """Mean over all elements of (prediction − target)².   L = (1/M) Σ (p − t)²;  ∂L/∂p = 2(p − t)/M."""
    t = _as_target(target, _dtype_of(prediction), prediction, "mean_squared_error").astype(_dtype_of(prediction), copy=False)
    if np.shape(prediction) != t.shape:
        raise ValueError(
            f"mean_squared_error: prediction has shape {np.shape(prediction)} but target has shape {t.shape}; "
            "they must match (for one output per sample, make the target a column: y.reshape(-1, 1))"
        )
    return MeanSquaredError(t)(prediction)


def softmax_cross_entropy(logits: Any, target: Any) -> Tensor:
    """Cross-entropy of softmax(logits) against class labels or one-hot rows (classes on the last axis).

    L = −(1/M) Σ_m Σ_c t_mc · log softmax(x_m)_c;  ∂L/∂x_mc = (softmax(x_m)_c − t_mc)/M.

    >>> round(softmax_cross_entropy(Tensor([[0.0, 0.0]]), np.array([1])).item(), 4)  # log 2
    0.6931
    """
    shape = tuple(np.shape(logits))
    if len(shape) < 2:
        raise ValueError(f"softmax_cross_entropy: logits need shape (N, classes), got {shape}")
    t = _as_target(target, _dtype_of(logits), logits, "softmax_cross_entropy")
    classes = shape[-1]
    if t.dtype.kind in "iub":
        if t.shape != shape[:-1]:
            raise ValueError(
                f"softmax_cross_entropy: integer labels need shape {shape[:-1]} for logits {shape}, got {t.shape}"
            )
        if t.size and (t.min() < 0 or t.max() >= classes):
            raise ValueError(
                f"softmax_cross_entropy: labels must be in 0..{classes - 1} for {classes} classes, "
                f"got values from {t.min()} to {t.max()}"
            )
        t = t.astype(np.int64, copy=False)
    elif t.shape != shape:
        hint = ""
        if t.shape == shape[:-1] and np.all(np.mod(t, 1) == 0):
            hint = "; these look like class labels stored as floats: pass y.astype(int)"
        raise ValueError(
            f"softmax_cross_entropy: one-hot targets need the logits' shape {shape}, got {t.shape} "
            f"(or pass integer class labels){hint}"
        )
    return SoftmaxCrossEntropy(t)(logits)


def binary_cross_entropy(logits: Any, target: Any) -> Tensor:
    """Binary cross-entropy of sigmoid(logits) against targets in [0, 1], computed stably from logits.

    L = (1/M) Σ [max(x, 0) − x·t + log(1 + e^{−|x|})];  ∂L/∂x = (σ(x) − t)/M.
    """
    t = _as_target(target, _dtype_of(logits), logits, "binary_cross_entropy").astype(_dtype_of(logits), copy=False)
    if np.shape(logits) != t.shape:
        raise ValueError(f"binary_cross_entropy: logits have shape {np.shape(logits)} but targets {t.shape}")
    if t.size and (t.min() < 0 or t.max() > 1):
        raise ValueError("binary_cross_entropy: targets must lie in [0, 1]")
    return BinaryCrossEntropy(t)(logits)
