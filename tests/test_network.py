"""NeuralNetwork: forward, predict, train_batch, evaluate, errors."""

import numpy as np
import pytest

import chainrule as cr


def _net(**kwargs):
    return cr.NeuralNetwork([cr.Dense(6, "tanh"), cr.Dropout(0.5), cr.Dense(3)], cr.SoftmaxCrossEntropy(), seed=0, **kwargs)


def test_predict_is_deterministic_eval_mode_and_restores_training():
    net = _net()
    x = np.random.default_rng(0).standard_normal((8, 4))
    first, second = net.predict(x), net.predict(x)
    np.testing.assert_array_equal(first, second)  # dropout off
    assert net.training
    np.testing.assert_array_equal(net.predict(x, batch_size=3), first)


def test_train_batch_fills_gradients_and_returns_the_loss():
    net = _net()
    x, y = np.ones((4, 4)), np.array([0, 1, 2, 0])
    value = net.train_batch(x, y)
    assert value > 0 and all(p.grad is not None for p in net.parameters())


def test_evaluate_reports_loss_and_accuracy():
    net = _net()
    x, y = np.random.default_rng(1).standard_normal((10, 4)), np.arange(10) % 3
    scores = net.evaluate(x, y)
    assert set(scores) == {"loss", "accuracy"} and 0 <= scores["accuracy"] <= 1


def test_bad_construction_is_explained():
    with pytest.raises(TypeError, match="non-empty list of layers"):
        cr.NeuralNetwork([])
    with pytest.raises(TypeError, match="loss must be a Loss"):
        cr.NeuralNetwork([cr.Dense(1)], loss="mse")
    with pytest.raises(ValueError, match="has no loss"):
        cr.NeuralNetwork([cr.Dense(1)]).train_batch(np.ones((1, 2)), np.ones((1, 1)))


def test_object_arrays_are_refused():
    with pytest.raises(TypeError, match="numeric input"):
        _net().predict(np.array([["a", "b", "c", "d"]], dtype=object))


@pytest.mark.parametrize("batch_size", [0, -5, 2.5, True])
def test_predict_refuses_a_bad_batch_size(batch_size):
    net = cr.NeuralNetwork([cr.Dense(2, input_size=3)], seed=0)
    with pytest.raises(ValueError, match="predict: batch_size must be a positive integer"):
        net.predict(np.ones((4, 3)), batch_size=batch_size)


@pytest.mark.parametrize("X, error, message", [
    (3.0, ValueError, "predict: X must be a batch"),
    (None, TypeError, "predict: X must be numeric input"),
    ([[1.0, 2.0, 3.0], [4.0]], ValueError, "predict: X must be a rectangular array"),
])
def test_predict_explains_inputs_that_are_not_a_batch(X, error, message):
    net = cr.NeuralNetwork([cr.Dense(2, input_size=3)], seed=0)
    with pytest.raises(error, match=message):
        net.predict(X)


@pytest.mark.parametrize("seed", [-1, 1.5, "abc", True])
def test_a_network_seed_must_be_a_non_negative_integer(seed):
    with pytest.raises(ValueError, match="NeuralNetwork: seed must be a non-negative integer"):
        cr.NeuralNetwork([cr.Dense(2)], seed=seed)
