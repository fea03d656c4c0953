"""layer_norm: gradcheck and PyTorch parity (with and without γ/β, several normalised axes), errors."""

import numpy as np
import pytest
from harness import Case, check_case

import chainrule as cr


def _inputs(shape, normalized, weight=True, bias=True):
    def make(rng):
        arrays = [rng.standard_normal(shape) * 2 + 0.5]
        arrays += [rng.standard_normal(normalized)] if weight else []
        arrays += [rng.standard_normal(normalized)] if bias else []
        return arrays

    return make


def _ours(normalized, weight=True, bias=True):
    def run(x, *params):
        w = params[0] if weight else None
        b = params[-1] if bias else None
        return cr.ops.layer_norm(x, normalized, w, b)

    return run


def _theirs(normalized, weight=True, bias=True):
    def run(x, *params):
        import torch

        w = params[0] if weight else None
        b = params[-1] if bias else None
        return torch.nn.functional.layer_norm(x, normalized, w, b, 1e-5)

    return run


CASES = [
    Case("layer_norm", _ours((4,)), _theirs((4,)), _inputs((2, 3, 4), (4,)), "affine"),
    Case("layer_norm", _ours((3, 2)), _theirs((3, 2)), _inputs((2, 3, 2), (3, 2)), "two-axes"),
    Case("layer_norm", _ours((5,), bias=False), _theirs((5,), bias=False), _inputs((3, 5), (5,), bias=False),
         "no-bias"),
    Case("layer_norm", _ours((5,), False, False), _theirs((5,), False, False), _inputs((3, 5), (5,), False, False),
         "no-affine"),
    Case("layer_norm", _ours((3,)), _theirs((3,)), _inputs((1, 1, 3), (3,)), "one-sample"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="does not end in"):
        cr.ops.layer_norm(cr.Tensor(np.ones((2, 3))), 4)
    with pytest.raises(ValueError, match="weight must have shape"):
        cr.ops.layer_norm(cr.Tensor(np.ones((2, 3))), 3, cr.Tensor(np.ones(2)))


def test_float32_output_has_zero_mean_unit_variance():
    y = cr.ops.layer_norm(cr.Tensor(np.random.default_rng(0).standard_normal((4, 64)) * 5 + 3), 64).data
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=1), 1, atol=1e-3)
