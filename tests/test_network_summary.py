"""`NeuralNetwork.summary()`: the Keras user's first table, without changing the network."""

import numpy as np

import chainrule as cr
from chainrule.layers import Conv2D, MaxPool2D


def test_summary_of_a_cnn_shows_each_output_shape_and_count_and_builds_nothing():
    net = cr.NeuralNetwork([Conv2D(4, 3, padding=1, activation="tanh"), MaxPool2D(2), cr.Flatten(), cr.Dense(10)],
                           cr.SoftmaxCrossEntropy(), seed=0)
    lines = []
    net.summary(input_shape=(1, 8, 8), print_fn=lines.append)
    assert lines[1].split()[1:] == ["Conv2D(tanh)", "(N,", "4,", "8,", "8)", "40"]
    assert lines[3].split()[-3:] == ["(N,", "64)", "0"] and lines[4].split()[-3:] == ["(N,", "10)", "650"]
    assert lines[-1] == "total: 690 parameters, float32"
    assert net.layers[0].weight is None  # sized on a copy: the network still draws its weights on first use
    net.predict(np.zeros((1, 1, 8, 8)))
    assert sum(p.size for p in net.parameters()) == 690


def test_without_an_input_shape_a_lazy_network_says_what_it_does_not_know():
    lines = []
    cr.NeuralNetwork([cr.Dense(3)], seed=0).summary(print_fn=lines.append)
    assert "?" in lines[1] and "pass input_shape=" in lines[-1]
