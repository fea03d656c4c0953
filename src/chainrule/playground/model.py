"""The playground's network, optimizer and regularisation, made of chainrule's own parts.

`build_network` lays out features → hidden `Dense` layers (each followed by a
`Dropout`, whose rate can change while training) → the output: two logits and
softmax cross-entropy for the classification sets, one linear output and mean
squared error for regression. `penalty` is the regularisation term added to a
mini-batch's loss, written with chainrule's ops so that autograd differentiates it:

    L1: λ Σ|w|    (∂/∂w = λ·sign w)        L2: λ/2 Σ w²    (∂/∂w = λ·w)

over the weights (not the biases), as TensorFlow Playground does.

>>> from chainrule.playground.config import Config
>>> net, loss = build_network(Config(hidden=(3,)), seed=0)
>>> [type(layer).__name__ for layer in net.layers]
['Dense', 'Dropout', 'Dense']
"""

from __future__ import annotations

from typing import Any

from chainrule.layers import Dense, Dropout, LeakyReLU
from chainrule.losses import Loss, MeanSquaredError, SoftmaxCrossEntropy
from chainrule.network import NeuralNetwork
from chainrule.optim import SGD, Adam, SGDMomentum
from chainrule.playground.config import Config
from chainrule.tensor import Tensor

LEAKY_SLOPE = 0.1  # steeper than the usual 0.01, so that the difference from ReLU shows on the page


def activation_layer(name: str) -> Any:
    """The activation for a hidden Dense: its name, or the leaky ReLU of slope `LEAKY_SLOPE`."""
    return LeakyReLU(LEAKY_SLOPE) if name == "leaky_relu" else name


def build_network(config: Config, seed: int) -> tuple[NeuralNetwork, Loss]:
    """A fresh network for `config` (weights from `seed`) and its loss."""
    init = "he" if config.activation in ("relu", "leaky_relu") else "glorot"
    layers: list[Any] = []
    size = len(config.features)
    for units in config.hidden:
        layers += [Dense(units, activation_layer(config.activation), weight_init=init, input_size=size),
                   Dropout(config.dropout)]
        size = units
    regression = config.task == "regression"
    layers.append(Dense(1 if regression else 2, input_size=size))  # a value, or the logits of two classes
    loss: Loss = MeanSquaredError() if regression else SoftmaxCrossEntropy()
    return NeuralNetwork(layers, loss, seed=seed), loss


def dense_layers(net: NeuralNetwork) -> list[Dense]:
    """The network's Dense layers: the hidden ones, then the output."""
    return [layer for layer in net.layers if isinstance(layer, Dense)]


def set_dropout(net: NeuralNetwork, p: float) -> None:
    for layer in net.layers:
        if isinstance(layer, Dropout):
            layer.p = p


def make_optimizer(config: Config, params: list[Tensor]) -> Any:
    if config.optimizer == "sgd":
        return SGD(params, lr=config.lr)
    if config.optimizer == "momentum":
        return SGDMomentum(params, lr=config.lr, momentum=0.9)
    return Adam(params, lr=config.lr)


def penalty(net: NeuralNetwork, config: Config) -> Tensor | None:
    """The regularisation term for the loss (None without regularisation or at rate 0)."""
    if config.regularization == "none" or config.reg_rate == 0:
        return None
    total: Tensor | None = None
    for dense in dense_layers(net):
        w = dense.weight
        term = w.abs().sum() if config.regularization == "l1" else (w * w).sum() * 0.5
        total = term if total is None else total + term
    assert total is not None
    return total * config.reg_rate
