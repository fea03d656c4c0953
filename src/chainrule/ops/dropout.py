"""Inverted dropout: zero each element with probability p, scale the rest by 1/(1 − p).

With keep-mask m (m_i = 1 with probability 1 − p), y = x ∘ m / (1 − p), so the
expected value of y equals x and nothing needs rescaling at evaluation time.
∂L/∂x = g ∘ m / (1 − p): the same mask, so dropped units get no gradient (a
known slip is to forget the mask in backward).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.tensor import Tensor


class Dropout(Operation):
    """y = x ∘ m / (1 − p).   ∂L/∂x = g ∘ m / (1 − p)."""

    def __init__(self, scaled_mask: np.ndarray) -> None:
        self.scaled_mask = scaled_mask

    def forward(self, x):
        return x * self.scaled_mask

    def backward(self, g, x, y):
        return g * self.scaled_mask


def dropout(x: Any, p: float, rng: np.random.Generator, training: bool = True) -> Tensor:
    """Drop each element with probability `p` while `training` (identity otherwise).

    y = x ∘ m / (1 − p) with m_i ~ Bernoulli(1 − p);  ∂L/∂x = g ∘ m / (1 − p) (the same mask).
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: p is the probability of dropping and must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x if isinstance(x, Tensor) else Tensor(x)
    shape = x.shape
    dtype = x.dtype if isinstance(x, Tensor) else np.dtype(np.float32)
    keep = rng.random(shape, dtype=np.float32) >= p
    scaled_mask = keep.astype(dtype) * dtype.type(1.0 / (1.0 - p))
    return Dropout(scaled_mask)(x)
