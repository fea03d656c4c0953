"""Scores beyond the loss: a classifier's confusion matrix, a regression's MAE and RMSE.

Row i, column j of the confusion matrix counts the samples of true class i that
were predicted as class j: the diagonal holds the right answers, and the largest
entry off it names the two classes the model mixes up most.

>>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
array([[1, 0, 0],
       [0, 1, 1],
       [0, 0, 1]])
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def confusion_matrix(y_true: Any, y_pred: Any, classes: int | None = None) -> np.ndarray:
    """Counts (classes × classes): entry [i, j] is the number of samples of class i predicted as j.

    Labels are integers 0..classes−1 (one-hot rows are turned into labels); `classes`
    defaults to one more than the largest label seen.
    """
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: {len(y_true)} true labels but {len(y_pred)} predictions")
    n = int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1) if classes is None else int(classes)
    if len(y_true) and (min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= n):
        raise ValueError(f"confusion_matrix: labels must be in 0..{n - 1} for {n} classes")
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def format_confusion_matrix(counts: np.ndarray, names: Sequence[str] | None = None) -> str:
    """The matrix as text: rows the true classes, columns the predicted ones, with each row's recall."""
    names = [str(i) for i in range(len(counts))] if names is None else [str(n) for n in names]
    width = max(5, *(len(n) for n in names), len(str(int(counts.max(initial=0))))) + 1
    lines = ["true \\ predicted".ljust(18) + "".join(n.rjust(width) for n in names) + "   right"]
    for index, (name, row) in enumerate(zip(names, counts)):
        total = int(row.sum())
        right = f"{100 * row[index] / total:6.2f} %" if total else "     —"
        lines.append(name.ljust(18) + "".join(str(int(c)).rjust(width) for c in row) + "  " + right)
    return "\n".join(lines)


def mae_rmse(predictions: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean absolute error and root mean squared error, in the targets' units (the book's chapter 2 scores)."""
    error = np.asarray(predictions, dtype=np.float64).reshape(-1) - np.asarray(y, dtype=np.float64).reshape(-1)
    return float(np.abs(error).mean()), float(np.sqrt((error**2).mean()))


def _labels(values: Any, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim == 2:  # one-hot rows, or a single yes/no column
        array = array[:, 0] if array.shape[1] == 1 else array.argmax(axis=1)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "biu"):
        raise ValueError(f"confusion_matrix: {what} must be integer labels of shape (N,) or one-hot rows (N, C), "
                         f"got {array.dtype} of shape {np.shape(values)}")
    return array.astype(np.int64)
