"""PyTorch interop: networks through to_torch and from_torch give equal outputs and gradients in float64."""

import copy

import numpy as np
import pytest

import chainrule as cr
from chainrule.interop import RecurrentOutputs, UnsupportedLayerError, from_torch, to_torch
from chainrule.layers import LSTM, BatchNorm, Conv2D, Embedding, MaxPool2D, TimeDistributed

torch = pytest.importorskip("torch", reason="the PyTorch interop tests need torch")
nn = torch.nn


def _net():
    net = cr.NeuralNetwork(
        [cr.Dense(6, "tanh", input_size=4), cr.Dropout(0.2), cr.Dense(5, cr.LeakyReLU(0.1)), cr.Dense(3, "sigmoid"),
         cr.Dense(2), cr.Softmax()],
        seed=0,
    ).to(np.float64)
    net.predict(np.zeros((1, 4)))
    return net


def _cnn():
    """conv → pool → BatchNorm → flatten → dense, every weight and running statistic random."""
    net = cr.NeuralNetwork([Conv2D(3, 3, padding="same", activation="relu"), MaxPool2D(2), BatchNorm(), cr.Flatten(),
                            cr.Dense(5, "tanh"), cr.Dense(3)], seed=0).to(np.float64)
    net.predict(np.zeros((1, 2, 8, 8)))
    rng = np.random.default_rng(1)
    batch_norm = net.layers[2]
    for array in (batch_norm.weight.data, batch_norm.bias.data, batch_norm.running_mean):
        array[...] = rng.standard_normal(3)
    batch_norm.running_var[...] = rng.uniform(0.5, 2.0, 3)
    net.layers[0].bias.data[...] = 0.1 * rng.standard_normal(3)
    return net


def _char_model():
    """Embedding → LSTM (2 layers) → Dense at every step."""
    net = cr.NeuralNetwork([Embedding(7, 5), RecurrentOutputs(LSTM(6, num_layers=2)), TimeDistributed(cr.Dense(7))],
                           seed=2).to(np.float64)
    net.predict(np.zeros((1, 4), dtype=int))
    return net


def _close(ours, theirs, rtol=1e-10):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * 1e-2)


def _gradients_as_torch(net):
    """Our parameter gradients in PyTorch's layout and order: a copy of `net` holding them as its weights, converted."""
    holder = copy.deepcopy(net)
    for weight, parameter in zip(holder.parameters(), net.parameters()):
        weight.data = parameter.grad.data.copy()
    return [p.detach().numpy() for p in to_torch(holder).parameters()]


def _compare_gradients(net, module, x, tx):
    """The same randomly weighted sum of the outputs, differentiated by each framework."""
    ours, theirs = net(x), module(tx)
    weights = np.random.default_rng(9).standard_normal(ours.shape)
    (ours * cr.Tensor(weights, dtype=np.float64)).sum().backward()
    (theirs * torch.from_numpy(weights)).sum().backward()
    expected = [p.grad.numpy() for p in module.parameters()]
    got = _gradients_as_torch(net)
    assert len(got) == len(expected)
    for mine, yours in zip(got, expected):
        _close(mine, yours)


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


def test_cnn_outputs_statistics_and_gradients_agree():
    net = _cnn()
    module = to_torch(net)
    assert [type(m).__name__ for m in module] == ["Conv2d", "ReLU", "MaxPool2d", "BatchNorm2d", "Flatten", "Linear",
                                                   "Tanh", "Linear"]
    assert module[0].padding == "same"
    x = np.random.default_rng(3).standard_normal((6, 2, 8, 8))
    net.eval(), module.eval()
    _close(net(x).data, module(torch.from_numpy(x)))  # running statistics
    net.train(), module.train()
    tx = torch.from_numpy(x)
    _compare_gradients(net, module, x, tx)  # batch statistics; one step moves both running averages
    _close(net.layers[2].running_mean, module[3].running_mean)
    _close(net.layers[2].running_var, module[3].running_var)
    x2 = np.random.default_rng(4).standard_normal((3, 2, 8, 8))
    net.eval(), module.eval()
    _close(net(x2).data, module(torch.from_numpy(x2)))


def test_cnn_round_trip_keeps_the_layers_and_the_function():
    net = _cnn()
    back = from_torch(to_torch(net))
    assert [type(layer) for layer in back.layers] == [type(layer) for layer in net.layers]
    assert isinstance(back.layers[0].activation, cr.ReLU) and back.layers[0].padding == "same"
    x = np.random.default_rng(5).standard_normal((4, 2, 8, 8))
    _close(back.predict(x), net.predict(x))
    _close(back.train()(x).data, net.train()(x).data)


def test_char_model_outputs_and_gradients_agree():
    net = _char_model()
    module = to_torch(net)
    assert [type(m).__name__ for m in module] == ["Embedding", "TorchRecurrentOutputs", "Linear"]
    tokens = np.random.default_rng(6).integers(0, 7, (3, 9))
    _close(net.predict(tokens), module.eval()(torch.from_numpy(tokens)))
    _compare_gradients(net, module.train(), tokens, torch.from_numpy(tokens))


def test_char_model_round_trip_makes_the_dense_time_distributed_again():
    net = _char_model()
    back = from_torch(to_torch(net))
    assert [type(layer) for layer in back.layers] == [Embedding, RecurrentOutputs, TimeDistributed]
    assert back.layers[1].layer.num_layers == 2
    tokens = np.random.default_rng(7).integers(0, 7, (2, 5))
    _close(back.predict(tokens), net.predict(tokens))


@pytest.mark.parametrize("layers, kind", [
    ([cr.Dense(3, input_size=2), BatchNorm(3)], "BatchNorm1d"),
    ([BatchNorm(2), cr.Dense(3, input_size=2)], "BatchNorm1d"),
    ([Conv2D(3, 1, in_channels=2), cr.ReLU(), cr.Dropout(0.1), BatchNorm(3)], "BatchNorm2d"),
    ([BatchNorm(2), Conv2D(3, 1, in_channels=2)], "BatchNorm2d"),
    ([MaxPool2D(2), BatchNorm(3), cr.Flatten()], "BatchNorm2d"),
    ([BatchNorm(3)], "BatchNorm1d"),
], ids=["after dense", "before dense", "after conv", "before conv", "after pool", "alone"])
def test_batch_norm_becomes_1d_or_2d_as_its_neighbours_show(layers, kind):
    assert kind in [type(m).__name__ for m in to_torch(cr.NeuralNetwork(layers))]


def test_from_torch_splices_nested_sequentials_and_folds_activations():
    module = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 2), nn.Tanh()), nn.Softmax(-1))
    net = from_torch(module.double())
    assert [type(layer) for layer in net.layers] == [cr.Dense, cr.Dense, cr.Softmax]
    assert isinstance(net.layers[0].activation, cr.ReLU) and isinstance(net.layers[1].activation, cr.Tanh)
    x = np.random.default_rng(8).standard_normal((4, 3))
    _close(net.predict(x), module(torch.from_numpy(x)))


def test_train_and_eval_mode_cross_both_ways():
    assert not to_torch(_net().eval()).training and to_torch(_net().train()).training
    assert not from_torch(nn.Sequential(nn.Linear(2, 2)).eval()).training


def test_a_layer_with_a_torch_module_method_converts():
    class Unflatten(cr.Layer):
        def forward(self, x):
            return x.reshape((x.shape[0], 2, 3))

        def torch_module(self):
            return nn.Unflatten(1, (2, 3))

    module = to_torch(cr.NeuralNetwork([cr.Dense(6, input_size=4), Unflatten()]))
    assert isinstance(module[1], nn.Unflatten)


def test_unsupported_layers_are_named_with_what_is_supported():
    class Custom(cr.Layer):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match=r"no PyTorch equivalent for Custom; supported: \[.*'Conv2D'"):
        to_torch(cr.NeuralNetwork([Custom()]))


def test_unsupported_modules_are_named():
    with pytest.raises(UnsupportedLayerError, match="no chainrule equivalent for Bilinear; supported"):
        from_torch(torch.nn.Bilinear(2, 2, 2))
    with pytest.raises(NotImplementedError):  # what these functions raised before: still caught by old code
        from_torch(torch.nn.Bilinear(2, 2, 2))
