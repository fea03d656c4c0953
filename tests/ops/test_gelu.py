"""gelu (erf and tanh forms): gradcheck and PyTorch parity, saturation; erfc against math.erfc."""

import math

import numpy as np
import pytest
from harness import Case, check_case, normal

import chainrule as cr
from chainrule.ops.gelu import erfc


def _theirs(approximate):
    def run(x):
        import torch

        return torch.nn.functional.gelu(x, approximate=approximate)

    return run


WIDE = lambda rng: [np.concatenate([rng.standard_normal(8) * 3, [-9.0, -5.0, 0.0, 5.0, 9.0]])]  # noqa: E731

CASES = [
    Case("gelu", lambda x: cr.ops.gelu(x), _theirs("none"), normal(3, 4), "erf"),
    Case("gelu", lambda x: cr.ops.gelu(x), _theirs("none"), WIDE, "erf-wide"),
    Case("gelu", lambda x: cr.ops.gelu(x, approximate="tanh"), _theirs("tanh"), normal(3, 4), "tanh"),
    Case("gelu", lambda x: cr.ops.gelu(x, approximate="tanh"), _theirs("tanh"), WIDE, "tanh-wide"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_erfc_is_accurate_in_float64_also_in_the_tails():
    x = np.linspace(-6, 26, 4001)
    expected = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(erfc(x), expected, rtol=2e-13, atol=0)  # e^{−z²} itself loses ~z²·2⁻⁵³ relative


def test_erfc_float32_stays_float32_and_accurate():
    x = np.linspace(-5, 5, 101).astype(np.float32)
    got = erfc(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [math.erfc(v) for v in x.astype(np.float64)], rtol=1e-6, atol=1e-7)


def test_unknown_approximation_is_refused():
    with pytest.raises(ValueError, match="tanh"):
        cr.ops.gelu(cr.Tensor([1.0]), approximate="fast")
