"""maximum and minimum (ties share the gradient, as PyTorch), and the comparisons (boolean, no gradient)."""

import numpy as np
import pytest
from harness import Case, check_case, normal

import chainrule as cr


def _with_ties(rng):
    a = rng.standard_normal((3, 4))
    b = a.copy()
    b[:, ::2] = rng.standard_normal((3, 2))  # half the elements tie exactly
    return [a, b]


def _torch(name):
    return lambda a, b: getattr(__import__("torch"), name)(a, b)


CASES = [
    Case("maximum", cr.maximum, _torch("maximum"), normal((3, 4), (3, 4))),
    Case("maximum", cr.maximum, _torch("maximum"), normal((3, 1), (1, 4)), "broadcast"),
    Case("minimum", cr.minimum, _torch("minimum"), normal((2, 3, 4), (4,)), "broadcast"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_ties_share_the_gradient_like_pytorch(name):
    torch = pytest.importorskip("torch")
    a, b = _with_ties(np.random.default_rng(0))
    ours = [cr.Tensor(v, requires_grad=True, dtype=np.float64) for v in (a, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    getattr(cr, name)(*ours).sum().backward()
    getattr(torch, name)(*theirs).sum().backward()
    for mine, yours in zip(ours, theirs):
        np.testing.assert_array_equal(mine.grad.data, yours.grad.numpy())
    assert (ours[0].grad.data[:, 1::2] == 0.5).all()


OPERATORS = {
    "less": (lambda a, b: a < b), "less_equal": (lambda a, b: a <= b), "greater": (lambda a, b: a > b),
    "greater_equal": (lambda a, b: a >= b), "equal": (lambda a, b: a == b), "not_equal": (lambda a, b: a != b),
}


@pytest.mark.parametrize("name", OPERATORS)
def test_comparisons_give_boolean_arrays_equal_to_torch(name):
    torch = pytest.importorskip("torch")
    a, b = _with_ties(np.random.default_rng(1))
    expected = OPERATORS[name](torch.tensor(a), torch.tensor(b)).numpy()
    x, y = cr.Tensor(a, requires_grad=True, dtype=np.float64), cr.Tensor(b, dtype=np.float64)
    for got in (getattr(cr.ops, name)(x, y), OPERATORS[name](x, y), OPERATORS[name](x, b)):
        assert isinstance(got, np.ndarray) and got.dtype == bool
        np.testing.assert_array_equal(got, expected)


def test_comparison_with_a_number_and_the_operators_from_the_issue():
    x = cr.Tensor([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(x > 0, [False, False, True])  # raised before issue 15
    np.testing.assert_array_equal(0 < x, [False, False, True])
    assert cr.where(x > 0, x, 0.0).data.tolist() == [0.0, 0.0, 2.0]
    assert x[x >= 0].shape == (2,)


def test_tensors_stay_hashable_and_comparable_to_none():
    x = cr.Tensor([1.0])
    assert {x: 1}[x] == 1 and x in {x}
    assert (x == None) is False and (x != None) is True  # noqa: E711 - the operator is what is tested
