"""Toy 2-D problems: shapes, balance, reproducibility, learnability."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import TOY_KINDS, make_toy


@pytest.mark.parametrize("kind", TOY_KINDS)
def test_shapes_labels_and_seed(kind):
    X, y = make_toy(kind, n=100, noise=0.05, seed=3)
    assert X.shape == (100, 2) and y.shape == (100,) and set(y.tolist()) == {0, 1}
    assert 30 <= y.sum() <= 70
    X2, y2 = make_toy(kind, n=100, noise=0.05, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize("kind", ["circles", "xor", "blobs"])
def test_a_small_network_learns_each_problem(kind):
    X, y = make_toy(kind, n=300, noise=0.02, seed=0)
    net = cr.NeuralNetwork([cr.Dense(8, "tanh"), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=0)
    cr.Trainer(net, cr.Adam(lr=0.05), quiet=True).fit(X, y, epochs=60, batch_size=30, early_stopping=False)
    assert net.evaluate(X, y)["accuracy"] > 0.93


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "moons"}, "kind must be one of"), ({"kind": "xor", "n": 1}, "n must be"), ({"kind": "xor", "noise": 2}, "noise"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_toy(**kwargs)
