"""Weight initialisation: fans, the correct Glorot square root, reproducibility."""

import numpy as np
import pytest

from chainrule.init import fans, init_std, initialize


def test_fans_for_matrices_and_kernels():
    assert fans((784, 89)) == (784, 89)
    assert fans((16, 3, 5, 5)) == (75, 400)


def test_glorot_uses_the_square_root_the_book_forgot():
    assert init_std("glorot", (784, 89)) == pytest.approx(np.sqrt(2 / (784 + 89)))
    assert init_std("he", (100, 10)) == pytest.approx(np.sqrt(2 / 100))
    assert init_std("standard", (3, 3)) == 1.0


def test_same_generator_seed_same_weights_and_dtype():
    a = initialize("he", (20, 10), np.random.default_rng(5), np.float32)
    b = initialize("he", (20, 10), np.random.default_rng(5), np.float32)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32


def test_unknown_scheme():
    with pytest.raises(ValueError, match="weight_init must be one of"):
        init_std("xavier_uniform", (2, 2))
