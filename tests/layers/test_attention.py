"""MultiHeadAttention and CausalSelfAttention: gradients, causality, masks, the cache, errors."""

import numpy as np
import pytest
from harness import check_layer_gradients

import chainrule as cr
from chainrule.layers import CausalSelfAttention, KVCache, MultiHeadAttention


def test_causal_self_attention_gradients():
    layer = CausalSelfAttention(4, 2)
    layer.seed(0)
    check_layer_gradients(layer, np.random.default_rng(0).standard_normal((2, 3, 4)))


def test_multi_head_cross_attention_gradients_reach_query_key_and_value():
    layer = MultiHeadAttention(4, 2).to(np.float64)
    layer.seed(1)
    rng = np.random.default_rng(1)
    q, kv = rng.standard_normal((1, 2, 4)), rng.standard_normal((1, 3, 4))
    cr.gradcheck(lambda a, b: layer(a, b, b, mask=np.array([[True, False, True], [True, True, False]])), [q, kv])


def test_a_position_does_not_see_later_ones():
    layer = CausalSelfAttention(4, 2)
    x = np.random.default_rng(2).standard_normal((1, 5, 4))
    changed = x.copy()
    changed[0, 3:] += 10.0
    np.testing.assert_allclose(layer(changed).data[0, :3], layer(x).data[0, :3], rtol=1e-5)
    assert not np.allclose(layer(changed).data[0, 3:], layer(x).data[0, 3:])


def test_the_cache_holds_every_position_seen():
    layer = CausalSelfAttention(4, 2).to(np.float64)
    x = cr.Tensor(np.random.default_rng(3).standard_normal((2, 4, 4)), dtype=np.float64)
    cache = KVCache()
    first, second = layer(x[:, :3], cache=cache), layer(x[:, 3:], cache=cache)
    np.testing.assert_allclose(np.concatenate([first.data, second.data], axis=1), layer(x).data, rtol=1e-12)
    assert cache.length == 4


def test_wrong_inputs_are_explained():
    with pytest.raises(ValueError, match="not a multiple"):
        MultiHeadAttention(6, 4)
    layer = MultiHeadAttention(4, 2)
    with pytest.raises(ValueError, match=r"expected query of shape \(N, T, 4\)"):
        layer(np.ones((2, 4)))
    with pytest.raises(TypeError, match="float32 weights"):
        layer(cr.Tensor(np.ones((1, 2, 4)), dtype=np.float64))
