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



def _with_zeros(rng):
    x = rng.standard_normal((3, 4))
    x[0, 1] = 0.0  # one zero in row 0: only it gets a gradient
    x[1, 0] = x[1, 2] = 0.0  # two zeros in row 1: no element does
    return [x]


CASES += [  # issue 15
    Case("min", cr.min, lambda x: x.min(), normal(3, 4), "all"),
    Case("min", lambda x: cr.min(x, axis=-1, keepdims=True), lambda x: x.amin(-1, keepdim=True), normal(3, 4), "keepdims"),
    Case("prod", cr.prod, lambda x: x.prod(), normal(3, 4), "all"),
    Case("prod", lambda x: cr.prod(x, axis=(0, 2)), lambda x: x.prod(2).prod(0), normal(3, 2, 4), "axes"),
    Case("prod", lambda x: cr.prod(x, axis=1), lambda x: x.prod(1), _with_zeros, "zeros"),
    Case("prod", cr.prod, lambda x: x.prod(), _with_zeros, "zeros-all"),
    Case("cumsum", lambda x: cr.cumsum(x, axis=1), lambda x: x.cumsum(1), normal(3, 4)),
    Case("cumsum", lambda x: cr.cumsum(x, axis=-1), lambda x: x.cumsum(-1), normal(2, 3, 4), "last-axis"),
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


def test_prod_gradient_with_a_single_zero_is_the_product_of_the_others():
    x = cr.Tensor([2.0, 0.0, 3.0], requires_grad=True)
    cr.prod(x).backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 6.0, 0.0])  # not nan, as y / x would give


def test_min_sends_the_gradient_to_the_first_tied_minimum():
    x = cr.Tensor([[1.0, 0.0, 0.0]], requires_grad=True)
    x.min(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 1.0, 0.0]])


def test_argmax_and_argmin_are_integer_arrays_like_torch():
    torch = pytest.importorskip("torch")

    data = np.random.default_rng(0).standard_normal((3, 4, 5))
    x = cr.Tensor(data)
    for axis in (None, 0, -1):
        for ours, theirs in ((cr.argmax, torch.argmax), (cr.argmin, torch.argmin)):
            got = ours(x, axis=axis)
            assert got.dtype.kind == "i"
            np.testing.assert_array_equal(got, theirs(torch.tensor(data), dim=axis).numpy())
    assert x.argmax(axis=1, keepdims=True).shape == (3, 1, 5)
    with pytest.raises(ValueError, match="empty"):
        cr.argmax(cr.Tensor(np.zeros((0, 3))))


def test_max_over_a_nonempty_axis_of_an_empty_tensor():
    """Only an empty *reduced* axis has no maximum (issue 14, #5)."""
    x = cr.Tensor(np.zeros((0, 4)), requires_grad=True, dtype=np.float64)
    y = cr.ops.max(x, axis=1, keepdims=True)
    assert y.shape == (0, 1)
    y.sum().backward()
    assert x.grad.shape == (0, 4)
    with pytest.raises(ValueError, match="axis of length 0"):
        cr.ops.max(cr.Tensor(np.zeros((0, 4))), axis=0)
