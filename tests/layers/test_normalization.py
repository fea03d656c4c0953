"""BatchNorm layer: lazy size, gradients, train/eval as torch.nn.BatchNorm1d/2d over steps, buffers, save/load."""

import numpy as np
import pytest
from harness import HAS_TORCH, check_layer_gradients

import chainrule as cr
from chainrule.layers import BatchNorm, Conv2D


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 3, 2)], ids=str)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_gradients(shape, training):
    layer = BatchNorm()
    layer.to(np.float64)
    rng = np.random.default_rng(0)
    layer(rng.standard_normal(shape))  # build, and move the running averages off their start
    layer.weight.data[...] = rng.standard_normal(3)
    layer.bias.data[...] = rng.standard_normal(3)
    layer.train(training)
    check_layer_gradients(layer, rng.standard_normal(shape) * 2 + 1)


def test_num_features_are_read_from_the_first_batch():
    layer = BatchNorm()
    assert layer.parameters() == [] and dict(layer.named_buffers()) == {}
    layer(np.ones((4, 5)))
    assert layer.weight.shape == layer.bias.shape == layer.running_mean.shape == (5,)
    assert sorted(layer.state_dict()) == ["bias", "running_mean", "running_var", "weight"]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("shape, reference", [((16, 4), "BatchNorm1d"), ((6, 4, 5, 5), "BatchNorm2d")])
def test_train_and_eval_follow_torch_over_several_steps(shape, reference):
    import torch

    ours = BatchNorm(momentum=0.2).to(np.float64)
    theirs = getattr(torch.nn, reference)(4, momentum=0.2).double()
    rng = np.random.default_rng(0)
    for step in range(5):
        x = rng.standard_normal(shape) * (1 + step) - step
        g = rng.standard_normal(shape)
        ox, tx = cr.Tensor(x, requires_grad=True, dtype=np.float64), torch.tensor(x, requires_grad=True)
        out, expected = ours(ox), theirs(tx)
        (out * g).sum().backward()
        (expected * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(), rtol=1e-9)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9, atol=1e-12)


def test_running_statistics_travel_through_state_dict_and_save(tmp_path):
    net = cr.NeuralNetwork([Conv2D(3, 3, padding=1), BatchNorm(), cr.Flatten(), cr.Dense(2)], cr.MeanSquaredError(), seed=0)
    rng = np.random.default_rng(1)
    for _ in range(3):
        net(rng.standard_normal((8, 1, 4, 4)) * 3 + 2)
    assert not np.allclose(net.layers[1].running_mean, 0)
    net.save(tmp_path / "bn.npz")
    loaded = cr.load(tmp_path / "bn.npz")
    np.testing.assert_array_equal(loaded.layers[1].running_mean, net.layers[1].running_mean)
    np.testing.assert_array_equal(loaded.layers[1].running_var, net.layers[1].running_var)
    x = rng.standard_normal((5, 1, 4, 4))
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))  # eval mode: uses the running averages
    fresh = cr.NeuralNetwork([Conv2D(3, 3, padding=1), BatchNorm(), cr.Flatten(), cr.Dense(2)], cr.MeanSquaredError())
    fresh.load_state_dict(net.state_dict())
    np.testing.assert_array_equal(fresh.layers[1].running_var, net.layers[1].running_var)


def test_eval_mode_leaves_the_running_statistics_alone():
    layer = BatchNorm(2)
    layer.eval()
    out = layer(np.full((3, 2), 7.0))
    np.testing.assert_allclose(out.data, 7.0 / np.sqrt(1 + 1e-5), rtol=1e-6)
    assert layer.running_mean.tolist() == [0, 0] and layer.running_var.tolist() == [1, 1]


def test_errors_are_explained():
    with pytest.raises(ValueError, match=r"\(N, C\) or \(N, C, H, W\), got \(2, 28, 28\).*x\[:, None\]"):
        BatchNorm()(np.zeros((2, 28, 28)))
    layer = BatchNorm(4)
    with pytest.raises(ValueError, match=r"expected 4 channels on axis 1, got input \(2, 3\)"):
        layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="more than one value per channel"):
        layer(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="momentum must be in"):
        BatchNorm(momentum=1.5)
