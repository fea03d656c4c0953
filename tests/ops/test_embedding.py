"""Embedding lookup: gradcheck, PyTorch parity, accumulation of repeated tokens, index validation."""

import numpy as np
import pytest
from harness import Case, check_case, normal

import chainrule as cr
from chainrule.ops.embedding import scatter_rows

TOKENS = np.array([[1, 4, 1], [0, 1, 6]])  # 1 repeats, 2, 3 and 5 are unused


def _torch_embedding(indices):
    def run(weight):
        import torch

        return torch.nn.functional.embedding(torch.tensor(indices), weight)

    return run


CASES = [
    Case("embedding", lambda w: cr.ops.embedding(TOKENS, w), _torch_embedding(TOKENS), normal(7, 3), "2-D tokens"),
    Case("embedding", lambda w: cr.ops.embedding(np.array(2), w), _torch_embedding(np.array(2)), normal(4, 2), "scalar"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_rows_are_picked_for_any_index_shape():
    weight = np.arange(12.0).reshape(6, 2)
    tokens = np.array([[[5], [0]], [[3], [3]]])
    y = cr.ops.embedding(tokens, cr.Tensor(weight))
    assert y.shape == (2, 2, 1, 2)
    np.testing.assert_array_equal(y.data[..., 0, :], weight[tokens[..., 0]])


def test_repeated_tokens_add_up_and_unused_rows_get_zero():
    weight = cr.Tensor(np.zeros((5, 3)), requires_grad=True)
    y = cr.ops.embedding(np.array([2, 2, 2, 0]), weight)
    (y * np.array([[1.0], [2.0], [3.0], [10.0]])).sum().backward()
    np.testing.assert_array_equal(weight.grad.data[:, 0], [10, 0, 6, 0, 0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_matches_numpy_add_at(dtype):
    rng = np.random.default_rng(0)
    indices = rng.integers(0, 50, size=400)
    g = rng.standard_normal((400, 8)).astype(dtype)
    expected = np.zeros((60, 8), dtype=dtype)
    np.add.at(expected, indices, g)
    got = scatter_rows(indices, g, 60)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert scatter_rows(np.zeros(0, dtype=int), np.zeros((0, 8)), 3).shape == (3, 8)


def test_out_of_range_token_names_the_vocabulary_size():
    with pytest.raises(ValueError, match=r"token index 65 is out of range for a vocabulary of 65 \(valid indices are 0..64\)"):
        cr.ops.embedding(np.array([3, 65]), cr.Tensor(np.zeros((65, 4))))
    with pytest.raises(ValueError, match="token index -1"):
        cr.ops.embedding(np.array([-1]), cr.Tensor(np.zeros((65, 4))))


def test_float_indices_are_refused():
    with pytest.raises(TypeError, match="integer array, got dtype float64"):
        cr.ops.embedding(np.array([1.0, 2.0]), cr.Tensor(np.zeros((5, 4))))
    with pytest.raises(TypeError, match="a Tensor holds floats"):
        cr.ops.embedding(cr.Tensor([1.0]), cr.Tensor(np.zeros((5, 4))))


def test_weight_must_be_a_matrix():
    with pytest.raises(ValueError, match=r"weight must have shape \(vocabulary size, embedding dim\), got \(5,\)"):
        cr.ops.embedding(np.array([1]), cr.Tensor(np.zeros(5)))
