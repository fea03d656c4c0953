"""Layers: the building blocks of a network (see `Layer` for the common interface)."""

from chainrule.layers.activations import Activation, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh
from chainrule.layers.base import Layer
from chainrule.layers.dense import Dense
from chainrule.layers.dropout import Dropout
from chainrule.layers.reshape import Flatten

__all__ = [
    "Activation", "Dense", "Dropout", "Flatten", "Layer", "LeakyReLU", "Linear", "ReLU", "Sigmoid",
    "Softmax", "Tanh",
]
