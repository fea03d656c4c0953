"""exp, log, sqrt, abs, clip: gradcheck and PyTorch parity."""

import numpy as np
import pytest
from harness import Case, check_case, normal, positive

import chainrule as cr

CASES = [
    Case("exp", cr.exp, lambda x: x.exp(), normal(3, 4)),
    Case("log", cr.log, lambda x: x.log(), positive(3, 4)),
    Case("sqrt", cr.sqrt, lambda x: x.sqrt(), positive(3, 4)),
    Case("abs", cr.abs, lambda x: x.abs(), lambda rng: [rng.choice([-1.0, 1.0], (3, 4)) * rng.uniform(0.1, 2, (3, 4))]),
    Case("clip", lambda x: cr.clip(x, -0.5, 0.5), lambda x: x.clamp(-0.5, 0.5),
         lambda rng: [rng.choice([-1.0, 1.0], (4, 5)) * rng.choice([0.2, 0.9], (4, 5)) + rng.uniform(-0.05, 0.05, (4, 5))],
         "both-bounds"),
    Case("clip", lambda x: cr.clip(x, low=0.0), lambda x: x.clamp(min=0.0),
         lambda rng: [rng.choice([-1.0, 1.0], (6,)) * rng.uniform(0.1, 1, (6,))], "low-only"),
]


CASES += [  # issue 15
    Case("sin", cr.sin, lambda x: x.sin(), normal(3, 4)),
    Case("cos", cr.cos, lambda x: x.cos(), normal(3, 4)),
    Case("log1p", cr.log1p, lambda x: x.log1p(), lambda rng: [rng.uniform(-0.9, 3, (3, 4))]),
    Case("expm1", cr.expm1, lambda x: x.expm1(), normal(3, 4)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_clip_rejects_inverted_bounds():
    with pytest.raises(ValueError, match="must not exceed"):
        cr.clip(cr.Tensor([1.0]), 2.0, 1.0)


def test_abs_gradient_at_zero_is_zero_like_pytorch():
    x = cr.Tensor([0.0, -2.0], requires_grad=True)
    cr.abs(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, -1.0])


def test_log1p_and_expm1_keep_precision_for_tiny_inputs():
    x = cr.Tensor([1e-12], dtype=np.float64)
    assert cr.log1p(x).item() == pytest.approx(1e-12, rel=1e-9)
    assert cr.expm1(x).item() == pytest.approx(1e-12, rel=1e-9)
