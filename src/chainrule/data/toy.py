"""Two-dimensional toy problems for seeing what a network learns: circles, XOR, spirals, blobs.

Each returns points X (n, 2) in roughly [−1, 1]² and labels y (n,) in {0, 1},
half of each class, from an explicit generator (same seed, same points).

>>> X, y = make_toy("xor", n=8, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((8, 2), [0, 1])
"""

from __future__ import annotations

import numpy as np

KINDS = ("circles", "xor", "spirals", "blobs")


def make_toy(kind: str, n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`n` labelled points of the named problem, with Gaussian `noise` (a fraction of the plane's size).

    * ``circles``: class 1 inside a circle of radius 0.5, class 0 on a ring around it;
    * ``xor``: the class is whether x and y have the same sign;
    * ``spirals``: two interleaved spirals, one turn and a half each;
    * ``blobs``: two Gaussian clouds.
    """
    if kind not in KINDS:
        raise ValueError(f"make_toy: kind must be one of {KINDS}, got {kind!r}")
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"make_toy: n must be an integer ≥ 2, got {n!r}")
    if not 0 <= noise <= 1:
        raise ValueError(f"make_toy: noise must be between 0 and 1, got {noise!r}")
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    if kind == "circles":
        radius = np.where(y == 1, rng.uniform(0.0, 0.45, n), rng.uniform(0.6, 0.95, n))
        angle = rng.uniform(0, 2 * np.pi, n)
        X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    elif kind == "xor":
        X = rng.uniform(-1, 1, (n, 2))
        X += np.sign(X) * 0.05  # a small margin around the axes
        y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    elif kind == "spirals":
        t = rng.uniform(0.05, 1.0, n)
        angle = 3 * np.pi * t + np.pi * y
        X = 0.9 * t[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    else:
        centres = np.array([[-0.45, -0.35], [0.45, 0.35]])
        X = centres[y] + rng.normal(scale=0.25, size=(n, 2))
    X = X + rng.normal(scale=noise, size=X.shape)
    return X.astype(np.float64), y.astype(np.int64)
