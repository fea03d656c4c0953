"""`Dense`: a fully connected layer, y = f(x·W + b).

Parameters: `weight` W of shape (n_in, n_out) and `bias` b of shape (n_out,).
As in the book, n_in may be left out: it is read from the first batch the
layer sees (the weights are created then). Give `input_size` to create them
at once.

The computation runs as one fused operation (`chainrule.ops.linear`) when the
activation is Linear, Sigmoid, Tanh or ReLU; other activations are applied
after it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.checks import check_count
from chainrule.init import SCHEMES, initialize
from chainrule.layers.activations import Activation, as_activation
from chainrule.layers.base import LazilyBuilt, Layer
from chainrule.ops.linear import Linear
from chainrule.tensor import Parameter, Tensor


class Dense(LazilyBuilt):
    """A fully connected layer.

    Args:
        neurons: the number of outputs n_out.
        activation: an activation layer (``Tanh()``), its name (``"tanh"``) or None
            for none. (The book's Dense defaults to Sigmoid; here the default is none.)
        weight_init: "standard" (N(0, 1), the book's default), "glorot" (the default
            here) or "he"; see `chainrule.init`. Biases start at zero.
        input_size: n_in, if known; otherwise taken from the first input.
        bias: whether to add a bias.

    Input (N, n_in) → output (N, neurons).

    >>> layer = Dense(3, activation="tanh", input_size=4)
    >>> layer(np.ones((2, 4))).shape
    (2, 3)
    """

    def __init__(
        self,
        neurons: int,
        activation: Layer | str | None = None,
        weight_init: str = "glorot",
        input_size: int | None = None,
        bias: bool = True,
    ) -> None:
        super().__init__()
        check_count("Dense(neurons)", "neurons", neurons)
        if isinstance(activation, (int, np.integer)) and not isinstance(activation, bool):
            raise TypeError(
                f"Dense({neurons}, {activation}): the second argument is the activation. Dense takes its number of "
                f"outputs and reads its inputs from the data (PyTorch's Linear(in, out) takes both): did you mean "
                f"Dense({activation}, input_size={neurons})?")
        if isinstance(activation, str) and activation.lower() == "softmax":
            raise ValueError(
                f"Dense({neurons}, 'softmax'): the loss applies the softmax — SoftmaxCrossEntropy takes the last "
                f"layer's raw outputs (logits), so write Dense({neurons}); for probabilities, apply cr.softmax to "
                "net.predict(X)")
        if weight_init not in SCHEMES:
            raise ValueError(f"Dense: weight_init must be one of {SCHEMES}, got {weight_init!r}")
        self.neurons = int(neurons)
        self.activation = as_activation(activation)
        self.weight_init = weight_init
        self.input_size: int | None = None
        self.use_bias = bias
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if input_size is not None:
            self._set_size(input_size)

    def _shapes(self, input_size: int) -> dict[str, tuple[int, ...]]:
        shapes = {"weight": (input_size, self.neurons)}
        return {**shapes, "bias": (self.neurons,)} if self.use_bias else shapes

    def _initial(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        return initialize(self.weight_init, shape, self.rng, self.dtype) if name == "weight" else np.zeros(shape, self.dtype)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.input_size or x.dtype != self.dtype:
            self._check_input(x)  # explains what is wrong, or the layer is still unbuilt
            if self.weight is None:
                self._build(x.shape[1])
        fused = self.activation.fused_name if isinstance(self.activation, Activation) else None
        operation = Linear(fused or "linear")
        y = operation(x, self.weight) if self.bias is None else operation(x, self.weight, self.bias)
        return y if fused is not None else self.activation(y)

    def _check_input(self, x: Tensor) -> None:
        expected = "n_in" if self.input_size is None else self.input_size
        if x.ndim > 2:
            shown = ", ".join(str(n) for n in x.shape[1:])
            raise ValueError(f"Dense expected input of shape (N, {expected}), got (N, {shown}); did you forget Flatten()?")
        if x.ndim < 2:
            raise ValueError(
                f"Dense expected input of shape (N, {expected}), got {x.shape}; "
                "a single example needs a batch axis: x.reshape(1, -1)"
            )
        if self.input_size is not None and x.shape[1] != self.input_size:
            raise ValueError(
                f"Dense({self.neurons}) expected input of shape (N, {self.input_size}), got {x.shape}: "
                f"it was built for {self.input_size} input features"
            )
        self.check_dtype(x, "Dense")

    def config(self) -> dict[str, Any]:
        return {
            "neurons": self.neurons,
            "activation": self.activation,
            "weight_init": self.weight_init,
            "input_size": self.input_size,
            "bias": self.use_bias,
        }
