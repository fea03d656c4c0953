"""The book's library by import swap: *Deep Learning from Scratch* (Weidman, O'Reilly 2019) on chainrule.

A cell of the book's companion notebooks runs with only its imports changed::

    from lincoln.layers import Dense            →  from chainrule.book.layers import Dense
    from lincoln.losses import MeanSquaredError →  from chainrule.book.losses import MeanSquaredError
    from lincoln.optimizers import SGD          →  from chainrule.book.optimizers import SGD
    from lincoln.train import Trainer           →  from chainrule.book.train import Trainer
    from lincoln.utils import mnist             →  from chainrule.book.utils import mnist

(or everything from ``chainrule.book``). The modules keep the book's names
(`layers`, `losses`, `optimizers`, `activations`, `network`, `train`,
`utils`, `conv`, `rnn`, `pytorch`, and `foundations` for chapter 1's
functions), its signatures and its defaults — standard-normal weights and
biases, a linear `Dense`, `dropout` as the keep probability, the summed
`MeanSquaredError`, convolutions padded to keep the size, NumPy's global
seeding — so a seeded cell draws the book's numbers. Underneath, every
gradient is chainrule's: no book class has a backward pass of its own.

Where the book's code had a bug (ReLU, Glorot, the convolution's gradients,
the GRU's gates, the softmax cross-entropy's value, non-inverted dropout),
these classes are correct, and their docstrings say what the book's did;
docs/from-the-book.md lists every difference.
"""

from chainrule.book.activations import Linear, ReLU, Sigmoid, Tanh
from chainrule.book.foundations import deriv
from chainrule.book.layers import Conv2D, Dense, Layer
from chainrule.book.losses import Loss, MeanSquaredError, SoftmaxCrossEntropy
from chainrule.book.network import LayerBlock, NeuralNetwork
from chainrule.book.optimizers import SGD, AdaGrad, Optimizer, SGDMomentum
from chainrule.book.train import Trainer
from chainrule.book.utils import mnist, np_utils

__all__ = [
    "AdaGrad", "Conv2D", "Dense", "Layer", "LayerBlock", "Linear", "Loss", "MeanSquaredError", "NeuralNetwork",
    "Optimizer", "ReLU", "SGD", "SGDMomentum", "Sigmoid", "SoftmaxCrossEntropy", "Tanh", "Trainer", "deriv",
    "mnist", "np_utils",
]
