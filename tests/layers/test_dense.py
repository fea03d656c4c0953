"""Dense: lazy sizing, initialisation, gradients, PyTorch parity, errors."""

import numpy as np
import pytest
from harness import HAS_TORCH, check_layer_gradients

import chainrule as cr


@pytest.mark.parametrize("activation", [None, "sigmoid", "tanh", cr.LeakyReLU(0.1)])
def test_gradients(activation):
    layer = cr.Dense(4, activation=activation)
    layer.seed(0)
    check_layer_gradients(layer, np.random.default_rng(1).standard_normal((5, 3)))


def test_relu_gradients_away_from_the_kink():
    layer = cr.Dense(3, activation="relu", input_size=2)
    layer.seed(0)
    x = np.random.default_rng(2).standard_normal((4, 2))
    layer.to(np.float64)
    z = x @ layer.weight.data
    layer.bias.data[:] = np.where(np.abs(z).min(axis=0) < 0.05, 0.5, 0.0)
    check_layer_gradients(layer, x)


def test_input_size_is_inferred_on_first_use():
    layer = cr.Dense(7)
    assert layer.parameters() == []
    out = layer(np.ones((2, 5)))
    assert out.shape == (2, 7) and layer.weight.shape == (5, 7) and layer.bias.shape == (7,)
    assert layer.input_size == 5


@pytest.mark.parametrize("scheme, expected_std", [("standard", 1.0), ("glorot", np.sqrt(2 / 700)), ("he", np.sqrt(2 / 400))])
def test_initial_weight_scale(scheme, expected_std):
    layer = cr.Dense(300, weight_init=scheme, input_size=400)
    layer.seed(0)
    assert layer.weight.data.std() == pytest.approx(expected_std, rel=0.02)
    assert np.all(layer.bias.data == 0)


def test_forgotten_flatten_is_explained():
    layer = cr.Dense(10)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, n_in\), got \(N, 28, 28\); did you forget Flatten\(\)\?"):
        layer(np.zeros((4, 28, 28)))


def test_wrong_feature_count_is_explained():
    layer = cr.Dense(10, input_size=784)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 784\), got \(4, 100\)"):
        layer(np.zeros((4, 100)))


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_bad_neuron_count(bad):
    with pytest.raises(ValueError, match="positive integer"):
        cr.Dense(bad)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_matches_torch_linear_with_the_same_weights():
    import torch

    layer = cr.Dense(4, activation="tanh", input_size=3).to(np.float64)
    layer.seed(0)
    x = np.random.default_rng(0).standard_normal((6, 3))
    reference = torch.nn.Linear(3, 4).double()
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(layer.weight.data.T))
        reference.bias.copy_(torch.tensor(layer.bias.data))
    tx = torch.tensor(x, requires_grad=True)
    torch.tanh(reference(tx)).pow(2).sum().backward()
    ox = cr.Tensor(x, requires_grad=True, dtype=np.float64)
    (layer(ox) ** 2).sum().backward()
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.weight.grad.data, reference.weight.grad.numpy().T, rtol=1e-10)
    np.testing.assert_allclose(layer.bias.grad.data, reference.bias.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("kwargs, message", [
    ({"neurons": 8, "input_size": 2.7}, "input_size must be a positive integer, got 2.7"),
    ({"neurons": 8, "input_size": "4"}, "input_size must be a positive integer, got '4'"),
    ({"neurons": 8, "input_size": 0}, "input_size must be a positive integer, got 0"),
    ({"neurons": True}, "neurons must be a positive integer, got True"),
])
def test_sizes_must_be_true_integers(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cr.Dense(**kwargs)


def test_sizes_of_every_lazily_built_layer_are_checked():
    for make in (lambda: cr.layers.Conv2D(4, 3, in_channels=2.5), lambda: cr.layers.BatchNorm(True),
                 lambda: cr.layers.LSTM(4, input_size=True), lambda: cr.layers.Embedding(3.0, 4)):
        with pytest.raises(ValueError, match="must be a positive integer"):
            make()
