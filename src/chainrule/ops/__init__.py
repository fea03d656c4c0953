"""The operations: each a class with `forward` and a hand-derived `backward`, and a function to call it.

One module per family; see each module's docstring for the derivations.
"""

from chainrule.ops.activations import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from chainrule.ops.attention import attention
from chainrule.ops.conv import conv2d
from chainrule.ops.dropout import dropout
from chainrule.ops.embedding import embedding
from chainrule.ops.linear import linear
from chainrule.ops.losses import binary_cross_entropy, mean_squared_error, softmax_cross_entropy
from chainrule.ops.losses import binary_cross_entropy_with_logits
from chainrule.ops.gelu import gelu
from chainrule.ops.normalization import batch_norm
from chainrule.ops.normalization import layer_norm
from chainrule.ops.pooling import avg_pool2d, max_pool2d
from chainrule.ops.recurrent import gru, lstm, rnn
from chainrule.ops.arithmetic import add, cast, div, matmul, mul, neg, pow, sub
from chainrule.ops.elementwise import abs, clip, exp, log, sqrt
from chainrule.ops.indexing import getitem, scatter_add, where
from chainrule.ops.reductions import max, mean, sum, sum_to
from chainrule.ops.shape import broadcast_to, concat, flatten, reshape, split, stack, swapaxes, transpose
from chainrule.ops.activations import elu, silu, softplus
from chainrule.ops.comparison import (
    equal, greater, greater_equal, less, less_equal, maximum, minimum, not_equal,
)
from chainrule.ops.conv_transpose import conv_transpose2d
from chainrule.ops.einsum import einsum
from chainrule.ops.elementwise import cos, expm1, log1p, sin
from chainrule.ops.indexing import take_along_axis
from chainrule.ops.reductions import argmax, argmin, cumsum, min, prod
from chainrule.ops.shape import expand_dims, pad, repeat, squeeze, tile, unsqueeze
from chainrule.ops.statistics import logsumexp, norm, std, var

__all__ = [
    "embedding", "gru", "lstm", "rnn",
    "attention", "gelu", "layer_norm",
    "avg_pool2d", "batch_norm", "conv2d", "max_pool2d",
    "binary_cross_entropy_with_logits",
    "abs", "add", "binary_cross_entropy", "broadcast_to", "cast", "clip", "concat", "div", "dropout",
    "exp", "flatten", "getitem", "leaky_relu", "linear", "log", "log_softmax", "matmul", "max", "mean",
    "mean_squared_error", "mul", "neg", "pow", "relu", "reshape", "scatter_add", "sigmoid", "softmax",
    "softmax_cross_entropy", "split", "sqrt", "stack", "sub", "sum", "sum_to", "swapaxes", "tanh",
    "transpose", "where",
    # issue 15: the rest of the toolbox
    "argmax", "argmin", "conv_transpose2d", "cos", "cumsum", "einsum", "elu", "equal", "expand_dims", "expm1",
    "greater", "greater_equal", "less", "less_equal", "log1p", "logsumexp", "maximum", "min", "minimum", "norm",
    "not_equal", "pad", "prod", "repeat", "silu", "sin", "softplus", "squeeze", "std", "take_along_axis", "tile",
    "unsqueeze", "var",
]
