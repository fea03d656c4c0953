"""Attention layers: `MultiHeadAttention` and `CausalSelfAttention`, over the `attention` operation.

Inputs are (N, T, E), batch first (PyTorch's ``batch_first=True``). With H heads of
size d = E/H, each layer projects its inputs to queries, keys and values, splits the
E features into H heads, runs scaled dot-product attention per head
(`chainrule.ops.attention`, where the backward is derived), joins the heads and
projects back:

    Q = x_q·W_q + b_q,  K = x_k·W_k + b_k,  V = x_v·W_v + b_v        (N·T, E) each
    head h: O_h = softmax(Q_h·K_hᵀ/√d)·V_h                          (N, H, T, d)
    y = [O_1 … O_H]·W_o + b_o                                       (N, T, E)

The projections are `Dense` layers (weights (E_in, E_out), as everywhere in chainrule);
`chainrule.interop` packs W_q, W_k, W_v into PyTorch's ``in_proj_weight`` (3E, E).

A `KVCache` keeps the keys and values of the positions already seen, so generating
one more position costs one query against them instead of the whole sequence again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.checks import check_count
from chainrule.layers.base import Layer
from chainrule.layers.dense import Dense
from chainrule.layers.dropout import Dropout
from chainrule.ops.attention import attention
from chainrule.ops.shape import concat
from chainrule.tensor import Tensor


class KVCache:
    """The keys and values (N, H, T_seen, d) one attention layer has computed so far (constants, no graph)."""

    def __init__(self) -> None:
        self.keys: np.ndarray | None = None
        self.values: np.ndarray | None = None

    @property
    def length(self) -> int:
        return 0 if self.keys is None else self.keys.shape[2]

    def extend(self, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Remember the new keys and values; return all of them (cached ones first)."""
        if self.keys is not None:
            k = concat([Tensor(self.keys, dtype=self.keys.dtype), k], axis=2)
            v = concat([Tensor(self.values, dtype=self.values.dtype), v], axis=2)
        self.keys, self.values = k.data, v.data
        return k, v


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention, batch first, as ``torch.nn.MultiheadAttention(batch_first=True)``.

    Args:
        embed_dim: E, the features of queries, keys, values and output.
        num_heads: H; E must be a multiple of H.
        dropout: probability of dropping each attention weight while training.
        bias: biases on the four projections.

    ``layer(query, key=None, value=None, mask=None, causal=False)``: query (N, T_q, E),
    key and value (N, T_k, E) (default: the query, self-attention). `mask` is boolean,
    broadcastable to (N, H, T_q, T_k), **True where attending is allowed** (the
    `attention` operation's convention; ``nn.MultiheadAttention``'s boolean attn_mask
    means the opposite). Returns the output (N, T_q, E) only (PyTorch also returns
    the averaged weights).

    >>> layer = MultiHeadAttention(8, 2)
    >>> layer(np.ones((3, 5, 8))).shape
    (3, 5, 8)
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        check_count("MultiHeadAttention", "embed_dim", embed_dim)
        check_count("MultiHeadAttention", "num_heads", num_heads)
        if embed_dim % num_heads:
            raise ValueError(f"MultiHeadAttention: embed_dim {embed_dim} is not a multiple of num_heads {num_heads}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MultiHeadAttention: dropout must be in [0, 1), got {dropout}")
        self.embed_dim, self.num_heads, self.dropout, self.use_bias = int(embed_dim), int(num_heads), float(dropout), bias
        self.query = Dense(embed_dim, input_size=embed_dim, bias=bias)
        self.key = Dense(embed_dim, input_size=embed_dim, bias=bias)
        self.value = Dense(embed_dim, input_size=embed_dim, bias=bias)
        self.out = Dense(embed_dim, input_size=embed_dim, bias=bias)

    def _heads(self, projection: Dense, x: Tensor) -> Tensor:
        """(N, T, E) → project → (N, H, T, d)."""
        n, t, e = x.shape
        y = projection(x.reshape(n * t, e))
        return y.reshape(n, t, self.num_heads, e // self.num_heads).transpose(0, 2, 1, 3)

    def forward(self, query: Tensor, key: Any = None, value: Any = None, mask: Any = None, causal: bool = False,
                cache: KVCache | None = None) -> Tensor:
        key = query if key is None else (key if isinstance(key, Tensor) else self.as_input(key))
        value = key if value is None else (value if isinstance(value, Tensor) else self.as_input(value))
        for name, x in (("query", query), ("key", key), ("value", value)):
            if x.ndim != 3 or x.shape[2] != self.embed_dim:
                raise ValueError(f"{type(self).__name__} expected {name} of shape (N, T, {self.embed_dim}), got "
                                 f"{x.shape}")
            if x.dtype != self.dtype:
                raise TypeError(f"{type(self).__name__} has {self.dtype} weights but got a {x.dtype} {name}")
        n, t, e = query.shape
        q, k, v = self._heads(self.query, query), self._heads(self.key, key), self._heads(self.value, value)
        if cache is not None:
            k, v = cache.extend(k, v)
        y = attention(q, k, v, mask=mask, causal=causal, dropout=self.dropout if self.training else 0.0, rng=self.rng)
        return self.out(y.transpose(0, 2, 1, 3).reshape(n * t, e)).reshape(n, t, e)

    def config(self) -> dict[str, Any]:
        return {"embed_dim": self.embed_dim, "num_heads": self.num_heads, "dropout": self.dropout,
                "bias": self.use_bias}


class CausalSelfAttention(MultiHeadAttention):
    """Self-attention in which each position sees itself and the positions before it (a GPT's attention).

    ``layer(x, cache=None)``: x (N, T, E) → (N, T, E). With a `KVCache`, x holds the
    positions after the cached ones; their keys and values are added to the cache.
    `resid_dropout` drops outputs of the output projection while training (GPT-2's
    residual dropout).

    >>> layer = CausalSelfAttention(8, 2)
    >>> layer(np.ones((1, 4, 8))).shape
    (1, 4, 8)
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__(embed_dim, num_heads, dropout, bias)
        self.resid_dropout = Dropout(dropout)

    def forward(self, x: Tensor, cache: KVCache | None = None) -> Tensor:
        return self.resid_dropout(super().forward(x, causal=True, cache=cache))
