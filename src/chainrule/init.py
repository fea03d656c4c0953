"""Weight initialisation: the book's standard normal, Glorot/Xavier, He.

Each scheme draws from an explicit `np.random.Generator` (never the global NumPy
state), so a network built with a seed is the same on every run.

For a weight with fan-in n_in and fan-out n_out (for a convolution kernel
(C_out, C_in, k, k): n_in = C_in·k², n_out = C_out·k², as in PyTorch):

* ``standard``: N(0, 1) — the book's default; large layers saturate with it.
* ``glorot`` (Xavier): N(0, σ²) with σ = √(2 / (n_in + n_out)), which keeps the
  variance of activations and of gradients roughly constant through a layer.
  The book's companion code used 2 / (n_in + n_out) as σ — the variance, not
  its square root.
* ``he`` (Kaiming): N(0, σ²) with σ = √(2 / n_in), for ReLU layers.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

SCHEMES = ("standard", "glorot", "he")


def fans(shape: Sequence[int]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: (n_in, n_out) for a matrix, (C_out, C_in, k, k) for a kernel."""
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    if len(shape) >= 3:
        receptive = int(np.prod(shape[2:]))
        return int(shape[1]) * receptive, int(shape[0]) * receptive
    raise ValueError(f"fans: a weight needs at least 2 axes, got shape {tuple(shape)}")


def init_std(scheme: str, shape: Sequence[int]) -> float:
    """The standard deviation the scheme uses for a weight of this shape."""
    fan_in, fan_out = fans(shape)
    if scheme == "standard":
        return 1.0
    if scheme == "glorot":
        return math.sqrt(2.0 / (fan_in + fan_out))
    if scheme == "he":
        return math.sqrt(2.0 / fan_in)
    raise ValueError(f"weight_init must be one of {SCHEMES}, got {scheme!r}")


def initialize(scheme: str, shape: Sequence[int], rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
    """Draw a weight of `shape` from N(0, init_std(scheme, shape)²) as `dtype`.

    >>> w = initialize("glorot", (300, 100), np.random.default_rng(0), np.float32)
    >>> round(float(w.std()), 2), w.dtype
    (0.07, dtype('float32'))
    """
    std = init_std(scheme, shape)
    return (rng.standard_normal(tuple(shape)) * std).astype(dtype)
