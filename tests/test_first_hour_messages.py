"""Messages that guess the intent of a Keras or PyTorch habit (issue 17, item 21)."""

import numpy as np
import pytest

import chainrule as cr


def test_pytorchs_linear_in_out_order_suggests_dense_with_input_size():
    with pytest.raises(TypeError, match=r"did you mean Dense\(16, input_size=2\)\?"):
        cr.Dense(2, 16)


def test_one_output_with_softmax_cross_entropy_and_yes_no_labels_says_what_to_change():
    net = cr.NeuralNetwork([cr.Dense(1)], cr.SoftmaxCrossEntropy(), seed=0)
    X, y = np.zeros((4, 3)), np.array([0, 1, 1, 0])
    with pytest.raises(ValueError, match=r"last layer has 1 output.*2 outputs \(Dense\(2\)\).*BinaryCrossEntropy"):
        cr.Trainer(net, cr.SGD(lr=0.1), quiet=True).fit(X, y, epochs=1)


def test_dense_with_softmax_says_the_loss_applies_it():
    with pytest.raises(ValueError, match=r"the loss applies the softmax.*write Dense\(2\)"):
        cr.Dense(2, "softmax")


def test_a_softmax_layer_before_softmax_cross_entropy_is_refused():
    with pytest.raises(ValueError, match="SoftmaxCrossEntropy applies the softmax itself"):
        cr.NeuralNetwork([cr.Dense(2), cr.Softmax()], cr.SoftmaxCrossEntropy())
