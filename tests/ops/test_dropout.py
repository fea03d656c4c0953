"""Inverted dropout: the mask is applied in both passes, scaling keeps the mean."""

import numpy as np
import pytest
from harness import Case, check_case, normal

import chainrule as cr


def _mask(shape, p=0.3, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32) >= p


CASES = [
    Case("dropout", lambda x: cr.ops.dropout(x, 0.3, np.random.default_rng(0)),
         lambda x: x * __import__("torch").tensor(_mask((4, 5)), dtype=x.dtype) / 0.7, normal(4, 5)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_dropped_elements_get_no_gradient_and_kept_ones_are_scaled():
    x = cr.Tensor(np.ones((50, 40)), requires_grad=True)
    y = cr.ops.dropout(x, 0.25, np.random.default_rng(1))
    y.sum().backward()
    dropped = y.data == 0
    assert 0.2 < dropped.mean() < 0.3
    np.testing.assert_allclose(x.grad.data[dropped], 0)
    np.testing.assert_allclose(x.grad.data[~dropped], 1 / 0.75, rtol=1e-6)
    np.testing.assert_allclose(y.data[~dropped], 1 / 0.75, rtol=1e-6)


def test_evaluation_mode_is_the_identity():
    x = cr.Tensor(np.arange(6.0))
    np.testing.assert_array_equal(cr.ops.dropout(x, 0.5, np.random.default_rng(0), training=False).data, x.data)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_p_outside_the_range_is_explained(p):
    with pytest.raises(ValueError, match="probability of dropping"):
        cr.ops.dropout(cr.Tensor([1.0]), p, np.random.default_rng(0))
