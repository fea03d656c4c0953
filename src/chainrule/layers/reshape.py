"""`Flatten`: (N, d₁, d₂, …) → (N, d₁·d₂·…), e.g. between convolutional and dense layers."""

from __future__ import annotations

from chainrule.layers.base import Layer
from chainrule.ops.shape import reshape
from chainrule.tensor import Tensor


class Flatten(Layer):
    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2:
            raise ValueError(f"Flatten expects a batch of shape (N, ...), got shape {x.shape}")
        return reshape(x, (x.shape[0], -1))
