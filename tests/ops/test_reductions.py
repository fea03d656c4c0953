"""sum, mean, max, sum_to: gradcheck and PyTorch parity over axes and keepdims."""

import numpy as np
import pytest
from harness import Case, check_case, normal

import chainrule as cr

CASES = [
    Case("sum", cr.sum, lambda x: x.sum(), normal(3, 4), "all"),
    Case("sum", lambda x: x.sum(axis=1), lambda x: x.sum(1), normal(2, 3, 4), "axis"),
    Case("sum", lambda x: x.sum(axis=(0, 2), keepdims=True), lambda x: x.sum((0, 2), keepdim=True),
         normal(2, 3, 4), "axes-keepdims"),
    Case("mean", cr.mean, lambda x: x.mean(), normal(3, 4), "all"),
    Case("mean", lambda x: x.mean(axis=-1, keepdims=True), lambda x: x.mean(-1, keepdim=True), normal(3, 4), "keepdims"),
    Case("max", cr.max, lambda x: x.max(), normal(3, 4), "all"),
    Case("max", lambda x: x.max(axis=1), lambda x: x.max(1).values, normal(3, 4, 2), "axis"),
    Case("max", lambda x: x.max(axis=(0, 2)), lambda x: x.amax((0, 2)), normal(3, 4, 2), "axes"),
    Case("sum_to", lambda x: cr.sum_to(x, (1, 4)), lambda x: x.sum(0, keepdim=True), normal(3, 4)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_max_sends_the_gradient_to_the_first_of_tied_elements():
    x = cr.Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 0], [1, 0, 0]])


def test_bad_axis_is_explained():
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        cr.Tensor(np.zeros((2, 3))).sum(axis=3)


def test_sum_to_rejects_shapes_that_were_not_broadcast():
    with pytest.raises(ValueError, match="not broadcast from"):
        cr.sum_to(cr.Tensor(np.zeros((3, 4))), (2, 4))


def test_max_over_a_nonempty_axis_of_an_empty_tensor():
    """Only an empty *reduced* axis has no maximum (issue 14, #5)."""
    x = cr.Tensor(np.zeros((0, 4)), requires_grad=True, dtype=np.float64)
    y = cr.ops.max(x, axis=1, keepdims=True)
    assert y.shape == (0, 1)
    y.sum().backward()
    assert x.grad.shape == (0, 4)
    with pytest.raises(ValueError, match="axis of length 0"):
        cr.ops.max(cr.Tensor(np.zeros((0, 4))), axis=0)
