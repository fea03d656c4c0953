"""The book's layers (`lincoln.layers`): `Layer`, `Dense`, `Conv2D`, with its signatures and defaults.

A book layer is a chainrule layer that keeps the book's habits:

* it is built on its first batch (``_setup_layer``), and ``layer.first = True``
  makes the next batch build it again (the Trainer's ``restart``);
* its weights *and biases* are drawn with NumPy's global generator,
  ``np.random.normal(0, scale, …)``, and a `Dense` first re-seeds that
  generator with the network's seed, as the book's code does, so a seeded
  network starts from the book's very numbers;
* it computes in float64, the dtype of the book's NumPy arrays;
* ``dropout`` is the probability of *keeping* a unit (the book's convention);
* ``forward(x, inference=True)`` turns dropout off.

Underneath, each is chainrule's `Dense` or `Conv2D` (and `Flatten`, `Dropout`):
the gradients are the engine's, derived and gradchecked once.

Where the book's code was wrong, these are right, and say so:

* ``weight_init="glorot"`` uses σ = √(2/(n_in + n_out)); the book's code used
  2/(n_in + n_out) as σ (the variance), weights far too small.
* Dropout is inverted (kept values are scaled by 1/keep while training, and
  evaluation uses the weights as they are); the book's scaled the outputs by
  keep at inference instead. The two compute the same expected activations.
* The book's `Conv2D` weight gradient was right only for a batch of one image,
  and its input gradient did not flip the kernel; chainrule's convolution is
  derived and gradchecked for any batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import layers as _layers
from chainrule.autograd import no_grad
from chainrule.book.activations import Linear
from chainrule.tensor import Tensor

BOOK_DTYPE = np.dtype(np.float64)  # the book's arrays are NumPy's default float64


def book_scale(weight_init: str, n_in: int, n_out: int) -> float:
    """σ of the book's normal draws: 1 ("standard"), or Glorot's √(2/(n_in + n_out)).

    The book's code returned 2/(n_in + n_out) for "glorot": the variance, not σ.
    """
    if weight_init == "glorot":
        return float(np.sqrt(2.0 / (n_in + n_out)))
    return 1.0


def check_keep(dropout: float, name: str) -> float:
    """The book's dropout argument: the probability of keeping a unit, in (0, 1]."""
    if not 0.0 < dropout <= 1.0:
        raise ValueError(
            f"{name}(dropout=...): the book's dropout is the probability of KEEPING a unit, in (0, 1], "
            f"got {dropout!r} (1.0, the default, means no dropout; 0.8 keeps 80 %)"
        )
    return float(dropout)


class Layer(_layers.Layer):
    """The book's `Layer(neurons)`: built from its first input by `_setup_layer`, then runs `operations`.

    Subclasses set ``self.operations`` (chainrule layers, applied in order) in
    ``_setup_layer(input_)``. ``params`` and ``param_grads`` are the book's lists
    of arrays (the parameters' values and gradients, shared, not copied).
    """

    def __init__(self, neurons: int) -> None:
        super().__init__()
        self.neurons = neurons
        self.first = True
        self.book_seed: int | None = None  # the book's `layer.seed`, set by NeuralNetwork
        self.operations: list[_layers.Layer] = []
        self.dtype = BOOK_DTYPE

    def _setup_layer(self, input_: Tensor) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define _setup_layer(input_)")

    def forward(self, input_: Any, inference: bool = False) -> Tensor:
        if not isinstance(input_, Tensor):
            input_ = self.as_input(input_)
        if self.first:
            with no_grad():
                self._setup_layer(input_)
            for operation in self.operations:
                operation.to(self.dtype)
            self.first = False
        self.input_ = input_
        for operation in self.operations:
            operation.train(not inference)
            input_ = operation(input_)
        self.output = input_
        return input_

    @property
    def params(self) -> list[np.ndarray]:
        return [p.data for p in self.parameters()]

    @property
    def param_grads(self) -> list[np.ndarray]:
        return [np.zeros_like(p.data) if p.grad is None else p.grad.data for p in self.parameters()]


class Dense(Layer):
    """The book's fully connected layer, ``Dense(neurons, activation=Linear(), conv_in=False, dropout=1.0, weight_init="standard")``.

    Weights (n_in, neurons) and biases (1, neurons) are drawn from N(0, σ²),
    σ = 1 for "standard" (the default), √(2/(n_in + neurons)) for "glorot"; a
    number gives σ directly. `dropout` keeps each output with that probability
    while training (1.0: no dropout). `conv_in` is accepted and ignored, as in
    the book's code.
    """

    def __init__(self, neurons: int, activation: _layers.Layer = Linear(), conv_in: bool = False,
                 dropout: float = 1.0, weight_init: str | float = "standard") -> None:
        super().__init__(neurons)
        self.activation = activation
        self.conv_in = conv_in
        self.dropout = check_keep(dropout, "Dense")
        self.weight_init = weight_init

    def _setup_layer(self, input_: Tensor) -> None:
        if self.book_seed:
            np.random.seed(self.book_seed)  # the book re-seeds NumPy's global generator here
        num_in = input_.shape[1]
        if isinstance(self.weight_init, str):
            scale = book_scale(self.weight_init, num_in, self.neurons)
        else:
            scale = float(self.weight_init)
        weights = np.random.normal(0.0, scale, size=(num_in, self.neurons))
        bias = np.random.normal(0.0, scale, size=(1, self.neurons))
        dense = _layers.Dense(self.neurons, self.activation, weight_init="standard")
        dense.dtype = self.dtype
        dense._build(num_in, draw=False)  # zeros: the book's draws fill them next
        dense.weight.data[...] = weights
        dense.bias.data[...] = bias[0]
        self.operations = [dense]
        if self.dropout < 1.0:
            self.operations.append(_dropout(self.dropout, self.book_seed))

    def config(self) -> dict[str, Any]:
        return {"neurons": self.neurons, "activation": self.activation, "dropout": self.dropout,
                "weight_init": self.weight_init}


class Conv2D(Layer):
    """The book's convolution, ``Conv2D(out_channels, param_size, dropout=1.0, weight_init="normal", activation=Linear(), flatten=False)``.

    Input (N, C, H, W) → output (N, out_channels, H, W): the book pads with
    param_size // 2 zeros so the image keeps its size, and has no bias.
    Kernels are drawn from N(0, σ²) in the book's layout (C, out_channels, k, k),
    σ = 1, or Glorot's √(2/(C + out_channels)) — the book's code used the
    variance 2/(C + out_channels) as σ. `flatten` reshapes the output to
    (N, out_channels·H·W); `dropout` keeps each output with that probability.
    """

    def __init__(self, out_channels: int, param_size: int, dropout: float = 1.0, weight_init: str = "normal",
                 activation: _layers.Layer = Linear(), flatten: bool = False) -> None:
        super().__init__(out_channels)
        self.out_channels = out_channels
        self.param_size = param_size
        self.dropout = check_keep(dropout, "Conv2D")
        self.weight_init = weight_init
        self.activation = activation
        self.flatten = flatten

    def _setup_layer(self, input_: Tensor) -> None:
        in_channels = input_.shape[1]
        scale = book_scale(self.weight_init, in_channels, self.out_channels)
        kernel = np.random.normal(0.0, scale, size=(in_channels, self.out_channels, self.param_size, self.param_size))
        conv = _layers.Conv2D(self.out_channels, self.param_size, padding=self.param_size // 2,
                              activation=self.activation, weight_init="standard", bias=False)
        conv.dtype = self.dtype
        conv._build(in_channels, draw=False)  # zeros: the book's draws fill them next
        conv.weight.data[...] = kernel.transpose(1, 0, 2, 3)  # chainrule's layout is (out, in, k, k)
        self.operations = [conv]
        if self.flatten:
            self.operations.append(_layers.Flatten())
        if self.dropout < 1.0:
            self.operations.append(_dropout(self.dropout, self.book_seed))

    def config(self) -> dict[str, Any]:
        return {"out_channels": self.out_channels, "param_size": self.param_size, "dropout": self.dropout,
                "weight_init": self.weight_init, "activation": self.activation, "flatten": self.flatten}


def _dropout(keep: float, seed: int | None) -> _layers.Dropout:
    """chainrule's (inverted) Dropout for the book's keep probability, its mask generator from the seed."""
    layer = _layers.Dropout(1.0 - keep)
    layer._rng = np.random.default_rng(seed)
    return layer
