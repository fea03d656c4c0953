"""PyTorch interop: to_torch and from_torch give equal outputs in float64."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.interop import from_torch, to_torch

torch = pytest.importorskip("torch")


def _net():
    net = cr.NeuralNetwork(
        [cr.Dense(6, "tanh", input_size=4), cr.Dropout(0.2), cr.Dense(5, cr.LeakyReLU(0.1)), cr.Dense(3, "sigmoid"),
         cr.Dense(2), cr.Softmax()],
        seed=0,
    ).to(np.float64)
    net.predict(np.zeros((1, 4)))
    return net


def test_to_torch_gives_equal_outputs_and_gradients():
    net = _net()
    module = to_torch(net).eval()
    x = np.random.default_rng(0).standard_normal((5, 4))
    tx = torch.tensor(x, requires_grad=True)
    np.testing.assert_allclose(module(tx).detach().numpy(), net.predict(x), rtol=1e-12)
    net.eval()
    ox = cr.Tensor(x, requires_grad=True, dtype=np.float64)
    (net(ox) ** 2).sum().backward()
    (module(tx) ** 2).sum().backward()
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-10)


def test_round_trip_through_torch_keeps_the_function():
    net = _net()
    back = from_torch(to_torch(net))
    x = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_allclose(back.predict(x), net.predict(x), rtol=1e-12)
    assert back.dtype == np.float64


def test_from_torch_sequential_of_linear_layers():
    module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).double()
    net = from_torch(module)
    x = np.random.default_rng(2).standard_normal((6, 3))
    np.testing.assert_allclose(net.predict(x), module(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_unsupported_modules_are_named():
    with pytest.raises(NotImplementedError, match="no chainrule equivalent for Bilinear"):
        from_torch(torch.nn.Bilinear(2, 2, 2))
