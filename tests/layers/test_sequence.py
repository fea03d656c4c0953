"""TimeDistributed (the wrapped layer at every step) and RecurrentOutputs (a recurrent layer without its state)."""

import numpy as np
import pytest
from harness import check_layer_gradients

import chainrule as cr
from chainrule.layers import GRU, Dense, Embedding, RecurrentOutputs, TimeDistributed


def test_every_step_gets_the_same_layer():
    dense = Dense(3, activation="tanh", input_size=4)
    dense.seed(0)
    layer = TimeDistributed(dense)
    x = np.random.default_rng(0).standard_normal((2, 5, 4)).astype(np.float32)
    y = layer(x)
    assert y.shape == (2, 5, 3)
    for t in range(5):
        np.testing.assert_allclose(y.data[:, t], dense(x[:, t]).data, rtol=1e-6)


def test_gradients():
    layer = TimeDistributed(Dense(3, activation="sigmoid"))
    layer.seed(1)
    check_layer_gradients(layer, np.random.default_rng(2).standard_normal((2, 4, 5)))


def test_wrapping_an_embedding_keeps_integer_input():
    layer = TimeDistributed(Embedding(9, 2))
    assert layer(np.array([[[1, 2]], [[3, 8]]])).shape == (2, 1, 2, 2)


def test_save_load_round_trip(tmp_path):
    layer = TimeDistributed(Dense(4, activation="relu", input_size=3))
    layer.seed(2)
    cr.save(layer, tmp_path / "td.npz")
    loaded = cr.load(tmp_path / "td.npz")
    assert isinstance(loaded, TimeDistributed) and isinstance(loaded.layer, Dense)
    x = np.random.default_rng(3).standard_normal((2, 3, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded(x).data, layer(x).data)


def test_a_plain_batch_is_explained():
    with pytest.raises(ValueError, match=r"expected a batch of sequences \(N, T, \.\.\.\), got shape \(4, 3\)"):
        TimeDistributed(Dense(2))(np.zeros((4, 3)))
    with pytest.raises(TypeError, match="wraps a layer"):
        TimeDistributed("dense")


def test_recurrent_outputs_are_the_layers_outputs_without_the_state():
    layer = GRU(4, input_size=3).to(np.float64)
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    np.testing.assert_array_equal(RecurrentOutputs(layer)(x).data, layer(x)[0].data)
    assert RecurrentOutputs(layer).dtype == np.float64  # arrays are converted to the layer's dtype


def test_a_network_with_recurrent_outputs_trains_saves_and_loads(tmp_path):
    net = cr.NeuralNetwork([Embedding(6, 3), RecurrentOutputs(GRU(4)), TimeDistributed(cr.Dense(6))],
                           cr.SoftmaxCrossEntropy(), seed=0)
    tokens = np.random.default_rng(1).integers(0, 6, (2, 5))
    assert net.predict(tokens).shape == (2, 5, 6)
    net.save(tmp_path / "char.npz")
    np.testing.assert_array_equal(cr.load(tmp_path / "char.npz").predict(tokens), net.predict(tokens))


def test_recurrent_outputs_wraps_only_recurrent_layers():
    with pytest.raises(TypeError, match="wraps an RNN, GRU or LSTM layer, got Dense"):
        RecurrentOutputs(cr.Dense(3))
