"""Embedding layer: lookup, accumulated gradients, integer input kept as is, save/load, errors."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.layers import Embedding


def test_lookup_returns_the_rows_of_the_tokens():
    layer = Embedding(10, 4)
    layer.seed(0)
    tokens = np.array([[3, 3, 9], [0, 1, 2]])
    y = layer(tokens)
    assert y.shape == (2, 3, 4) and y.dtype == np.float32
    np.testing.assert_array_equal(y.data, layer.weight.data[tokens])


def test_gradient_accumulates_over_repeated_tokens():
    layer = Embedding(5, 2)
    layer.to(np.float64)
    tokens = np.array([1, 4, 1, 1])
    cr.gradcheck(lambda w: layer(tokens), [layer.weight])
    layer.zero_grad()
    layer(tokens).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.data[:, 0], [0, 3, 0, 0, 1])


def test_integer_input_is_not_converted_to_floats():
    layer = Embedding(300, 2)
    big = np.array([299])  # would survive a float32 cast too, but a float index is refused by the op
    assert layer(big).shape == (1, 2)
    with pytest.raises(TypeError, match="integer array"):
        layer(np.array([1.0]))


def test_initial_weights_are_standard_normal_and_seeded():
    a, b = Embedding(200, 50), Embedding(200, 50)
    a.seed(3)
    b.seed(3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert a.weight.data.std() == pytest.approx(1.0, rel=0.03)


def test_save_load_round_trip(tmp_path):
    layer = Embedding(12, 3)
    layer.seed(1)
    cr.save(layer, tmp_path / "emb.npz")
    loaded = cr.load(tmp_path / "emb.npz")
    assert isinstance(loaded, Embedding) and loaded.config() == {"num_embeddings": 12, "embedding_dim": 3}
    np.testing.assert_array_equal(loaded(np.arange(12)).data, layer(np.arange(12)).data)


def test_out_of_range_tokens_name_the_vocabulary_size():
    with pytest.raises(ValueError, match="token index 12 is out of range for a vocabulary of 12"):
        Embedding(12, 3)(np.array([[0, 12]]))


@pytest.mark.parametrize("args", [(0, 3), (5, -1), (5.0, 3)])
def test_bad_sizes(args):
    with pytest.raises(ValueError, match="must be a positive integer"):
        Embedding(*args)
