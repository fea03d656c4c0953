"""Activations: gradcheck, PyTorch parity, and numerical safety for huge logits."""

import numpy as np
import pytest
from harness import Case, away_from_zero, check_case, normal

import chainrule as cr

CASES = [
    Case("sigmoid", cr.sigmoid, lambda x: x.sigmoid(), lambda rng: [rng.standard_normal((3, 4)) * 4]),
    Case("tanh", cr.tanh, lambda x: x.tanh(), normal(3, 4)),
    Case("relu", cr.relu, lambda x: x.relu(), away_from_zero(3, 4)),
    Case("leaky_relu", lambda x: cr.leaky_relu(x, 0.1),
         lambda x: __import__("torch").nn.functional.leaky_relu(x, 0.1), away_from_zero(3, 4)),
    Case("softmax", cr.softmax, lambda x: x.softmax(-1), normal(3, 5), "last-axis"),
    Case("softmax", lambda x: cr.softmax(x, axis=0), lambda x: x.softmax(0), normal(4, 3), "axis-0"),
    Case("log_softmax", cr.log_softmax, lambda x: x.log_softmax(-1), normal(3, 5), "last-axis"),
    Case("log_softmax", lambda x: cr.log_softmax(x, 1), lambda x: x.log_softmax(1), normal(2, 4, 3), "middle-axis"),
]


CASES += [  # issue 15
    Case("softplus", cr.softplus, lambda x: __import__("torch").nn.functional.softplus(x),
         lambda rng: [rng.standard_normal((3, 4)) * 4]),
    Case("softplus", lambda x: cr.softplus(x, beta=2.5), lambda x: __import__("torch").nn.functional.softplus(x, 2.5),
         normal(3, 4), "beta"),
    Case("elu", cr.elu, lambda x: __import__("torch").nn.functional.elu(x), away_from_zero(3, 4)),
    Case("elu", lambda x: cr.elu(x, 0.3), lambda x: __import__("torch").nn.functional.elu(x, 0.3), away_from_zero(3, 4),
         "alpha"),
    Case("silu", cr.silu, lambda x: __import__("torch").nn.functional.silu(x), lambda rng: [rng.standard_normal((3, 4)) * 3]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


@pytest.mark.parametrize("fn", [cr.sigmoid, cr.softmax, cr.log_softmax, cr.tanh])
def test_huge_logits_stay_finite_in_float32(fn):
    x = cr.Tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], requires_grad=True)
    y = fn(x)
    assert np.all(np.isfinite(y.data))
    (y * cr.Tensor(np.ones((2, 3)))).sum().backward()
    assert np.all(np.isfinite(x.grad.data))


def test_sigmoid_values_at_extremes():
    y = cr.sigmoid(cr.Tensor([-1e4, 0.0, 1e4])).data
    np.testing.assert_array_equal(y, [0.0, 0.5, 1.0])


def test_softmax_axis_out_of_range():
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        cr.softmax(cr.Tensor(np.zeros((2, 3))), axis=2)


@pytest.mark.parametrize("fn", [cr.softplus, cr.elu, cr.silu])
def test_new_activations_stay_finite_for_huge_inputs_in_float32(fn):
    x = cr.Tensor([-1e4, -100.0, 0.0, 100.0, 1e4], requires_grad=True)
    y = fn(x)
    y.sum().backward()
    assert y.dtype == np.float32 and np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()


def test_softplus_is_exact_where_the_naive_formula_overflows():
    assert cr.softplus(cr.Tensor([1000.0], dtype=np.float64)).item() == 1000.0
