"""The playground's points: the toy sets, two regression sets, the train/test split and the input features.

The classification sets come from `chainrule.data.toy`. The regression sets give
each point a real target in [−1, 1] (as TensorFlow Playground's two):

* ``plane``: t = (x₁ + x₂) / 2, a tilted plane;
* ``gaussians``: t = Σₖ sₖ exp(−|x − cₖ|² / (2·0.3²)), bumps of sign sₖ at six centres, clipped to [−1, 1].

The network does not see (x₁, x₂) itself but the chosen `features` of it, each a
fixed function of the point (x₁, x₂, x₁², x₂², x₁x₂, sin πx₁, sin πx₂: the sines
use πx because the points lie in about [−1, 1]², where sin x would be nearly x).

>>> X, t = make_regression("plane", n=4, noise=0.0, seed=0)
>>> bool(np.allclose(t, X.sum(axis=1) / 2))
True
>>> featurize(np.array([[0.5, -1.0]]), ("x1", "x1*x2")).tolist()
[[0.5, -0.5]]
"""

from __future__ import annotations

import numpy as np

from chainrule.data.toy import make_toy
from chainrule.playground.config import REGRESSION, Config

# Each feature as a function of the points (n, 2).
FEATURE_FUNCTIONS = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin x1": lambda X: np.sin(np.pi * X[:, 0]),
    "sin x2": lambda X: np.sin(np.pi * X[:, 1]),
}
_BUMPS = np.array([[-0.6, -0.6, 1], [0.6, 0.6, 1], [-0.6, 0.6, -1], [0.6, -0.6, -1], [0.0, 0.0, 1], [0.0, 0.9, -1]])


def make_regression(kind: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` points uniform in [−1, 1]² (plus Gaussian `noise`) and their targets (n,) in [−1, 1]."""
    if kind not in REGRESSION:
        raise ValueError(f"make_regression: kind must be one of {REGRESSION}, got {kind!r}")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    t = target(kind, X)
    return X + rng.normal(scale=noise, size=X.shape), t


def target(kind: str, X: np.ndarray) -> np.ndarray:
    """The regression set's target at points X (n, 2), without noise."""
    if kind == "plane":
        return (X[:, 0] + X[:, 1]) / 2
    squared = ((X[:, None, :] - _BUMPS[None, :, :2]) ** 2).sum(axis=2)
    return np.clip((_BUMPS[:, 2] * np.exp(-squared / (2 * 0.3**2))).sum(axis=1), -1, 1)


def make_points(config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training points, their targets, test points, theirs: `test_ratio` of the points are held out.

    Targets are class labels (int64) for the classification sets, floats (n, 1) for regression.
    """
    if config.task == "regression":
        X, t = make_regression(config.dataset, config.samples, config.noise, config.seed)
        y: np.ndarray = t.astype(np.float32)[:, None]
    else:
        X, y = make_toy(config.dataset, n=config.samples, noise=config.noise, seed=config.seed)
    order = np.random.default_rng([config.seed, 1]).permutation(len(X))
    n_test = int(round(config.test_ratio * len(X)))
    test, train = order[:n_test], order[n_test:]
    X = X.astype(np.float32)
    return X[train], y[train], X[test], y[test]


def featurize(X: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """The network's input for points X (n, 2): one column per feature, in the order given."""
    return np.stack([FEATURE_FUNCTIONS[name](X) for name in features], axis=1).astype(np.float32)
