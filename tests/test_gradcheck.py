"""gradcheck itself: it passes correct gradients and catches wrong ones."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Operation


class _WrongSquare(Operation):
    """x² with the classic mistake: forgetting the factor 2."""

    def forward(self, x):
        return x * x

    def backward(self, g, x, y):
        return g * x


def test_gradcheck_catches_a_wrong_backward_and_names_the_element():
    with pytest.raises(cr.GradcheckError, match=r"input 0 \(shape \(3,\)\) at index .*backward gives"):
        cr.gradcheck(lambda x: _WrongSquare()(x), [np.array([1.0, 2.0, 3.0])])
    assert cr.gradcheck(lambda x: _WrongSquare()(x), [np.array([1.0])], raise_exception=False) is False


def test_gradcheck_refuses_float32_inputs():
    with pytest.raises(TypeError, match="float64"):
        cr.gradcheck(cr.tanh, [cr.Tensor([1.0], requires_grad=True)])


def test_gradcheck_skips_inputs_that_do_not_require_grad():
    constant = cr.Tensor([5.0], dtype=np.float64)
    assert cr.gradcheck(lambda x, c: x * c, [np.array([1.0]), constant])


def test_a_nan_gradient_is_a_failure():
    """NaN compares false with everything, so it must be caught explicitly (a stale-memory gradient)."""

    class NaNGradient(cr.Operation):
        def forward(self, x):
            return x * 2

        def backward(self, g, x, y):
            return g * np.nan

    with pytest.raises(cr.GradcheckError, match="nan"):
        cr.gradcheck(lambda x: NaNGradient()(x), [np.array([1.0, 2.0])])
