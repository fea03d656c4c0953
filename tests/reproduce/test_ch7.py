"""Chapter 7 in quick mode: the rows exist; the book's PyTorch initialisation; the reconstruction figure."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.reproduce import ch5, ch7

DATA = Path(__file__).resolve().parents[2] / "data"
needs_mnist = pytest.mark.skipif(not (DATA / "mnist" / "train-images-idx3-ubyte.gz").exists(), reason="MNIST is absent")


@needs_mnist
def test_quick_run_gives_both_rows_and_a_figure(tmp_path, monkeypatch):
    monkeypatch.setattr(ch5, "QUICK_TRAIN", 120)  # two batches: the run itself is what is tested here
    monkeypatch.setattr(ch5, "QUICK_TEST", 60)
    png = tmp_path / "reconstructions.png"
    rows = ch7.run(str(DATA), quick=True, with_torch=False, png=str(png))
    assert [r.metric for r in rows] == ["test accuracy %", "test MSE", "test MSE"]
    assert rows[0].book == pytest.approx(0.9698) and rows[1].book == pytest.approx(0.0693)
    assert 0 <= rows[0].ours <= 1 and 0 < rows[1].ours < 2 and 0 < rows[2].ours < 2
    assert "ConvTranspose2D" in rows[2].experiment and rows[2].book is None and "mean image" in rows[2].bar
    if importlib.util.find_spec("matplotlib") is not None:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pytorch_default_initialisation_bounds():
    net = ch7.book_cnn()
    conv, dense = net.layers[0], net.layers[5]
    assert np.abs(conv.weight.data).max() <= 1 / np.sqrt(25) and np.abs(conv.weight.data).max() > 0.9 / np.sqrt(25)
    assert np.abs(dense.weight.data).max() <= 1 / np.sqrt(7 * 28 * 28)
    assert np.abs(conv.bias.data).max() > 0  # biases are drawn too, as PyTorch does


def test_autoencoder_reconstructs_the_input_shape_through_a_28_number_code():
    net = ch7.autoencoder()
    x = np.zeros((2, 1, 28, 28), np.float32)
    assert net.predict(x).shape == (2, 1, 28, 28)
    assert net.layers[3].neurons == ch7.CODE_SIZE


def test_scaling_maps_the_training_range_onto_minus_one_to_one():
    train, test = ch7.scaled_to_unit_range(np.array([[2.0, 4.0, 6.0]]), np.array([[4.0, 8.0]]))
    np.testing.assert_allclose(train, [[-1, 0, 1]])
    np.testing.assert_allclose(test, [[0, 2]])


def test_unflatten_round_trips_through_save(tmp_path):
    net = cr.NeuralNetwork([cr.Flatten(), ch7.Unflatten((2, 3, 3))], cr.MeanSquaredError())
    net.save(tmp_path / "u.npz")
    x = np.arange(36.0).reshape(2, 2, 3, 3)
    np.testing.assert_array_equal(cr.load(tmp_path / "u.npz").predict(x), x)


def test_upsampling_autoencoder_decodes_with_conv_transpose_through_the_same_code():
    net = ch7.upsampling_autoencoder()
    assert net.predict(np.zeros((2, 1, 28, 28), np.float32)).shape == (2, 1, 28, 28)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds[-2:] == ["ConvTranspose2D", "ConvTranspose2D"] and net.layers[3].neurons == ch7.CODE_SIZE
    bound = 1 / np.sqrt(1 * 4 * 4)  # PyTorch's fan_in of ConvTranspose2d(14 → 1, 4×4): weight.size(1)·k·k
    assert 0.9 * bound < np.abs(net.layers[-1].weight.data).max() <= bound
