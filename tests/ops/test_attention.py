"""attention: gradcheck and PyTorch parity (plain, causal, masks, T = 1, T_q ≠ T_k, broadcast heads), dropout,
fully masked rows refused."""

import numpy as np
import pytest
from harness import HAS_TORCH, Case, check_case

import chainrule as cr
from chainrule.ops.attention import causal_mask


def _inputs(q_shape, k_shape, dv=None):
    def make(rng):
        v_shape = k_shape[:-1] + ((dv or k_shape[-1]),)
        return [rng.standard_normal(q_shape), rng.standard_normal(k_shape), rng.standard_normal(v_shape)]

    return make


def _ours(mask=None, causal=False):
    return lambda q, k, v: cr.ops.attention(q, k, v, mask=mask, causal=causal)


def _theirs(mask=None, causal=False):
    def run(q, k, v):
        import torch

        allowed = None if mask is None else torch.tensor(mask)
        if causal:
            lower_right = torch.tensor(causal_mask(q.shape[-2], k.shape[-2]))  # causal_lower_right, as a mask
            allowed = lower_right if allowed is None else allowed & lower_right
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=allowed)

    return run


PADDING = np.array([[True, True, True, False]])  # the last key is padding, for every query

CASES = [
    Case("attention", _ours(), _theirs(), _inputs((2, 2, 3, 4), (2, 2, 3, 4)), "plain"),
    Case("attention", _ours(causal=True), _theirs(causal=True), _inputs((2, 2, 4, 3), (2, 2, 4, 3), 2), "causal"),
    Case("attention", _ours(), _theirs(), _inputs((1, 1, 1, 3), (1, 1, 1, 3)), "T=1"),
    Case("attention", _ours(causal=True), _theirs(causal=True), _inputs((2, 1, 2, 3), (2, 1, 5, 3)),
         "causal-Tq<Tk"),
    Case("attention", _ours(PADDING), _theirs(PADDING), _inputs((1, 2, 3, 2), (1, 2, 4, 2)), "padding-mask"),
    Case("attention", _ours(), _theirs(), _inputs((2, 3, 3, 2), (2, 1, 4, 2)), "keys-shared-by-heads"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_causal_first_query_sees_only_the_first_key():
    v = cr.Tensor(np.arange(4.0).reshape(1, 4, 1))
    q = cr.Tensor(np.zeros((1, 4, 2)))
    out = cr.ops.attention(q, q, v, causal=True).numpy().ravel()
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0, 1.5])  # equal scores: the mean of the visible values


@pytest.mark.parametrize("mask, causal", [(np.array([[True, False], [False, False]]), False), (None, True)],
                         ids=["row-all-false", "causal-Tq>Tk"])
def test_a_query_with_no_key_is_refused(mask, causal):
    q = cr.Tensor(np.ones((1, 2, 2)) if mask is not None else np.ones((1, 3, 2)))
    k = cr.Tensor(np.ones((1, 2, 2)))
    with pytest.raises(ValueError, match="attend to no key"):
        cr.ops.attention(q, k, k, mask=mask, causal=causal)


def test_bad_shapes_and_masks_are_explained():
    q = cr.Tensor(np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match="share d"):
        cr.ops.attention(q, cr.Tensor(np.ones((1, 2, 4))), q)
    with pytest.raises(TypeError, match="boolean"):
        cr.ops.attention(q, q, q, mask=np.ones((2, 2)))


def test_dropout_gradients_use_the_same_mask():
    rng = np.random.default_rng(3)
    arrays = _inputs((2, 3, 4), (2, 3, 4))(rng)
    # the same generator state for every evaluation: the same dropout mask, so finite differences apply
    cr.gradcheck(lambda q, k, v: cr.ops.attention(q, k, v, dropout=0.3, rng=np.random.default_rng(7)), arrays)


def test_dropout_zero_weights_reach_no_value():
    v = cr.Tensor(np.ones((1, 6, 1)), requires_grad=True, dtype=np.float64)
    q = cr.Tensor(np.zeros((1, 6, 2)), dtype=np.float64)
    out = cr.ops.attention(q, q, v, dropout=0.5, rng=np.random.default_rng(0))
    out.sum().backward()
    # every output is (1/6)·Σ kept·2 over its row; the gradient of v_j counts the rows that kept key j
    assert out.data.max() > 0 and np.all(np.isin(np.round(v.grad.data * 3, 6), np.arange(7)))


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_float32_matches_torch():
    import torch

    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((3, 4, 16, 8)).astype(np.float32) for _ in range(3))
    ours = cr.ops.attention(cr.Tensor(q), cr.Tensor(k), cr.Tensor(v), causal=True)
    theirs = torch.nn.functional.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), is_causal=True)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.data, theirs.numpy(), atol=1e-5)


def test_a_mask_with_more_leading_axes_than_the_scores_broadcasts_them():
    """Scores (T_q, T_k) under masks (3, T_q, T_k): the output is (3, T_q, d_v), each slice the attention
    under that mask, and the gradients are the sums over the slices (PyTorch refuses this case)."""
    rng = np.random.default_rng(3)
    q, k, v = rng.standard_normal((4, 2)), rng.standard_normal((5, 2)), rng.standard_normal((5, 3))
    mask = rng.random((3, 4, 5)) > 0.4
    mask[..., 0] = True

    def run(m):
        leaves = [cr.Tensor(a, dtype=np.float64, requires_grad=True) for a in (q, k, v)]
        out = cr.ops.attention(*leaves, mask=m)
        out.backward(np.ones(out.shape))
        return out.numpy(), [leaf.grad for leaf in leaves]

    whole, grads = run(mask)
    slices = [run(m) for m in mask]
    assert whole.shape == (3, 4, 3)
    np.testing.assert_allclose(whole, np.stack([s[0] for s in slices]), rtol=1e-12)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, sum(s[1][i] for s in slices), rtol=1e-12)
