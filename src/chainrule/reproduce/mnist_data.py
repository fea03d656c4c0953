"""MNIST prepared as the book prepares it: flattened or as images, scaled by the
training set's global pixel mean and standard deviation, float32; integer labels.
Fashion-MNIST (or any loader of 28×28 images) is prepared the same way with `load=`."""

from __future__ import annotations

import numpy as np

from typing import Callable

from chainrule.data import load_mnist


def book_mnist(root: str | None = None, images: bool = False, limit: int | None = None,
               load: Callable[[str | None], tuple[np.ndarray, ...]] = load_mnist) -> tuple[np.ndarray, ...]:
    """(X_train, y_train, X_test, y_test): X = (pixels − mean) / std with the training set's scalars.

    `images` gives (N, 1, 28, 28) instead of (N, 784); `limit` keeps the first n of each split (for quick runs);
    `load(root)` gives the raw splits (default: MNIST; `chainrule.data.load_fashion_mnist` works too).
    """
    X_train, y_train, X_test, y_test = load(root)
    if limit is not None:
        X_train, y_train, X_test, y_test = X_train[:limit], y_train[:limit], X_test[:limit], y_test[:limit]
    X_train = X_train.astype(np.float32)
    X_test = X_test.astype(np.float32)
    mean, std = X_train.mean(), X_train.std()
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    shape = (1, 28, 28) if images else (784,)
    return X_train.reshape((-1,) + shape), y_train, X_test.reshape((-1,) + shape), y_test
