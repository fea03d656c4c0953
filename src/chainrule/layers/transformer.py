"""`TransformerBlock`: one pre-LayerNorm transformer block (GPT-2's), and the `GELU` activation layer.

    x ← x + attention(LayerNorm₁(x))           causal self-attention, residual
    x ← x + W₂·GELU(W₁·LayerNorm₂(x) + b₁) + b₂  an MLP of width 4E, residual

Normalising *before* each sub-layer (pre-LN) keeps the residual stream a plain sum,
so gradients reach early blocks undamped; the model ends with one more LayerNorm.
The gradient of a residual x + f(x) is g + (∂f/∂x)ᵀg: the graph adds both paths.
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: F401 - for the examples

from chainrule.checks import check_count
from chainrule.layers.activations import Activation
from chainrule.layers.attention import CausalSelfAttention, KVCache
from chainrule.layers.base import Layer
from chainrule.layers.dense import Dense
from chainrule.layers.dropout import Dropout
from chainrule.layers.normalization import LayerNorm
from chainrule.ops.gelu import gelu
from chainrule.tensor import Tensor


class GELU(Activation):
    """f(x) = x·Φ(x) (``approximate="tanh"``: PyTorch's tanh form); f′ = Φ(x) + x·φ(x) (`chainrule.ops.gelu`)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return gelu(x, self.approximate)

    def config(self) -> dict[str, Any]:
        return {"approximate": self.approximate}


class TransformerBlock(Layer):
    """A pre-LayerNorm block: causal self-attention and a GELU MLP, each added to the residual stream.

    Args:
        embed_dim: E; num_heads: H (E a multiple of H).
        dropout: on attention weights and on both residual branches while training.
        bias: biases in the projections and LayerNorms.
        mlp_ratio: the MLP's width as a multiple of E (4 in GPT-2).
        approximate: the GELU form, "none" (erf) or "tanh".

    ``block(x, cache=None)``: (N, T, E) → (N, T, E).

    >>> TransformerBlock(8, 2)(np.ones((2, 3, 8))).shape
    (2, 3, 8)
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True, mlp_ratio: int = 4,
                 approximate: str = "none") -> None:
        super().__init__()
        check_count("TransformerBlock", "mlp_ratio", mlp_ratio)
        self.embed_dim, self.num_heads, self.dropout, self.use_bias = int(embed_dim), int(num_heads), dropout, bias
        self.mlp_ratio, self.approximate = int(mlp_ratio), approximate
        self.ln1 = LayerNorm(embed_dim, bias=bias)
        self.attention = CausalSelfAttention(embed_dim, num_heads, dropout, bias)
        self.ln2 = LayerNorm(embed_dim, bias=bias)
        self.fc = Dense(mlp_ratio * embed_dim, input_size=embed_dim, bias=bias)
        self.gelu = GELU(approximate)  # not named `activation`: the block is not an activated Dense
        self.proj = Dense(embed_dim, input_size=mlp_ratio * embed_dim, bias=bias)
        self.mlp_dropout = Dropout(dropout)

    def forward(self, x: Tensor, cache: KVCache | None = None) -> Tensor:
        x = x + self.attention(self.ln1(x), cache=cache)
        n, t, e = x.shape
        h = self.gelu(self.fc(self.ln2(x).reshape(n * t, e)))
        return x + self.mlp_dropout(self.proj(h)).reshape(n, t, e)

    def config(self) -> dict[str, Any]:
        return {"embed_dim": self.embed_dim, "num_heads": self.num_heads, "dropout": self.dropout,
                "bias": self.use_bias, "mlp_ratio": self.mlp_ratio, "approximate": self.approximate}
