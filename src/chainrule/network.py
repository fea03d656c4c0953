"""`NeuralNetwork`: a sequence of layers and a loss (the book's central class).

>>> from chainrule.layers import Dense, Tanh
>>> from chainrule.losses import SoftmaxCrossEntropy
>>> net = NeuralNetwork([Dense(8, Tanh()), Dense(3)], SoftmaxCrossEntropy(), seed=0)
>>> net.predict(np.zeros((5, 4))).shape
(5, 3)
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Sequence

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
        _check_last_activation(layers[-1], loss)
        self.layers = layers
        self.loss = loss
        self.seed_value = check_seed("NeuralNetwork", seed)
        if seed is not None:
            self.seed(seed)

    def seed(self, seed: int | np.random.SeedSequence | None) -> None:
        """Seed every layer (see `Layer.seed`); the seed is remembered, so the model says which one it used."""
        if seed is None or isinstance(seed, (int, np.integer)):
            self.seed_value = None if seed is None else int(seed)
        super().seed(seed)

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
        return self.scores(self.predict(X, batch_size), y)

    def scores(self, output: np.ndarray, y: Any) -> dict[str, float]:
        """Loss (and accuracy, for classifiers) of outputs already predicted (`predict`) against y."""
        loss_fn = self._require_loss()
        with no_grad():
            value = loss_fn(Tensor(output, dtype=output.dtype), y).item()
        result = {"loss": value}
        if loss_fn.is_classification:
            result["accuracy"] = accuracy(loss_fn, output, y)
        return result

    def config(self) -> dict[str, Any]:
        return {"layers": self.layers, "loss": self.loss, "seed": self.seed_value}

    def summary(self, input_shape: Sequence[int] | None = None, print_fn: Callable[[str], Any] = print) -> None:
        """Print a table of the layers, each one's output shape and parameter count, and the totals.

        `input_shape` is one sample's shape, e.g. ``(784,)`` or ``(1, 28, 28)``; without it the
        shapes are known only when the first layer knows its input size (a `Dense` built or given
        `input_size`). The network itself is not changed: lazily built layers are sized on a copy.

        >>> from chainrule.layers import Dense
        >>> NeuralNetwork([Dense(8, "tanh"), Dense(3)], seed=0).summary(input_shape=(4,))  # doctest: +NORMALIZE_WHITESPACE
        layer              output shape   parameters
        0  Dense(tanh)     (N, 8)                 40
        1  Dense           (N, 3)                 27
        total: 67 parameters, float32
        """
        if input_shape is None and getattr(self.layers[0], "input_size", None) is not None:
            input_shape = (self.layers[0].input_size,)
        shapes, counts = _layer_shapes_and_counts(self, input_shape)
        rows = [(f"{index}  {_layer_title(layer)}", shape, count)
                for index, (layer, shape, count) in enumerate(zip(self.layers, shapes, counts))]
        width = max(len("layer"), *(len(title) for title, _, _ in rows)) + 2
        shape_width = max(len("output shape"), *(len(shape) for _, shape, _ in rows)) + 2
        print_fn(f"{'layer':<{width}}{'output shape':<{shape_width}}{'parameters':>10}")
        for title, shape, count in rows:
            print_fn(f"{title:<{width}}{shape:<{shape_width}}{'?' if count is None else f'{count:,}':>10}")
        total = "?" if None in counts else f"{sum(counts):,}"
        print_fn(f"total: {total} parameters, {np.dtype(self.dtype).name}"
                 + ("" if input_shape is not None else "; pass input_shape= to see every output shape and count"))


def _check_last_activation(last: Layer, loss: Loss | None) -> None:
    """Refuse a softmax (sigmoid) before a loss that applies it itself: it would be applied twice."""
    from chainrule.layers.activations import Sigmoid, Softmax
    from chainrule.losses import BinaryCrossEntropy, SoftmaxCrossEntropy

    activation = getattr(last, "activation", last)
    for loss_type, activation_type, name in ((SoftmaxCrossEntropy, Softmax, "softmax"),
                                             (BinaryCrossEntropy, Sigmoid, "sigmoid")):
        if isinstance(loss, loss_type) and isinstance(activation, activation_type):
            where = f"{type(last).__name__}(…, {name!r})" if activation is not last else f"{type(last).__name__}()"
            raise ValueError(
                f"the last layer ends in a {name}, but {loss_type.__name__} applies the {name} itself (from the "
                f"logits, stably): drop it — {where} → " + ("Dense(n)" if activation is not last else "no layer"))


def _layer_title(layer: Layer) -> str:
    """``Dense(tanh)``: the layer's class, and its activation's name when it has one."""
    activation = getattr(layer, "activation", None)
    name = type(activation).__name__.lower() if isinstance(activation, Layer) else None
    return type(layer).__name__ + (f"({name})" if name and name != "linear" else "")


def _layer_shapes_and_counts(net: NeuralNetwork, input_shape: Sequence[int] | None) -> tuple[list[str], list]:
    """Each layer's output shape as text, "(N, 8)", and parameter count; "?" and None where not known."""
    if input_shape is None:
        return ["?"] * len(net.layers), [_count(layer) for layer in net.layers]
    copied = copy.deepcopy(net)  # sizing lazy layers draws their weights: never on the caller's network
    x = Tensor(np.zeros((1, *input_shape)), dtype=copied.dtype) if copied.converts_input else np.zeros(
        (1, *input_shape), dtype=np.int64)
    shapes = []
    with no_grad():
        copied.eval()
        for layer in copied.layers:
            x = layer(x)
            shapes.append("(N, " + ", ".join(str(n) for n in x.shape[1:]) + ")")
    return shapes, [_count(layer) for layer in copied.layers]


def _count(layer: Layer) -> int | None:
    """The numbers in a layer's parameters; None for a layer not built yet."""
    if getattr(layer, "weight", False) is None:  # a lazily built layer that has not seen its input yet
        return None
    return sum(p.size for p in layer.parameters())
