"""`TimeDistributed(layer)`: apply a layer to every step of a sequence.

A batch of sequences (N, T, F) is reshaped to (N·T, F), passed through the
layer as one big batch, and the result (N·T, F′) reshaped back to (N, T, F′).
So one GEMM serves every step, and the layer's weights are shared across time,
as Keras's ``TimeDistributed`` and a PyTorch ``Linear`` on a 3-D input do.

>>> from chainrule.layers.dense import Dense
>>> head = TimeDistributed(Dense(65, input_size=256))
>>> head(np.zeros((32, 25, 256))).shape
(32, 25, 65)

`RecurrentOutputs(layer)`: `RNN`, `GRU` and `LSTM` return ``(outputs, state)``, as
PyTorch's modules do, so the next layer of a `NeuralNetwork` cannot take them
directly. This keeps the outputs (N, T, H) and drops the state (the initial state
is zeros), so a recurrent layer can sit in a list of layers.

>>> from chainrule.layers.recurrent import LSTM
>>> RecurrentOutputs(LSTM(8, input_size=3))(np.zeros((2, 5, 3))).shape
(2, 5, 8)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.layers.base import Layer
from chainrule.layers.recurrent import Recurrent
from chainrule.ops.shape import reshape
from chainrule.tensor import Tensor


class TimeDistributed(Layer):
    """y[:, t] = layer(x[:, t]) for every step t, computed as one batch of N·T rows.

    The weights are shared across time, so their gradient is the sum over the steps.
    """

    def __init__(self, layer: Layer) -> None:
        super().__init__()
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed wraps a layer, got {type(layer).__name__}")
        self.layer = layer

    @property
    def converts_input(self) -> bool:  # type: ignore[override]
        return self.layer.converts_input

    def forward(self, x: Tensor | np.ndarray) -> Tensor:
        if np.ndim(x) < 3:
            raise ValueError(
                f"TimeDistributed({type(self.layer).__name__}) expected a batch of sequences (N, T, ...), "
                f"got shape {np.shape(x)}; for a plain batch (N, ...) call the layer itself"
            )
        N, T = x.shape[:2]
        steps = (N * T, *x.shape[2:])  # integer tokens (for an Embedding) stay a plain array
        y = self.layer(reshape(x, steps) if isinstance(x, Tensor) else np.reshape(x, steps))
        return reshape(y, (N, T, *y.shape[1:]))

    def config(self) -> dict[str, Any]:
        return {"layer": self.layer}


class RecurrentOutputs(Layer):
    """y = layer(x)[0]: the top layer's hidden state at every step, (N, T, F) → (N, T, H)."""

    def __init__(self, layer: Recurrent) -> None:
        super().__init__()
        if not isinstance(layer, Recurrent):
            raise TypeError(f"RecurrentOutputs wraps an RNN, GRU or LSTM layer, got {type(layer).__name__}")
        self.layer = layer
        self.dtype = layer.dtype  # inputs given as arrays are converted to the layer's dtype

    def forward(self, x: Tensor) -> Tensor:
        return self.layer(x)[0]

    def config(self) -> dict[str, Any]:
        return {"layer": self.layer}
