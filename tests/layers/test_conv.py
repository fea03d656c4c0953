"""Conv2D layer: gradients, lazy in-channels, initialisation, PyTorch parity, save/load, explained errors."""

import numpy as np
import pytest
from harness import HAS_TORCH, check_layer_gradients

import chainrule as cr
from chainrule.layers import Conv2D, ConvTranspose2D, MaxPool2D


@pytest.mark.parametrize("kwargs", [
    {"activation": "tanh", "padding": 1},
    {"stride": 2, "bias": False},
    {"padding": "same", "activation": cr.LeakyReLU(0.1)},
    {"kernel_size": (2, 3), "dilation": (2, 1), "activation": "sigmoid"},
], ids=str)
def test_gradients(kwargs):
    kwargs = {"kernel_size": 3, **kwargs}
    layer = Conv2D(3, **kwargs)
    layer.seed(0)
    check_layer_gradients(layer, np.random.default_rng(1).standard_normal((2, 2, 6, 5)))


def test_in_channels_are_read_from_the_first_batch():
    layer = Conv2D(8, 5, padding=2)
    assert layer.parameters() == []
    out = layer(np.zeros((3, 4, 10, 10)))
    assert out.shape == (3, 8, 10, 10) and layer.weight.shape == (8, 4, 5, 5) and layer.bias.shape == (8,)
    assert layer.in_channels == 4


def test_explicit_in_channels_build_at_once():
    assert Conv2D(6, 3, in_channels=2).weight.shape == (6, 2, 3, 3)


def test_glorot_counts_the_kernel_area_in_the_fans():
    layer = Conv2D(64, 5, in_channels=32)
    layer.seed(0)
    assert layer.weight.data.std() == pytest.approx(np.sqrt(2 / (32 * 25 + 64 * 25)), rel=0.02)
    assert np.all(layer.bias.data == 0)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_matches_torch_conv2d_with_the_same_weights():
    import torch

    layer = Conv2D(4, 3, stride=2, padding=1, activation="tanh", in_channels=3).to(np.float64)
    layer.seed(0)
    reference = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1).double()
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(layer.weight.data))
        reference.bias.copy_(torch.tensor(np.random.default_rng(2).standard_normal(4)))
    layer.bias.data[...] = reference.bias.detach().numpy()
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    tx = torch.tensor(x, requires_grad=True)
    torch.tanh(reference(tx)).pow(2).sum().backward()
    ox = cr.Tensor(x, requires_grad=True, dtype=np.float64)
    (layer(ox) ** 2).sum().backward()
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.weight.grad.data, reference.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.bias.grad.data, reference.bias.grad.numpy(), rtol=1e-10)


def test_save_and_load_round_trip(tmp_path):
    net = cr.NeuralNetwork(
        [Conv2D(4, 3, padding="same", activation="relu"), MaxPool2D(2), Conv2D(2, (3, 2), stride=(1, 2), bias=False),
         cr.Flatten(), cr.Dense(3)],
        cr.SoftmaxCrossEntropy(), seed=1,
    )
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8))
    expected = net.predict(x)
    net.save(tmp_path / "cnn.npz")
    loaded = cr.load(tmp_path / "cnn.npz")
    np.testing.assert_array_equal(loaded.predict(x), expected)
    assert repr(loaded) == repr(net)


def test_dense_after_a_feature_map_asks_for_flatten():
    net = cr.NeuralNetwork([Conv2D(4, 3), cr.Dense(10)])
    with pytest.raises(ValueError, match=r"got \(N, 4, 6, 6\); did you forget Flatten\(\)\?"):
        net(np.zeros((2, 1, 8, 8)))


def test_grayscale_images_without_a_channel_axis_are_explained():
    with pytest.raises(ValueError, match=r"Conv2D\(16, 5×5\) needs input of shape \(N, C, H, W\), got \(2, 28, 28\).*x\[:, None\]"):
        Conv2D(16, 5)(np.zeros((2, 28, 28)))


def test_kernel_larger_than_the_padded_image_is_explained():
    with pytest.raises(ValueError, match=r"kernel's height 5 is larger than the padded input's height 4.*padding of at least 1"):
        Conv2D(2, 5)(np.zeros((1, 1, 4, 8)))


def test_channels_other_than_the_built_ones_are_explained():
    layer = Conv2D(2, 3, in_channels=3)
    with pytest.raises(ValueError, match=r"built for 3 input channels but got input of shape \(1, 1, 5, 5\)"):
        layer(np.zeros((1, 1, 5, 5)))


def test_same_padding_needs_an_odd_kernel_and_stride_one():
    with pytest.raises(ValueError, match="padding='same' needs stride 1 and an odd kernel"):
        Conv2D(2, 4, padding="same")


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_out_channels(bad):
    with pytest.raises(ValueError, match="positive integer"):
        Conv2D(bad, 3)


def test_float64_input_to_float32_layer_is_explained():
    with pytest.raises(TypeError, match="float32 weights but got a float64 input"):
        Conv2D(2, 3)(cr.Tensor(np.zeros((1, 1, 5, 5)), dtype=np.float64))


def test_grouped_conv2d_gradients_weight_shape_and_save_load(tmp_path):
    layer = Conv2D(6, 3, padding=1, groups=2, activation="tanh")
    layer.seed(0)
    check_layer_gradients(layer, np.random.default_rng(1).standard_normal((2, 4, 4, 4)))
    assert layer.weight.shape == (6, 2, 3, 3) and layer.in_channels == 4
    net = cr.NeuralNetwork([Conv2D(6, 3, groups=3)], seed=0)
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 5)).astype(np.float32)
    expected = net.predict(x)
    net.save(tmp_path / "g.npz")
    np.testing.assert_array_equal(cr.load(tmp_path / "g.npz").predict(x), expected)
    with pytest.raises(ValueError, match="must divide both"):
        Conv2D(6, 3, groups=4)


@pytest.mark.parametrize("kwargs", [
    {"stride": 2, "padding": 1, "activation": "tanh"},
    {"kernel_size": (2, 3), "output_padding": (1, 0), "stride": (2, 1), "bias": False},
], ids=str)
def test_conv_transpose_gradients(kwargs):
    kwargs = {"kernel_size": 3, **kwargs}
    layer = ConvTranspose2D(3, **kwargs)
    layer.seed(0)
    check_layer_gradients(layer, np.random.default_rng(1).standard_normal((2, 2, 3, 4)))


def test_conv_transpose_upsamples_and_round_trips_through_save(tmp_path):
    layer = ConvTranspose2D(4, 4, stride=2, padding=1)
    assert layer(np.zeros((2, 3, 7, 7), np.float32)).shape == (2, 4, 14, 14)
    assert layer.weight.shape == (3, 4, 4, 4) and layer.in_channels == 3
    net = cr.NeuralNetwork([ConvTranspose2D(2, 3, stride=2, activation="relu")], seed=0)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    expected = net.predict(x)
    net.save(tmp_path / "t.npz")
    np.testing.assert_array_equal(cr.load(tmp_path / "t.npz").predict(x), expected)


def test_conv_transpose_refuses_other_channel_counts():
    layer = ConvTranspose2D(2, 3, in_channels=4)
    with pytest.raises(ValueError, match="built for 4 input channels"):
        layer(np.zeros((1, 3, 5, 5), np.float32))
