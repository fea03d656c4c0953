"""chainrule: a deep learning framework from first principles, on NumPy.

Every gradient is derived by hand, written next to its forward pass, and checked
by finite differences. Start with `Tensor`, then `chainrule.ops`.
"""

from chainrule import launch as _launch  # noqa: I001 - first: before NumPy loads its BLAS
_launch.one_thread_per_rank()  # under mpiexec -n N (N ≥ 2): one BLAS thread per rank unless told otherwise
from chainrule.tensor import Parameter, Tensor  # noqa: I001 - Tensor first: the operations import it
from chainrule.autograd import Operation, enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled
from chainrule.gradcheck import GradcheckError, gradcheck
from chainrule import ops
from chainrule.ops import (
    abs, add, broadcast_to, cast, clip, concat, div, exp, flatten, leaky_relu, log, log_softmax,
    matmul, max, mean, mul, neg, pow, relu, reshape, sigmoid, softmax, split, sqrt, stack, sub,
    sum, sum_to, swapaxes, tanh, transpose, where,
)
from chainrule.layers import (
    Dense, Dropout, Flatten, Layer, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh,
)
from chainrule.ops import (  # issue 15: the rest of the toolbox
    argmax, argmin, conv2d, conv_transpose2d, cos, cumsum, einsum, elu, expand_dims, expm1, linear, log1p,
    logsumexp, maximum, min, minimum, norm, pad, prod, repeat, silu, sin, softplus, squeeze, std, take_along_axis,
    tile, unsqueeze, var,
)
from chainrule.layers import (  # every layer from the top (issue 15)
    GRU, LSTM, RNN, Activation, AvgPool2D, BatchNorm, Conv2D, ConvTranspose2D, Embedding, MaxPool2D,
    RecurrentOutputs, TimeDistributed,
)
from chainrule.layers import CausalSelfAttention, GELU, LayerNorm, MultiHeadAttention, TransformerBlock  # chapter 8
from chainrule.ops import attention, gelu, layer_norm  # noqa: I001
from chainrule.losses import BinaryCrossEntropy, Loss, MeanSquaredError, SoftmaxCrossEntropy
from chainrule.network import NeuralNetwork
from chainrule.io import ModelFileError, load, save
from chainrule import data, optim, viz
from chainrule.optim import SGD, AdaGrad, Adam, AdamW, Optimizer, RMSProp, SGDMomentum
from chainrule.train import History, NonFiniteError, Trainer

__version__ = "0.1.0"
