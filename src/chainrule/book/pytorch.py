"""Chapter 7: the book's PyTorch layers (`lincoln.pytorch`) as chainrule layers, and PyTorch's default initialisation.

The chapter rebuilds its models in PyTorch. Its layer helpers are here with
their signatures, as chainrule layers that start from the weights PyTorch
would give them:

* ``DenseLayer(input_size, neurons, dropout=1.0, activation=None)``;
* ``ConvLayer(in_channels, out_channels, filter_size, activation=None,
  dropout=1.0, flatten=False)``, padded to keep the image size;
* `pytorch_default_init`: every weight and bias of a network redrawn from
  U(−1/√fan_in, 1/√fan_in), what ``torch.nn.Linear`` and ``torch.nn.Conv2d``
  start from (fan_in = inputs, or in_channels·k·k for a kernel). The
  chapter's printed results (96.98 % for its CNN, 0.0693 for its autoencoder)
  come from that starting point; ``chainrule reproduce ch7`` uses it too.

As in the rest of chainrule.book, `dropout` is the probability of keeping a
unit. The chapter's training cells call PyTorch itself (``torch.optim.SGD``,
``nn.CrossEntropyLoss``, tensors); with chainrule those lines become
chainrule's `SGDMomentum`, `SoftmaxCrossEntropy` and `Trainer` — the one
place where more than the imports changes (see docs/from-the-book.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import layers as _layers
from chainrule.book.layers import check_keep
from chainrule.layers.base import Layer

SEED = 20190325


def pytorch_default_init(net: Any, seed: int = SEED) -> Any:
    """Redraw every Dense, Conv2D and ConvTranspose2D weight and bias of `net` from U(−1/√fan_in, 1/√fan_in),
    PyTorch's default (for a transposed convolution, whose weight is (C, O, kh, kw), fan_in = O·kh·kw).

    The layers must be built (run one batch through `net` first). Returns `net`.

    >>> import chainrule as cr
    >>> net = cr.NeuralNetwork([cr.Dense(4, input_size=9)])
    >>> w = pytorch_default_init(net, seed=0).layers[0].weight.numpy()
    >>> bool(np.all(np.abs(w) <= 1 / 3))
    True
    """
    rng = np.random.default_rng(seed)
    for layer in net.all_layers() if hasattr(net, "all_layers") else net.layers:
        if not isinstance(layer, (_layers.Dense, _layers.Conv2D, _layers.ConvTranspose2D)) or layer.weight is None:
            continue
        shape = layer.weight.shape
        fan_in = shape[0] if isinstance(layer, _layers.Dense) else int(np.prod(shape[1:]))
        bound = 1.0 / np.sqrt(fan_in)
        layer.weight.data[...] = rng.uniform(-bound, bound, size=shape)
        if layer.bias is not None:
            layer.bias.data[...] = rng.uniform(-bound, bound, size=layer.bias.shape)
    return net


class _Stack(Layer):
    """Sub-layers applied in order (what the chapter's PyTorchLayer subclasses do in their forward)."""

    def __init__(self, parts: list[Layer]) -> None:
        super().__init__()
        self.parts = parts

    def forward(self, x: Any) -> Any:
        for part in self.parts:
            x = part(x)
        return x


class DenseLayer(_Stack):
    """The chapter's ``DenseLayer(input_size, neurons, dropout=1.0, activation=None)``: PyTorch-initialised."""

    def __init__(self, input_size: int, neurons: int, dropout: float = 1.0, activation: Any = None,
                 seed: int = SEED) -> None:
        keep = check_keep(dropout, "DenseLayer")
        dense = _layers.Dense(neurons, activation, input_size=input_size)
        parts: list[Layer] = [dense] + ([_layers.Dropout(1.0 - keep)] if keep < 1.0 else [])
        super().__init__(parts)
        pytorch_default_init(self, seed)


class ConvLayer(_Stack):
    """The chapter's ``ConvLayer(in_channels, out_channels, filter_size, activation=None, dropout=1.0, flatten=False)``."""

    def __init__(self, in_channels: int, out_channels: int, filter_size: int, activation: Any = None,
                 dropout: float = 1.0, flatten: bool = False, seed: int = SEED) -> None:
        keep = check_keep(dropout, "ConvLayer")
        conv = _layers.Conv2D(out_channels, filter_size, padding=filter_size // 2, activation=activation,
                              in_channels=in_channels)
        parts: list[Layer] = [conv] + ([_layers.Flatten()] if flatten else [])
        parts += [_layers.Dropout(1.0 - keep)] if keep < 1.0 else []
        super().__init__(parts)
        pytorch_default_init(self, seed)
