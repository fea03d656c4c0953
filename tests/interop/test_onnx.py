"""ONNX export: onnxruntime computes what chainrule computes."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.interop.onnx import to_onnx

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


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


def test_unsupported_layer_is_named(tmp_path):
    class Custom(cr.Layer):
        def forward(self, x):
            return x

    with pytest.raises(NotImplementedError, match="no ONNX conversion for Custom"):
        to_onnx(cr.NeuralNetwork([Custom()]), tmp_path / "x.onnx", input_shape=(2,))
