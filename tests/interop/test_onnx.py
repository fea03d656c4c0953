"""ONNX export: onnxruntime computes what chainrule computes (float32, 1e-5)."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.interop import RecurrentOutputs, UnsupportedLayerError
from chainrule.interop.onnx import to_onnx
from chainrule.layers import (
    GRU, LSTM, RNN, AvgPool2D, BatchNorm, Conv2D, ConvTranspose2D, Embedding, MaxPool2D, TimeDistributed,
)

ort = pytest.importorskip("onnxruntime", reason="the ONNX export tests need onnxruntime")
pytest.importorskip("onnx", reason="the ONNX export tests need onnx")


def _run(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


@pytest.mark.parametrize("layers", [
    [cr.Dense(16, "tanh"), cr.Dropout(0.3), cr.Dense(8, "relu"), cr.Dense(4, "sigmoid"), cr.Dense(3)],
    [cr.Dense(6, cr.LeakyReLU(0.1)), cr.Dense(3), cr.Softmax()],
])
def test_mlp_matches_onnxruntime(tmp_path, layers):
    net = cr.NeuralNetwork(layers, seed=0)
    path = tmp_path / "mlp.onnx"
    to_onnx(net, path, input_shape=(5,))
    x = np.random.default_rng(1).standard_normal((7, 5)).astype(np.float32)
    np.testing.assert_allclose(_run(path, x), net.predict(x), rtol=1e-5, atol=1e-6)


def test_flatten_then_dense_and_dynamic_batch(tmp_path):
    net = cr.NeuralNetwork([cr.Flatten(), cr.Dense(4)], seed=0)
    path = tmp_path / "flat.onnx"
    to_onnx(net, path, input_shape=(2, 3, 3))
    for batch in (1, 9):
        x = np.random.default_rng(batch).standard_normal((batch, 2, 3, 3)).astype(np.float32)
        np.testing.assert_allclose(_run(path, x), net.predict(x), rtol=1e-5, atol=1e-6)


def _randomize_batch_norms(net, seed=0):
    """Random scale, shift and running statistics, so that evaluation mode is not the identity."""
    rng = np.random.default_rng(seed)
    for layer in net.all_layers():
        if isinstance(layer, BatchNorm):
            for array in (layer.weight.data, layer.bias.data, layer.running_mean):
                array[...] = rng.standard_normal(array.shape)
            layer.running_var[...] = rng.uniform(0.5, 2.0, layer.running_var.shape)


def _compare(tmp_path, net, x, input_shape):
    path = tmp_path / "net.onnx"
    to_onnx(net, path, input_shape=input_shape)
    np.testing.assert_allclose(_run(path, x), net.predict(x), rtol=1e-5, atol=1e-5)


def _images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_small_cnn_matches_onnxruntime_before_and_after_a_training_step(tmp_path):
    net = cr.NeuralNetwork([Conv2D(4, 3, padding="same", activation="relu"), MaxPool2D(2), BatchNorm(),
                            cr.Flatten(), cr.Dense(6, "tanh"), cr.Dense(3)], cr.SoftmaxCrossEntropy(), seed=0)
    net.predict(_images((1, 2, 8, 8)))
    _randomize_batch_norms(net)
    x = _images((5, 2, 8, 8), seed=1)
    _compare(tmp_path, net, x, (2, 8, 8))
    net.train_batch(x, np.array([0, 1, 2, 0, 1]))  # moves the running statistics
    _compare(tmp_path, net, _images((3, 2, 8, 8), seed=2), (2, 8, 8))


@pytest.mark.parametrize("layers", [
    [Conv2D(3, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), activation="tanh", bias=False)],
    [Conv2D(2, 3, padding="same", dilation=2, activation=cr.LeakyReLU(0.2)), AvgPool2D(3, stride=2, padding=1)],
    [Conv2D(3, 1, activation="sigmoid"), MaxPool2D(3, stride=2, padding=1), AvgPool2D((2, 3))],
    [Conv2D(3, 3, activation=cr.Softmax(1)), BatchNorm(), cr.Flatten(), cr.Dense(2), BatchNorm()],
    [Conv2D(4, 3, padding=1, groups=2, activation="relu"), Conv2D(4, 3, groups=4)],
    [MaxPool2D(2, stride=2, ceil_mode=True), AvgPool2D(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)],
    [ConvTranspose2D(3, 4, stride=2, padding=1, activation="tanh"),
     ConvTranspose2D(2, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2), dilation=(1, 2), bias=False)],
], ids=["strided dilated", "same dilated, avg pool padded", "pools", "channel softmax, batch norms 2-D and 1-D",
        "grouped and depthwise", "ceil mode, padding not counted", "transposed"])
def test_convolutions_pools_and_batch_norms_match_onnxruntime(tmp_path, layers):
    net = cr.NeuralNetwork(layers, seed=3)
    net.predict(_images((1, 2, 9, 9)))
    _randomize_batch_norms(net)
    _compare(tmp_path, net, _images((4, 2, 9, 9), seed=4), (2, 9, 9))


@pytest.mark.parametrize("cell", [RNN, GRU, LSTM])
def test_char_models_match_onnxruntime_for_any_batch_size(tmp_path, cell):
    net = cr.NeuralNetwork([Embedding(7, 5), RecurrentOutputs(cell(6, num_layers=2)),
                            TimeDistributed(cr.Dense(7, cr.Softmax()))], seed=5)
    path = tmp_path / "char.onnx"
    to_onnx(net, path, input_shape=(9,))
    for batch in (1, 4):
        tokens = np.random.default_rng(batch).integers(0, 7, (batch, 9))
        np.testing.assert_allclose(_run(path, tokens), net.predict(tokens), rtol=1e-5, atol=1e-6)


def test_unsupported_layer_is_named(tmp_path):
    class Custom(cr.Layer):
        def forward(self, x):
            return x

    with pytest.raises(UnsupportedLayerError, match=r"no ONNX conversion for Custom yet; supported: \[.*'Conv2D'"):
        to_onnx(cr.NeuralNetwork([Custom()]), tmp_path / "x.onnx", input_shape=(2,))
    with pytest.raises(NotImplementedError):  # what to_onnx raised before
        to_onnx(cr.NeuralNetwork([Custom()]), tmp_path / "x.onnx", input_shape=(2,))
