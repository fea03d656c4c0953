"""Flatten keeps the batch axis and merges the rest."""

import numpy as np
import pytest
from harness import check_layer_gradients

import chainrule as cr


def test_flatten_shape_and_gradient():
    assert cr.Flatten()(np.zeros((2, 3, 4, 5))).shape == (2, 60)
    check_layer_gradients(cr.Flatten(), np.random.default_rng(0).standard_normal((2, 3, 2)))


def test_flatten_needs_a_batch_axis():
    with pytest.raises(ValueError, match=r"\(N, \.\.\.\)"):
        cr.Flatten()(np.zeros(3))
