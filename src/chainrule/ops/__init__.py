"""The operations: each a class with `forward` and a hand-derived `backward`, and a function to call it.

One module per family; see each module's docstring for the derivations.
"""

from chainrule.ops.activations import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from chainrule.ops.arithmetic import add, cast, div, matmul, mul, neg, pow, sub
from chainrule.ops.elementwise import abs, clip, exp, log, sqrt
from chainrule.ops.indexing import getitem, scatter_add, where
from chainrule.ops.reductions import max, mean, sum, sum_to
from chainrule.ops.shape import broadcast_to, concat, flatten, reshape, split, stack, swapaxes, transpose

__all__ = [
    "abs", "add", "broadcast_to", "cast", "clip", "concat", "div", "exp", "flatten", "getitem",
    "leaky_relu", "log", "log_softmax", "matmul", "max", "mean", "mul", "neg", "pow", "relu",
    "reshape", "scatter_add", "sigmoid", "softmax", "split", "sqrt", "stack", "sub", "sum",
    "sum_to", "swapaxes", "tanh", "transpose", "where",
]
