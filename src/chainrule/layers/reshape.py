"""`Flatten`: (N, d₁, d₂, …) → (N, d₁·d₂·…), e.g. between convolutional and dense layers."""

from __future__ import annotations

from chainrule.layers.base import Layer
from chainrule.ops.shape import reshape
from chainrule.tensor import Tensor


class Flatten(Layer):
    """(N, d₁, d₂, …) → (N, d₁·d₂·…), a reshape: ∂L/∂x = g reshaped back to x's shape.

    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 7, 28, 28))).shape
    (2, 5488)
    """

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2:
            raise ValueError(f"Flatten expects a batch of shape (N, ...), got shape {x.shape}")
        return reshape(x, (x.shape[0], -1))
