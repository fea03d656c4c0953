"""logsumexp, var, std (PyTorch's correction), norm: gradcheck, PyTorch parity, stability and edge cases."""

import math

import numpy as np
import pytest
from harness import Case, check_case, normal

import chainrule as cr


def _torch(fn):
    return lambda *a: fn(__import__("torch"), *a)


CASES = [
    Case("logsumexp", cr.logsumexp, _torch(lambda t, x: t.logsumexp(x, dim=(0, 1))), normal(3, 4), "all"),
    Case("logsumexp", lambda x: cr.logsumexp(x, axis=1, keepdims=True),
         _torch(lambda t, x: t.logsumexp(x, 1, keepdim=True)), normal(2, 3, 4), "keepdims"),
    Case("var", lambda x: cr.var(x, axis=1), _torch(lambda t, x: t.var(x, 1)), normal(3, 5), "unbiased"),
    Case("var", lambda x: cr.var(x, correction=0), _torch(lambda t, x: t.var(x, correction=0)), normal(3, 5),
         "population"),
    Case("std", lambda x: cr.std(x, axis=(0, 2), keepdims=True, correction=2),
         _torch(lambda t, x: t.std(x, (0, 2), keepdim=True, correction=2)), normal(3, 2, 4), "correction-2"),
    Case("std", cr.std, _torch(lambda t, x: t.std(x)), normal(4, 3), "all"),
    Case("norm", cr.norm, _torch(lambda t, x: t.linalg.vector_norm(x)), normal(3, 4), "frobenius"),
    Case("norm", lambda x: cr.norm(x, 1, axis=1), _torch(lambda t, x: t.linalg.vector_norm(x, 1, 1)),
         lambda rng: [rng.choice([-1.0, 1.0], (3, 4)) * rng.uniform(0.1, 2, (3, 4))], "p1"),
    Case("norm", lambda x: cr.norm(x, 3, axis=0, keepdims=True),
         _torch(lambda t, x: t.linalg.vector_norm(x, 3, 0, keepdim=True)), normal(3, 4), "p3"),
    Case("norm", lambda x: cr.norm(x, math.inf, axis=1), _torch(lambda t, x: t.linalg.vector_norm(x, math.inf, 1)),
         normal(3, 4), "inf"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_logsumexp_does_not_overflow():
    x = cr.Tensor([[1000.0, 1000.0], [-1000.0, -1000.0]], requires_grad=True)
    y = cr.logsumexp(x, axis=1)
    np.testing.assert_allclose(y.data, [1000 + np.log(2), -1000 + np.log(2)], rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 0.5, rtol=1e-4)  # e^{x − y}, y rounded to float32 near 1000


def test_norm_gradient_at_zero_is_zero_like_pytorch():
    torch = pytest.importorskip("torch")
    for p in (2, 3, 1, math.inf):
        x = cr.Tensor(np.zeros((2, 3)), requires_grad=True, dtype=np.float64)
        t = torch.zeros((2, 3), dtype=torch.float64, requires_grad=True)
        cr.norm(x, p, axis=1).sum().backward()
        torch.linalg.vector_norm(t, p, 1).sum().backward()
        np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


def test_inf_norm_shares_the_gradient_among_tied_magnitudes_like_pytorch():
    torch = pytest.importorskip("torch")
    data = np.array([[2.0, -2.0, 1.0], [0.5, 3.0, -3.0]])
    x = cr.Tensor(data, requires_grad=True, dtype=np.float64)
    t = torch.tensor(data, requires_grad=True)
    cr.norm(x, math.inf, axis=1).sum().backward()
    torch.linalg.vector_norm(t, math.inf, 1).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy())


@pytest.mark.parametrize("fn", [lambda x: cr.norm(x), lambda x: cr.var(x), lambda x: cr.logsumexp(x),
                                lambda x: cr.norm(x, 3)])
def test_second_derivatives(fn):
    """Gradient penalties differentiate a norm's gradient: the backward formulas record on tensors."""
    cr.gradcheck(lambda x: cr.grad((fn(x) ** 2).sum(), [x], create_graph=True)[0],
                 [np.random.default_rng(0).uniform(0.2, 2, (5,))])


def test_p_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        cr.norm(cr.Tensor([1.0]), 0.5)
