"""The book's losses (`lincoln.losses`): `Loss`, `MeanSquaredError(normalize)`, `SoftmaxCrossEntropy(eps)`.

``loss.forward(prediction, target)`` returns the loss (a one-element Tensor:
``float(loss)`` and ``f"{loss:.3f}"`` work on it) and ``loss.backward()``
returns ∂loss/∂prediction as an array, as in the book. Both come from one
fused operation of `chainrule.ops.losses`, where the formula and its gradient
are written together.

`SoftmaxCrossEntropy` differs from the book's code on purpose: the book's
*value* was Σ_c −t·log p − (1 − t)·log(1 − p) (a binary cross-entropy over the
softmax outputs, clipped to [eps, 1 − eps]), while its *gradient*,
(softmax − t)/N, belongs to the softmax cross-entropy −Σ_c t·log p. The
printed validation losses were therefore not the function being minimised.
Here the value is the softmax cross-entropy, computed stably from the logits
(log-softmax, no clipping), and the gradient is the same as the book's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import losses as _losses
from chainrule.autograd import grad
from chainrule.ops.losses import mean_squared_error, softmax_cross_entropy
from chainrule.tensor import Tensor


class Loss(_losses.Loss):
    """The book's base: ``forward(prediction, target)`` → the loss; ``backward()`` → its gradient (array)."""

    def forward(self, prediction: Any, target: Any) -> Tensor:
        if not isinstance(prediction, Tensor):
            prediction = Tensor(prediction, dtype=np.float64)
        if not prediction.requires_grad:
            prediction = Tensor(prediction.data, requires_grad=True)  # so that backward() has a gradient to give
        self.prediction, self.target = prediction, target
        self.output = self._output(prediction, np.asarray(target))
        return self.output

    def backward(self) -> np.ndarray:
        """∂loss/∂prediction for the last `forward`, shaped like the prediction (the graph is kept)."""
        (self.input_grad,) = grad(self.output, [self.prediction], retain_graph=True)
        return self.input_grad.data

    def _output(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define _output(prediction, target)")


def _check_same_shape(prediction: Tensor, target: np.ndarray, name: str) -> None:
    if prediction.shape != target.shape:
        raise ValueError(
            f"{name}: prediction has shape {prediction.shape} but target has shape {target.shape}; the book's "
            "losses need the same shape (a column of targets: y.reshape(-1, 1); classes: one-hot rows)"
        )


class MeanSquaredError(Loss):
    """The book's ``MeanSquaredError(normalize=False)``: L = Σ (p − t)² / N, summed over the outputs, per sample.

    With one output per sample this is the mean squared error; with K outputs it
    is K times `chainrule.MeanSquaredError`'s mean over all elements.
    ``normalize=True`` first divides each row of the prediction by its sum.
    """

    def __init__(self, normalize: bool = False) -> None:
        super().__init__()
        self.normalize = normalize

    def _output(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        _check_same_shape(prediction, target, "MeanSquaredError")
        if self.normalize:
            prediction = prediction / prediction.sum(axis=1, keepdims=True)
        outputs = int(np.prod(prediction.shape[1:])) if prediction.ndim > 1 else 1
        return mean_squared_error(prediction, target) * outputs

    def __repr__(self) -> str:
        return f"MeanSquaredError(normalize={self.normalize})"


class SoftmaxCrossEntropy(Loss):
    """The book's ``SoftmaxCrossEntropy(eps=1e-9)`` from logits: L = −(1/N) Σ_n Σ_c t_nc log softmax(x_n)_c.

    Targets are one-hot rows, as the book passes them (integer labels work too).
    `eps` is kept for the book's signature; computing from logits needs no
    clipping. See the module docstring for how the book's value differed.
    """

    is_classification = True

    def __init__(self, eps: float = 1e-9) -> None:
        super().__init__()
        self.eps = eps

    def _output(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        if target.dtype.kind == "f":
            _check_same_shape(prediction, target, "SoftmaxCrossEntropy")
        return softmax_cross_entropy(prediction, target)

    def predict(self, output: np.ndarray) -> np.ndarray:
        return output.argmax(axis=-1)

    def __repr__(self) -> str:
        return f"SoftmaxCrossEntropy(eps={self.eps})"
