"""Arithmetic operations: gradcheck and PyTorch parity, broadcasting, dtype rules, shape errors."""

import numpy as np
import pytest
from harness import HAS_TORCH, Case, check_case, normal, positive
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import chainrule as cr

CASES = [
    Case("add", lambda a, b: a + b, lambda a, b: a + b, normal((3, 4), (3, 4)), "same"),
    Case("add", lambda a, b: a + b, lambda a, b: a + b, normal((2, 3, 4), (4,)), "broadcast"),
    Case("sub", lambda a, b: a - b, lambda a, b: a - b, normal((3, 1), (1, 4)), "outer"),
    Case("mul", lambda a, b: a * b, lambda a, b: a * b, normal((2, 3, 4), (3, 1)), "broadcast"),
    Case("mul", lambda a: a * 2.5, lambda a: a * 2.5, normal(3, 2), "scalar"),
    Case("div", lambda a, b: a / b, lambda a, b: a / b,
         lambda rng: [rng.standard_normal((3, 4)), rng.uniform(0.5, 2, (4,))], "broadcast"),
    Case("div", lambda a: 1.0 / a, lambda a: 1.0 / a, positive(5), "reciprocal"),
    Case("pow", lambda a: a**3, lambda a: a**3, normal(3, 4), "constant-exponent"),
    Case("pow", lambda a, b: a**b, lambda a, b: a**b,
         lambda rng: [rng.uniform(0.5, 2, (3, 4)), rng.standard_normal((3, 4))], "tensor-exponent"),
    Case("pow", lambda b: 2.0**b, lambda b: 2.0**b, normal(4), "tensor-exponent-only"),
    Case("neg", lambda a: -a, lambda a: -a, normal(3, 4)),
    Case("matmul", lambda a, b: a @ b, lambda a, b: a @ b, normal((3, 4), (4, 5)), "2d"),
    Case("matmul", lambda a, b: a @ b, lambda a, b: a @ b, normal((2, 3, 4), (2, 4, 5)), "batched"),
    Case("matmul", lambda a, b: a @ b, lambda a, b: a @ b, normal((2, 1, 3, 4), (3, 4, 2)), "broadcast-batch"),
    Case("matmul", cr.matmul, lambda a, b: a @ b, normal((4,), (4, 3)), "vector-matrix"),
    Case("matmul", cr.matmul, lambda a, b: a @ b, normal((3, 4), (4,)), "matrix-vector"),
    Case("matmul", cr.matmul, lambda a, b: a @ b, normal((4,), (4,)), "dot"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), op=st.sampled_from("+-*/"))
def test_broadcasting_gradients_hypothesis(shapes, op):
    a_shape, b_shape = shapes.input_shapes
    functions = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / (b * b + 1.0),
    }
    rng = np.random.default_rng(1)
    cr.gradcheck(functions[op], [rng.standard_normal(a_shape), rng.standard_normal(b_shape)])


def test_float32_stays_float32_with_python_and_numpy_scalars():
    x = cr.Tensor([1.0, 2.0], requires_grad=True)
    for y in (x * 2.5, 2.5 * x, x * np.float64(2.5), x / np.float64(3), x + np.array(1.0), x**2, 1 - x):
        assert y.dtype == np.float32
    y = (x * np.float64(3.0)).sum()
    y.backward()
    assert x.grad.dtype == np.float32


def test_mixing_float32_and_float64_tensors_is_an_error():
    a = cr.Tensor([1.0])
    b = cr.Tensor([1.0], dtype=np.float64)
    with pytest.raises(TypeError, match="float32 and float64"):
        a + b


def test_matmul_shape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3, 4\) @ \(2, 3\).*inner sizes"):
        cr.Tensor(np.zeros((3, 4))) @ cr.Tensor(np.zeros((2, 3)))


def test_broadcast_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast"):
        cr.Tensor(np.zeros(3)) + cr.Tensor(np.zeros(4))


def test_cast_is_differentiable_and_changes_the_gradient_dtype():
    x = cr.Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0])


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_cast_matches_torch():
    import torch

    a = np.array([0.3, -1.7])
    t = torch.tensor(a, requires_grad=True)
    (t.to(torch.float32) ** 2).sum().backward()
    x = cr.Tensor(a, requires_grad=True, dtype=np.float64)
    (cr.cast(x, np.float32) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-6)


def test_pow_gradients_at_a_zero_base_are_pytorchs_zeros():
    """x ** 0 at x = 0 and d(aᵇ)/db at a = 0, b = 2: 0, not NaN (issue 14, #3)."""
    x = cr.Tensor([0.0, 0.0], requires_grad=True, dtype=np.float64)
    (x**0.0).sum().backward()
    assert x.grad.data.tolist() == [0.0, 0.0]
    a = cr.Tensor([0.0], requires_grad=True, dtype=np.float64)
    b = cr.Tensor([2.0], requires_grad=True, dtype=np.float64)
    (a**b).sum().backward()
    assert a.grad.data.tolist() == [0.0] and b.grad.data.tolist() == [0.0]
