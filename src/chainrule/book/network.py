"""The book's `NeuralNetwork(layers, loss, seed)` (`lincoln.network`), on chainrule's `NeuralNetwork`.

The book's methods, with its meanings:

* ``forward(X, inference=False)``: the output. While training it is a Tensor
  that records the graph (NumPy accepts it wherever it wants an array); with
  ``inference=True`` dropout is off, no graph is kept and the result is a
  plain ``np.ndarray``, as the book's was.
* ``backward(loss_grad)``: sends ∂loss/∂output back through the last forward;
  the gradients land in the parameters (``param_grads()``).
* ``train_batch(X, y)``: forward, loss, backward in one call; returns the loss.
* ``params()`` and ``param_grads()``: the arrays of every layer, in the book's
  order (each layer's weights, then its biases); updating them in place
  updates the network.

`seed` is handed to every layer (``layer.first`` draws re-seed NumPy's global
generator with it, as in the book); ``seed=None`` or 0 leaves it alone.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from chainrule import network as _network
from chainrule.autograd import no_grad
from chainrule.book.layers import BOOK_DTYPE
from chainrule.book.losses import Loss, MeanSquaredError
from chainrule.layers import Layer
from chainrule.tensor import Tensor


class LayerBlock(_network.NeuralNetwork):
    """Layers run one after the other (the book's base of `NeuralNetwork`)."""

    def __init__(self, layers: Sequence[Layer], loss: Loss | None = None) -> None:
        super().__init__(layers, loss)
        self.dtype = BOOK_DTYPE

    def forward(self, X_batch: Any, inference: bool = False) -> Any:
        if inference:
            with no_grad():
                return self._run(X_batch, True).data
        self.output = self._run(X_batch, False)
        return self.output

    def _run(self, x: Any, inference: bool) -> Tensor:
        for layer in self.layers:
            x = layer.forward(x, inference) if _takes_inference(layer) else layer(x)
        return x

    def backward(self, loss_grad: Any) -> None:
        """Propagate ∂loss/∂output (from ``loss.backward()``) through the last training forward."""
        output = getattr(self, "output", None)
        if output is None or output._op is None:
            raise RuntimeError("backward needs a forward(X) before it (training mode, not inference=True)")
        grad = np.asarray(loss_grad, dtype=output.dtype)
        if grad.shape != output.shape:
            raise ValueError(f"backward: the gradient has shape {grad.shape}, the last output {output.shape}")
        output.backward(grad)
        self.output = None

    def params(self) -> Iterator[np.ndarray]:
        for layer in self.layers:
            yield from (p.data for p in layer.parameters())

    def param_grads(self) -> Iterator[np.ndarray]:
        for layer in self.layers:
            for p in layer.parameters():
                yield np.zeros_like(p.data) if p.grad is None else p.grad.data

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)


def _takes_inference(layer: Layer) -> bool:
    from chainrule.book.layers import Layer as BookLayer

    return isinstance(layer, (BookLayer, LayerBlock))


class NeuralNetwork(LayerBlock):
    """The book's ``NeuralNetwork(layers, loss=MeanSquaredError(), seed=1)``.

    (The book's default was the *class* ``MeanSquaredError``, which fails when
    used; here it is an instance.)
    """

    def __init__(self, layers: Sequence[Layer], loss: Loss | None = None, seed: int | None = 1) -> None:
        super().__init__(layers, MeanSquaredError() if loss is None else loss)
        self.book_seed = seed
        if seed:
            for layer in self.layers:
                layer.book_seed = seed

    def forward_loss(self, X_batch: Any, y_batch: Any, inference: bool = False) -> Tensor:
        return self.loss.forward(self.forward(X_batch, inference), y_batch)

    def train_batch(self, X_batch: Any, y_batch: Any, inference: bool = False) -> float:
        """Forward, loss and backward on one batch (the gradients replace the previous ones); the loss."""
        self.zero_grad()
        loss = self.loss.forward(self.forward(X_batch, inference), y_batch)
        loss.backward()
        self.output = None
        return float(loss)
