"""The book's array helpers (`lincoln.utils.np_utils`): shapes, shuffling, softmax.

`permute_data` uses NumPy's global generator, as the book's did, so that a
seeded `Trainer.fit` visits the data in the book's order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.ops.activations import softmax as _softmax
from chainrule.tensor import Tensor


def to_2d(a: np.ndarray, type: str = "col") -> np.ndarray:  # noqa: A002 - the book's argument name
    """A 1-D array as a column (N, 1) or a row (1, N)."""
    if a.ndim != 1:
        raise ValueError(f"to_2d needs a 1-D array, got shape {a.shape}")
    if type not in ("col", "row"):
        raise ValueError(f"to_2d: type must be 'col' or 'row', got {type!r}")
    return a.reshape(-1, 1) if type == "col" else a.reshape(1, -1)


def normalize(a: np.ndarray) -> np.ndarray:
    """[p, 1 − p] side by side: one probability column as two classes."""
    return np.concatenate([a, 1 - a], axis=1)


def unnormalize(a: np.ndarray) -> np.ndarray:
    """The first row of `a`, keeping a leading axis (the book's inverse of `normalize`, as it wrote it)."""
    return a[np.newaxis, 0]


def permute_data(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X and y shuffled by one permutation from NumPy's global generator (``np.random.seed`` sets it)."""
    perm = np.random.permutation(X.shape[0])
    return X[perm], y[perm]


def assert_same_shape(output: Any, output_grad: Any) -> None:
    """Raise a ValueError unless the two have the same shape."""
    if np.shape(output) != np.shape(output_grad):
        raise ValueError(
            f"two tensors should have the same shape; instead the first has shape {np.shape(output)} "
            f"and the second {np.shape(output_grad)}"
        )


def assert_dim(t: Any, dim: int) -> None:
    """Raise a ValueError unless `t` has `dim` axes."""
    if np.ndim(t) != dim:
        raise ValueError(f"tensor expected to have dimension {dim}, instead has dimension {np.ndim(t)}")


def softmax(x: Any, axis: int | None = None) -> np.ndarray:
    """softmax along `axis` (over all elements for None), computed stably: chainrule's softmax, as an array."""
    array = np.asarray(x, dtype=np.float64)
    if axis is None:
        return _softmax(Tensor(array.reshape(-1), dtype=np.float64)).data.reshape(array.shape)
    return _softmax(Tensor(array, dtype=np.float64), axis=axis).data
