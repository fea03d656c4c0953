"""Layers: the building blocks of a network (see `Layer` for the common interface)."""

from chainrule.layers.activations import Activation, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh
from chainrule.layers.attention import CausalSelfAttention, KVCache, MultiHeadAttention
from chainrule.layers.base import Layer
from chainrule.layers.conv import Conv2D, ConvTranspose2D
from chainrule.layers.dense import Dense
from chainrule.layers.dropout import Dropout
from chainrule.layers.embedding import Embedding
from chainrule.layers.normalization import BatchNorm
from chainrule.layers.normalization import LayerNorm
from chainrule.layers.pooling import AvgPool2D, MaxPool2D
from chainrule.layers.recurrent import GRU, LSTM, RNN
from chainrule.layers.reshape import Flatten
from chainrule.layers.sequence import RecurrentOutputs, TimeDistributed
from chainrule.layers.transformer import GELU, TransformerBlock

__all__ = [
    "CausalSelfAttention", "GELU", "LayerNorm", "MultiHeadAttention", "TransformerBlock",
    "Embedding", "GRU", "LSTM", "RNN", "RecurrentOutputs", "TimeDistributed",
    "AvgPool2D", "BatchNorm", "Conv2D", "MaxPool2D",
    "ConvTranspose2D",
    "Activation", "Dense", "Dropout", "Flatten", "Layer", "LeakyReLU", "Linear", "ReLU", "Sigmoid",
    "Softmax", "Tanh",
]
