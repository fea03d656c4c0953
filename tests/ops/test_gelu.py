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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erfc_and_gelu_cover_every_block_of_a_large_non_contiguous_array(dtype):
    """erfc runs block by block (gelu._BLOCK elements): a size that is no multiple of it, taken
    through a strided view, must come out whole; under the stale-memory guard an element that no
    block wrote would be NaN."""
    import importlib

    gelu_module = importlib.import_module("chainrule.ops.gelu")  # (chainrule.ops.gelu is the function)
    from chainrule.ops.scratch import stale_memory_guard

    size = 3 * gelu_module._BLOCK + 7
    x = np.linspace(-7, 7, 2 * size).astype(dtype)[::2].reshape(size, 1)  # strided: a copy is made inside
    with stale_memory_guard():
        got = erfc(x)
        y = gelu_module.gelu(cr.Tensor(x, dtype=dtype)).numpy()
    values = x.astype(np.float64).ravel()
    expected = np.array([math.erfc(v) for v in values]).reshape(x.shape)
    expected_y = np.array([v * math.erfc(-v / math.sqrt(2)) / 2 for v in values]).reshape(x.shape)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=0)
    np.testing.assert_allclose(y, expected_y, rtol=rtol, atol=1e-30)
