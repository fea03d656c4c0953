"""Preparing arrays for training: `standardize`, `one_hot`, `train_test_split`, `batches`.

Everything random takes an explicit seed or `np.random.Generator`; nothing here touches
NumPy's global random state.
"""

from __future__ import annotations

import math
from typing import Iterator, NamedTuple

import numpy as np
import numpy.typing as npt

from chainrule.checks import check_count


class Standardized(NamedTuple):
    """What `standardize` returns; unpacks as ``train, test, mean, std = standardize(...)``."""

    train: np.ndarray
    test: np.ndarray | None
    mean: np.ndarray
    std: np.ndarray


def standardize(X_train: np.ndarray, X_test: np.ndarray | None = None, axis: int = 0) -> Standardized:
    """Scale to mean 0 and standard deviation 1 along `axis`, with statistics of X_train only.

        mean = X_train.mean(axis),  std = X_train.std(axis)  (ddof=0)
        X' = (X − mean) / std        for X_train and X_test alike

    A constant feature (std = 0) is divided by 1 instead, so it becomes 0, not NaN.

    Args:
        X_train: array of at least one dimension; integers are converted to float64,
            float32 stays float32.
        X_test: optional, the same shape except along `axis`.
        axis: the axis whose entries are samples (0: rows are samples).

    Returns:
        `Standardized(train, test, mean, std)`; mean and std keep `axis` as a size-1
        dimension, so ``(X_new - mean) / std`` transforms new data the same way.

    >>> standardize(np.array([[1.0, 5.0], [3.0, 5.0]])).train
    array([[-1.,  0.],
           [ 1.,  0.]])
    """
    X_train = _as_float(X_train, "X_train")
    if not -X_train.ndim <= axis < X_train.ndim or X_train.shape[axis] == 0:
        raise ValueError(f"standardize: X_train needs at least one sample along axis {axis}, got shape {X_train.shape}")
    mean = X_train.mean(axis=axis, keepdims=True)
    std = X_train.std(axis=axis, keepdims=True)
    std = np.where(std == 0, np.ones_like(std), std)
    test = None
    if X_test is not None:
        test = _as_float(X_test, "X_test")
        ax = axis % X_train.ndim
        if test.ndim != X_train.ndim or test.shape[:ax] + test.shape[ax + 1 :] != X_train.shape[:ax] + X_train.shape[ax + 1 :]:
            raise ValueError(
                f"standardize: X_test must match X_train {X_train.shape} except along axis {axis}; got {test.shape}"
            )
        test = (test - mean) / std
    return Standardized((X_train - mean) / std, test, mean, std)


def one_hot(labels: np.ndarray, num_classes: int | None = None, dtype: npt.DTypeLike = np.float32) -> np.ndarray:
    """One-hot encode integer class labels.

    Args:
        labels: integers in ``0..num_classes-1``, any shape S.
        num_classes: the number of classes; default ``labels.max() + 1``.
        dtype: of the result.

    Returns:
        Shape S + (num_classes,): 1 at ``[..., labels[...]]``, 0 elsewhere.

    >>> one_hot([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"one_hot: expected integer class labels, got dtype {labels.dtype}; "
            "if they are whole numbers, convert them with labels.astype(np.int64)"
        )
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from empty labels; pass num_classes")
        num_classes = int(labels.max()) + 1
    if num_classes <= 0:
        raise ValueError(f"one_hot: num_classes must be positive, got {num_classes}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)].flat[0]
        raise ValueError(f"one_hot: labels must lie in 0..{num_classes - 1}, found {bad}")
    out = np.zeros(labels.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
    return out


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_size: float | int = 0.25, seed: int | None = 0, shuffle: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split samples (along axis 0) into a training and a test set.

    Args:
        X, y: arrays with the same first dimension n.
        test_size: a fraction in (0, 1) — the test set gets ⌈test_size·n⌉ samples — or
            a whole number of samples. Both sets must end up non-empty.
        seed: seeds ``np.random.default_rng(seed)`` for the shuffle.
        shuffle: False keeps the order: the first samples train, the last ones test.

    Returns:
        ``(X_train, X_test, y_train, y_test)``.
    """
    X, y = _check_pair(X, y, "train_test_split")
    n = len(X)
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif isinstance(test_size, float) and 0 < test_size < 1:
        n_test = math.ceil(test_size * n)
    else:
        raise ValueError(f"train_test_split: test_size must be a fraction in (0, 1) or a count, got {test_size!r}")
    if not 0 < n_test < n:
        raise ValueError(
            f"train_test_split: {n} samples with test_size={test_size!r} gives {n_test} test and "
            f"{n - n_test} training samples; both must be at least 1"
        )
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    train, test = order[: n - n_test], order[n - n_test :]
    return X[train], X[test], y[train], y[test]


def batches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    shuffle: bool = False,
    rng: np.random.Generator | int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Mini-batches ``(X_batch, y_batch)`` of `batch_size` samples along axis 0.

    The last batch holds the remaining samples when `batch_size` does not divide n.

    Args:
        X, y: arrays with the same first dimension n.
        batch_size: a positive integer.
        shuffle: visit the samples in a random order (a new one per call).
        rng: a `np.random.Generator` or a seed for the shuffle; None draws fresh entropy.

    >>> [xb.tolist() for xb, yb in batches(np.arange(5), np.arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    """
    X, y = _check_pair(X, y, "batches")
    batch_size = check_count("batches", "batch_size", batch_size)
    order = np.random.default_rng(rng).permutation(len(X)) if shuffle else None
    return _iterate(X, y, batch_size, order)


def _iterate(X: np.ndarray, y: np.ndarray, batch_size: int, order: np.ndarray | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, len(X), batch_size):
        if order is None:
            yield X[start : start + batch_size], y[start : start + batch_size]
        else:
            index = order[start : start + batch_size]
            yield X[index], y[index]


def _check_pair(X: np.ndarray, y: np.ndarray, caller: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{caller}: X and y must be arrays of samples, got shapes {X.shape} and {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"{caller}: X and y must have the same number of samples, got {len(X)} and {len(y)}")
    if len(X) == 0:
        raise ValueError(f"{caller}: X and y are empty; there is nothing to split or batch")
    return X, y


def _as_float(X: np.ndarray, name: str) -> np.ndarray:
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise TypeError(f"standardize: {name} must hold real numbers, got dtype {X.dtype}")
    return X if np.issubdtype(X.dtype, np.floating) else X.astype(np.float64)
