"""Dropout layer: probability of dropping (not keeping), train/eval behaviour, seeding."""

import numpy as np
import pytest

import chainrule as cr


def test_drops_about_p_while_training_and_nothing_in_eval():
    layer = cr.Dropout(0.2)
    layer.seed(0)
    x = np.ones((100, 100))
    out = layer(x).data
    assert abs((out == 0).mean() - 0.2) < 0.02
    assert out.mean() == pytest.approx(1.0, abs=0.03)  # inverted: the expectation is kept
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x)


def test_book_keep_probability_is_refused_with_a_translation():
    with pytest.raises(ValueError, match=r"its 0.8 is Dropout\(0.2\)"):
        cr.Dropout(1.0)


def test_same_seed_same_mask():
    a, b = cr.Dropout(0.5), cr.Dropout(0.5)
    a.seed(7)
    b.seed(7)
    np.testing.assert_array_equal(a(np.ones((4, 4))).data, b(np.ones((4, 4))).data)


def test_works_on_convolutional_feature_maps():
    out = cr.Dropout(0.5)(np.ones((2, 3, 4, 4)))
    assert out.shape == (2, 3, 4, 4)
