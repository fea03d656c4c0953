"""Fused loss operations: mean squared error, softmax cross-entropy, and binary
cross-entropy on probabilities (as PyTorch's ``binary_cross_entropy``) and from logits
(``binary_cross_entropy_with_logits``).

Fusing a loss with its final activation gives a backward pass that is short,
exact and stable: for softmax + cross-entropy the gradient is just
(softmax(x) − t)/M, and the loss is computed from log-softmax (log-sum-exp),
so neither overflows for logits of ±1e4. The loss value and its gradient come
from the same formula (the book's companion code reported a different loss
than the one it differentiated).

M is the number of samples the mean runs over. Targets are constants. Each
backward also runs on Tensors (create_graph=True), written with differentiable
operations, so the losses support second derivatives (gradient penalties,
Hessian-vector products).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops import activations, dual, elementwise
from chainrule.tensor import Tensor


class MeanSquaredError(Operation):
    """L = (1/M) Σ (p − t)² over all M elements.   ∂L/∂p = 2(p − t)/M."""

    def __init__(self, target: np.ndarray) -> None:
        self.target = target

    def forward(self, p):
        self.diff = p - self.target
        return np.asarray(np.mean(self.diff * self.diff), dtype=p.dtype)

    def backward(self, g, p, y):
        diff = p - self.target if isinstance(p, Tensor) else self.diff
        return diff * (g * (2.0 / self.diff.size))


class SoftmaxCrossEntropy(Operation):
    """L = −(1/M) Σ_m Σ_c t_mc · log softmax(x_m)_c, classes on the last axis.

    With s = softmax(x_m), ∂ log s_mk/∂x_mc = [k = c] − s_mc, so
    ∂L/∂x_mc = (s_mc·Σ_k t_mk − t_mc)/M, which is (s_mc − t_mc)/M when Σ_k t_mk = 1.
    Targets are class indices (shape x.shape[:-1]) or rows of weights (one-hot or
    soft, shape x.shape; rows need not sum to 1).
    """

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
        if isinstance(x, Tensor):  # create_graph: the same formula on Tensors
            return self._backward_on_tensors(g, x)
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

    def _backward_on_tensors(self, g: Tensor, x: Tensor) -> Tensor:
        rows = x.reshape(-1, x.shape[-1])
        count = rows.shape[0]
        if self.target.dtype.kind in "iu":
            target = np.zeros(rows.shape, dtype=x.dtype)
            target[np.arange(count), self.labels] = 1
        else:
            target = self.target.reshape(rows.shape)
        grad = activations.softmax(rows, axis=1) * target.sum(axis=1, keepdims=True) - target
        return (grad * (g / count)).reshape(x.shape)


class BinaryCrossEntropyWithLogits(Operation):
    """L = (1/M) Σ [max(x, 0) − x·t + log(1 + e^{−|x|})] for logits x (= −t·log σ(x) − (1−t)·log(1−σ(x))).

    ∂L/∂x = (σ(x) − t)/M.
    """

    def __init__(self, target: np.ndarray) -> None:
        self.target = target

    def forward(self, x):
        losses = np.maximum(x, 0) - x * self.target + np.log1p(np.exp(-np.abs(x)))
        return np.asarray(losses.mean(), dtype=x.dtype)

    def backward(self, g, x, y):
        sig = dual.sigmoid(x)
        return (sig - self.target) * (g / x.size)


# PyTorch clamps each log at −100, so a probability of exactly 0 or 1 gives a finite loss
LOG_FLOOR = -100.0
GRAD_EPS = 1e-12


class BinaryCrossEntropy(Operation):
    """L = −(1/M) Σ [t·log p + (1 − t)·log(1 − p)] for probabilities p in [0, 1] (logs floored at −100).

    ∂L/∂p = (1/M)·(−t/p + (1 − t)/(1 − p)) = (p − t) / (M·p(1 − p)), with p(1 − p) floored at
    1e-12 so that p = 0 or 1 gives a finite gradient (PyTorch's rule).
    """

    def __init__(self, target: np.ndarray) -> None:
        self.target = target

    def forward(self, p):
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), LOG_FLOOR)
            log_q = np.maximum(np.log1p(-p), LOG_FLOOR)
        losses = -(self.target * log_p + (1 - self.target) * log_q)
        return np.asarray(losses.mean(), dtype=p.dtype)

    def backward(self, g, p, y):
        if isinstance(p, Tensor):
            spread = elementwise.clip(p * (1 - p), GRAD_EPS, None)
        else:
            spread = np.maximum(p * (1 - p), p.dtype.type(GRAD_EPS))
        return (p - self.target) / spread * (g / p.size)


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


def softmax_cross_entropy(logits: Any, target: Any, label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of softmax(logits) against class labels or one-hot rows (classes on the last axis).

    L = −(1/M) Σ_m Σ_c t_mc · log softmax(x_m)_c;  ∂L/∂x_mc = (softmax(x_m)_c − t_mc)/M.

    `label_smoothing` ε (as PyTorch's): the targets become t′ = (1 − ε)·t + ε/C (labels as one-hot
    rows first), the loss is the same cross-entropy against t′, and so ∂L/∂x_mc = (softmax(x_m)_c·Σ_k t′_mk
    − t′_mc)/M, which is (softmax(x_m)_c − t′_mc)/M for rows that sum to 1.

    >>> round(softmax_cross_entropy(Tensor([[0.0, 0.0]]), np.array([1])).item(), 4)  # log 2
    0.6931
    """
    shape = tuple(np.shape(logits))
    if len(shape) < 2:
        raise ValueError(f"softmax_cross_entropy: logits need shape (N, classes), got {shape}")
    t = _as_target(target, _dtype_of(logits), logits, "softmax_cross_entropy")
    classes = shape[-1]
    if t.dtype.kind in "iub":
        if classes == 1 and t.size and t.max() >= 1:
            raise ValueError(
                "softmax_cross_entropy: the last layer has 1 output, and a softmax over one class is always 1 "
                f"(nothing to learn), but the labels go up to {t.max()}; for yes/no labels give the last layer "
                "2 outputs (Dense(2)) or keep 1 output and use BinaryCrossEntropy()"
            )
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
    if label_smoothing:
        t = _smoothed(t, classes, label_smoothing, _dtype_of(logits))
    return SoftmaxCrossEntropy(t)(logits)


def _smoothed(t: np.ndarray, classes: int, epsilon: float, dtype: np.dtype) -> np.ndarray:
    """t′ = (1 − ε)·t + ε/C, labels turned into one-hot rows first (PyTorch's label_smoothing)."""
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"softmax_cross_entropy: label_smoothing must lie in [0, 1], got {epsilon}")
    if t.dtype.kind in "iu":
        t = np.eye(classes, dtype=dtype)[t]
    return (t * (1 - epsilon) + epsilon / classes).astype(dtype, copy=False)


def _binary_target(x: Any, target: Any, name: str, what: str) -> np.ndarray:
    t = _as_target(target, _dtype_of(x), x, name).astype(_dtype_of(x), copy=False)
    if np.shape(x) != t.shape:
        raise ValueError(f"{name}: {what} have shape {np.shape(x)} but targets {t.shape}; they must match")
    if t.size and (t.min() < 0 or t.max() > 1):
        raise ValueError(f"{name}: targets must lie in [0, 1], got values from {t.min()} to {t.max()}")
    return t


def binary_cross_entropy(probabilities: Any, target: Any) -> Tensor:
    """Binary cross-entropy of probabilities p in [0, 1] against targets in [0, 1], as PyTorch's function.

    L = −(1/M) Σ [t·log p + (1 − t)·log(1 − p)] (logs floored at −100);  ∂L/∂p = (p − t)/(M·p(1 − p)).
    For raw scores (logits) use `binary_cross_entropy_with_logits`: it is exact where σ saturates.

    >>> round(binary_cross_entropy(Tensor([0.5]), np.array([1.0])).item(), 4)  # log 2
    0.6931
    """
    t = _binary_target(probabilities, target, "binary_cross_entropy", "probabilities")
    p = getattr(probabilities, "data", np.asarray(probabilities))
    if p.size and (np.nanmin(p) < 0 or np.nanmax(p) > 1):
        raise ValueError(
            f"binary_cross_entropy: inputs must be probabilities in [0, 1], got values from {np.nanmin(p)} to "
            f"{np.nanmax(p)}; for logits (raw scores) use binary_cross_entropy_with_logits"
        )
    return BinaryCrossEntropy(t)(probabilities)


def binary_cross_entropy_with_logits(logits: Any, target: Any) -> Tensor:
    """Binary cross-entropy of sigmoid(logits) against targets in [0, 1], computed stably from logits.

    L = (1/M) Σ [max(x, 0) − x·t + log(1 + e^{−|x|})];  ∂L/∂x = (σ(x) − t)/M.

    >>> round(binary_cross_entropy_with_logits(Tensor([0.0]), np.array([1.0])).item(), 4)  # log 2
    0.6931
    """
    t = _binary_target(logits, target, "binary_cross_entropy_with_logits", "logits")
    return BinaryCrossEntropyWithLogits(t)(logits)
