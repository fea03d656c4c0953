"""MaxPool2D / AvgPool2D layers: shapes, gradients, configuration round trip."""

import numpy as np
import pytest
from harness import check_layer_gradients

import chainrule as cr
from chainrule.layers import AvgPool2D, MaxPool2D


@pytest.mark.parametrize("layer, shape", [
    (MaxPool2D(2), (3, 2, 14, 14)),
    (MaxPool2D(3, stride=2, padding=1), (3, 2, 14, 14)),
    (AvgPool2D(2), (3, 2, 14, 14)),
    (AvgPool2D((2, 4), stride=1), (3, 2, 27, 25)),
], ids=repr)
def test_output_shapes(layer, shape):
    assert layer(np.zeros((3, 2, 28, 28))).shape == shape


def test_stride_defaults_to_the_kernel_size():
    assert MaxPool2D(3).stride == (3, 3) and AvgPool2D(2, stride=1).stride == (1, 1)


@pytest.mark.parametrize("layer", [MaxPool2D(2), MaxPool2D(3, 2, 1), AvgPool2D(2), AvgPool2D(3, 1, 1)], ids=repr)
def test_gradients(layer):
    x = np.random.default_rng(0).permutation(np.arange(2 * 2 * 6 * 6, dtype=float)).reshape(2, 2, 6, 6) * 0.1
    check_layer_gradients(layer, x)


def test_configuration_survives_save_and_load(tmp_path):
    net = cr.NeuralNetwork([MaxPool2D(3, stride=2, padding=1), AvgPool2D((2, 1)), cr.Flatten()], cr.MeanSquaredError())
    net.save(tmp_path / "pools.npz")
    loaded = cr.load(tmp_path / "pools.npz")
    x = np.random.default_rng(0).standard_normal((2, 1, 9, 9))
    assert repr(loaded) == repr(net)
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))


def test_bad_kernel_is_explained():
    with pytest.raises(ValueError, match="MaxPool2D: kernel_size must be at least 1"):
        MaxPool2D(0)


def test_ceil_mode_and_count_include_pad_match_torch_and_survive_save(tmp_path):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    net = cr.NeuralNetwork([cr.MaxPool2D(2, ceil_mode=True),
                            cr.AvgPool2D(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)])
    expected = torch.nn.functional.avg_pool2d(torch.nn.functional.max_pool2d(torch.tensor(x), 2, ceil_mode=True),
                                              3, 2, 1, ceil_mode=True, count_include_pad=False)
    np.testing.assert_allclose(net.predict(x.astype(np.float32)), expected.numpy(), rtol=1e-5, atol=1e-6)
    net.save(tmp_path / "pools.npz")
    back = cr.load(tmp_path / "pools.npz")
    assert back.layers[0].ceil_mode and not back.layers[1].count_include_pad
