"""TimeDistributed: the wrapped layer applied at every step, gradients, save/load, errors."""

import numpy as np
import pytest
from harness import check_layer_gradients

import chainrule as cr
from chainrule.layers import Dense, Embedding, TimeDistributed


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
