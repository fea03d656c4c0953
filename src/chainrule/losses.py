"""Loss functions as objects, in the book's vocabulary: ``loss(prediction, target) -> scalar Tensor``.

Each is a thin wrapper over a fused operation in `chainrule.ops.losses`, where
the formula and its gradient are written.

* `MeanSquaredError` — regression; the mean over all elements of (p − t)².
* `SoftmaxCrossEntropy` — classification from logits (the last layer has no
  softmax); targets are integer labels or one-hot rows.
* `BinaryCrossEntropy` — one or more yes/no outputs; from logits by default
  (``from_logits=True``, PyTorch's ``BCEWithLogitsLoss``), or from probabilities
  with ``from_logits=False`` (PyTorch's ``BCELoss``); targets in [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.ops.losses import (
    binary_cross_entropy, binary_cross_entropy_with_logits, mean_squared_error, softmax_cross_entropy,
)
from chainrule.tensor import Tensor


class Loss:
    """Base class: call it with the network's output and the targets."""

    is_classification = False

    def __call__(self, prediction: Tensor, target: Any) -> Tensor:
        return self.forward(prediction, target)

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        raise NotImplementedError

    def predict(self, output: np.ndarray) -> np.ndarray:
        """Turn raw network outputs into predictions (labels for classifiers)."""
        return output

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """L = mean((prediction − target)²). (The book divides the sum by the batch size; same for one output.)"""

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        return mean_squared_error(prediction, target)


class SoftmaxCrossEntropy(Loss):
    """L = −mean over samples of Σ_c t_c log softmax(logits)_c; labels or one-hot targets.

    `label_smoothing` ε trains against (1 − ε)·t + ε/C instead of t, as PyTorch's option.
    """

    is_classification = True

    def __init__(self, label_smoothing: float = 0.0) -> None:
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"SoftmaxCrossEntropy: label_smoothing must lie in [0, 1], got {label_smoothing}")
        self.label_smoothing = float(label_smoothing)

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        return softmax_cross_entropy(prediction, target, self.label_smoothing)

    def config(self) -> dict[str, Any]:
        return {"label_smoothing": self.label_smoothing} if self.label_smoothing else {}

    def __repr__(self) -> str:
        return f"SoftmaxCrossEntropy(label_smoothing={self.label_smoothing})" if self.label_smoothing else \
            "SoftmaxCrossEntropy()"

    def predict(self, output: np.ndarray) -> np.ndarray:
        return output.argmax(axis=-1)


class BinaryCrossEntropy(Loss):
    """L = mean of −t·log p − (1 − t)·log(1 − p) with p = σ(x) for logits x (the default, computed stably).

    Args:
        from_logits: True (default): the network's outputs are logits (no sigmoid layer), as
            PyTorch's ``BCEWithLogitsLoss``; False: they are probabilities p in [0, 1] (the last
            layer is a sigmoid), as PyTorch's ``BCELoss``.
    """

    is_classification = True

    def __init__(self, from_logits: bool = True) -> None:
        self.from_logits = bool(from_logits)

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        if self.from_logits:
            return binary_cross_entropy_with_logits(prediction, target)
        return binary_cross_entropy(prediction, target)

    def predict(self, output: np.ndarray) -> np.ndarray:
        return (output > (0 if self.from_logits else 0.5)).astype(np.int64)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()" if self.from_logits else f"{type(self).__name__}(from_logits=False)"


def accuracy(loss: Loss, output: np.ndarray, target: np.ndarray) -> float:
    """Fraction of samples whose predicted label equals the target (labels or one-hot rows)."""
    predicted = loss.predict(output)
    target = np.asarray(target)
    if isinstance(loss, SoftmaxCrossEntropy) and target.shape == output.shape:
        target = target.argmax(axis=-1)
    return float(np.mean(predicted == target))
