"""Loss functions as objects, in the book's vocabulary: ``loss(prediction, target) -> scalar Tensor``.

Each is a thin wrapper over a fused operation in `chainrule.ops.losses`, where
the formula and its gradient are written.

* `MeanSquaredError` — regression; the mean over all elements of (p − t)².
* `SoftmaxCrossEntropy` — classification from logits (the last layer has no
  softmax); targets are integer labels or one-hot rows.
* `BinaryCrossEntropy` — one or more yes/no outputs from logits; targets in [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.ops.losses import binary_cross_entropy, mean_squared_error, softmax_cross_entropy
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
    """L = −mean over samples of Σ_c t_c log softmax(logits)_c; labels or one-hot targets."""

    is_classification = True

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        return softmax_cross_entropy(prediction, target)

    def predict(self, output: np.ndarray) -> np.ndarray:
        return output.argmax(axis=-1)


class BinaryCrossEntropy(Loss):
    """L = mean of −t·log σ(x) − (1 − t)·log(1 − σ(x)) for logits x, computed stably."""

    is_classification = True

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy(prediction, target)

    def predict(self, output: np.ndarray) -> np.ndarray:
        return (output > 0).astype(np.int64)


def accuracy(loss: Loss, output: np.ndarray, target: np.ndarray) -> float:
    """Fraction of samples whose predicted label equals the target (labels or one-hot rows)."""
    predicted = loss.predict(output)
    target = np.asarray(target)
    if isinstance(loss, SoftmaxCrossEntropy) and target.shape == output.shape:
        target = target.argmax(axis=-1)
    return float(np.mean(predicted == target))
