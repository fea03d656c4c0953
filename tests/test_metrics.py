"""The confusion matrix and the regression scores of `chainrule.metrics`."""

import numpy as np
import pytest

from chainrule.metrics import confusion_matrix, format_confusion_matrix, mae_rmse


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    counts = confusion_matrix(np.array([0, 1, 1, 2, 2, 2]), np.eye(3)[[0, 1, 2, 2, 2, 0]], classes=4)
    expected = np.zeros((4, 4), dtype=int)
    for t, p in [(0, 0), (1, 1), (1, 2), (2, 2), (2, 2), (2, 0)]:
        expected[t, p] += 1
    np.testing.assert_array_equal(counts, expected)
    text = format_confusion_matrix(counts[:3, :3])
    assert text.splitlines()[2].split()[-2:] == ["50.00", "%"]  # class 1: one of its two samples right


def test_a_yes_no_column_and_bad_labels():
    np.testing.assert_array_equal(confusion_matrix([0, 1, 1], np.array([[0], [1], [0]])), [[1, 0], [1, 1]])
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.1 for 2 classes"):
        confusion_matrix([0, 2], [0, 1], classes=2)


def test_mae_and_rmse():
    assert mae_rmse(np.array([[1.0], [3.0]]), np.array([2.0, 3.0])) == pytest.approx((0.5, np.sqrt(0.5)))
