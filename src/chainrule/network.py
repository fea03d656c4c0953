"""`NeuralNetwork`: a sequence of layers and a loss (the book's central class).

>>> from chainrule.layers import Dense, Tanh
>>> from chainrule.losses import SoftmaxCrossEntropy
>>> net = NeuralNetwork([Dense(8, Tanh()), Dense(3)], SoftmaxCrossEntropy(), seed=0)
>>> net.predict(np.zeros((5, 4))).shape
(5, 3)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from chainrule.autograd import no_grad
from chainrule.checks import as_batch, check_count, check_seed
from chainrule.layers.base import Layer
from chainrule.losses import Loss, accuracy
from chainrule.tensor import Tensor


class NeuralNetwork(Layer):
    """Layers applied in order, plus the loss used to train them.

    Args:
        layers: the layers, first to last.
        loss: a `Loss` (needed by `train_batch`, `evaluate` and the Trainer).
        seed: makes weight initialisation and dropout reproducible: each layer
            gets its own random generator derived from the seed.
    """

    def __init__(self, layers: Sequence[Layer], loss: Loss | None = None, seed: int | None = None) -> None:
        super().__init__()
        layers = list(layers)
        if not layers or not all(isinstance(layer, Layer) for layer in layers):
            raise TypeError("NeuralNetwork needs a non-empty list of layers, e.g. [Dense(10, 'tanh'), Dense(1)]")
        if loss is not None and not isinstance(loss, Loss):
            raise TypeError(f"loss must be a Loss such as SoftmaxCrossEntropy(), got {loss!r}")
        self.layers = layers
        self.loss = loss
        self.seed_value = check_seed("NeuralNetwork", seed)
        if seed is not None:
            self.seed(seed)

    @property
    def converts_input(self) -> bool:  # type: ignore[override]
        return self.layers[0].converts_input

    def forward(self, x: Any) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def predict(self, X: Any, batch_size: int | None = 256) -> np.ndarray:
        """The network's outputs for `X` as an array, in evaluation mode and without a graph.

        Computed `batch_size` rows at a time (None: all at once), so that a convolution's
        window matrix stays a few MB whatever the size of `X`.
        """
        if batch_size is not None:
            batch_size = check_count("predict", "batch_size", batch_size)
        if not isinstance(X, Tensor):
            X = as_batch("predict", "X", X)
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                if batch_size is None or len(X) <= batch_size:
                    return self(X).data
                return np.concatenate([self(X[i : i + batch_size]).data for i in range(0, len(X), batch_size)])
        finally:
            self.train(was_training)

    def _require_loss(self) -> Loss:
        if self.loss is None:
            raise ValueError("this network has no loss: create it as NeuralNetwork(layers, loss=...)")
        return self.loss

    def train_batch(self, x: Any, y: Any) -> float:
        """One forward and backward pass on a batch; gradients accumulate in the parameters."""
        loss = self._require_loss()(self(x), y)
        loss.backward()
        return loss.item()

    def evaluate(self, X: Any, y: Any, batch_size: int = 256) -> dict[str, float]:
        """Loss (and accuracy, for classifiers) on a data set, in evaluation mode."""
        loss_fn = self._require_loss()
        output = self.predict(X, batch_size)
        with no_grad():
            value = loss_fn(Tensor(output, dtype=output.dtype), y).item()
        result = {"loss": value}
        if loss_fn.is_classification:
            result["accuracy"] = accuracy(loss_fn, output, y)
        return result

    def config(self) -> dict[str, Any]:
        return {"layers": self.layers, "loss": self.loss, "seed": self.seed_value}
