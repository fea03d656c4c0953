"""Chapter 5's cells through chainrule.book.conv: the 1-D convolution's printed values and gradients,
and the book's convolutional network cell on a few MNIST images."""

import numpy as np
import pytest

from notebook_cells import numbers_after, run_cell

CELL_1D = """
import numpy as np
from lincoln.conv import conv_1d_sum, _input_grad_1d, _param_grad_1d, _pad_1d
from lincoln.conv import conv_1d_batch, input_grad_1d_batch, param_grad_1d_batch

input_1d = np.array([1,2,3,4,5])
param_1d = np.array([1,1,1])
print(_pad_1d(input_1d, 1))
print(conv_1d_sum(input_1d, param_1d))

input_1d_2 = np.array([1,2,3,4,6])
print(conv_1d_sum(input_1d_2, param_1d) - conv_1d_sum(input_1d, param_1d))
param_1d_2 = np.array([2,1,1])
print(conv_1d_sum(input_1d, param_1d_2) - conv_1d_sum(input_1d, param_1d))

print(_input_grad_1d(input_1d, param_1d))
print(_param_grad_1d(input_1d, param_1d))

input_1d_batch = np.array([[0,1,2,3,4,5,6],
                           [1,2,3,4,5,6,7]])
print(conv_1d_batch(input_1d_batch, param_1d))
print(input_grad_1d_batch(input_1d_batch, param_1d))
print(param_grad_1d_batch(input_1d_batch, param_1d))
"""

PRINTED_1D = """[0 1 2 3 4 5 0]
39.0
2.0
10.0
[2. 3. 3. 3. 2.]
[10. 15. 14.]
[[ 1.  3.  6.  9. 12. 15. 11.]
 [ 3.  6.  9. 12. 15. 18. 13.]]
[[2. 3. 3. 3. 3. 3. 2.]
 [2. 3. 3. 3. 3. 3. 2.]]
[36. 49. 48.]
"""


def test_the_1d_convolution_cells_print_the_chapter_s_values():
    printed, _ = run_cell(CELL_1D)
    assert printed == PRINTED_1D


def test_the_1d_gradients_are_those_of_a_perturbation():
    from chainrule.book.conv import _input_grad_1d, _param_grad_1d, conv_1d_sum

    rng = np.random.default_rng(0)
    inp, param = rng.normal(size=9), rng.normal(size=5)
    eps = 1e-6
    for i in range(len(inp)):
        bumped = inp.copy()
        bumped[i] += eps
        assert (conv_1d_sum(bumped, param) - conv_1d_sum(inp, param)) / eps == pytest.approx(
            _input_grad_1d(inp, param)[i], abs=1e-5)
    for p in range(len(param)):
        bumped = param.copy()
        bumped[p] += eps
        assert (conv_1d_sum(inp, bumped) - conv_1d_sum(inp, param)) / eps == pytest.approx(
            _param_grad_1d(inp, param)[p], abs=1e-5)


CELL_CNN = """
from lincoln.layers import Dense
from lincoln.conv import Conv2D
from lincoln.losses import SoftmaxCrossEntropy
from lincoln.optimizers import SGDMomentum
from lincoln.activations import Tanh, Linear
from lincoln.network import NeuralNetwork
from lincoln.train import Trainer

model = NeuralNetwork(
    layers=[Conv2D(out_channels=16,
                   param_size=5,
                   dropout=0.8,
                   weight_init="glorot",
                   flatten=True,
                  activation=Tanh()),
            Dense(neurons=10,
                  activation=Linear())],
            loss = SoftmaxCrossEntropy(),
seed=20190402)

trainer = Trainer(model, SGDMomentum(lr = 0.1, momentum=0.9))
trainer.fit(X_train_conv, train_labels, X_test_conv, test_labels,
            epochs = 1,
            eval_every = 1,
            seed=20190402,
            batch_size=60,
            conv_testing=True)
print()
calc_accuracy_model(model, X_test_conv)
"""


def test_the_chapter_5_network_cell_trains_on_a_slice_of_mnist():
    from chainrule.book.utils import mnist

    try:
        X_train, y_train, X_test, y_test = mnist.load()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"MNIST is not available: {error}")
    X_train, y_train, X_test, y_test = X_train[:240], y_train[:240], X_test[:100], y_test[:100]
    mean, std = X_train.mean(), X_train.std()
    ns = {
        "X_train_conv": ((X_train - mean) / std).reshape(-1, 1, 28, 28),
        "X_test_conv": ((X_test - mean) / std).reshape(-1, 1, 28, 28),
        "train_labels": np.eye(10)[y_train], "test_labels": np.eye(10)[y_test],
        "calc_accuracy_model": lambda model, test_set: print(
            f"The model validation accuracy is: "
            f"{np.equal(np.argmax(model.forward(test_set, inference=True), axis=1), y_test).sum() * 100.0 / test_set.shape[0]:.2f}%"),
    }
    printed, ns = run_cell(CELL_CNN, ns)
    batch_losses = numbers_after(printed, "loss")
    assert len(batch_losses) == 1 and np.isfinite(batch_losses[0])  # conv_testing: batch 0's loss
    (accuracy,) = numbers_after(printed, "accuracy is:")
    assert accuracy > 20.0  # four steps away from chance (10 %)
    conv = ns["model"].layers[0].operations[0]
    assert conv.padding_pixels == (2, 2) and conv.bias is None  # the book pads to keep the size, and has no bias
