"""The book's ``mnist.load()`` (`lincoln.utils.mnist`): MNIST in the book's layout.

Returns ``(X_train, y_train, X_test, y_test)``: images flattened to rows of
784 pixels, uint8 (60,000 × 784 and 10,000 × 784); labels as integers. The
files come from chainrule's checksum-verified loader (`chainrule.data`), so
there is no pickle to download first.
"""

from __future__ import annotations

import numpy as np

from chainrule.data import load_mnist


def load(root: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(training images (60000, 784), training labels, test images (10000, 784), test labels)."""
    X_train, y_train, X_test, y_test = load_mnist(root)
    return X_train.reshape(-1, 28 * 28), y_train, X_test.reshape(-1, 28 * 28), y_test
