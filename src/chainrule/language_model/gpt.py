"""`CharGPT`: a small GPT over characters — embeddings, pre-LN transformer blocks, a tied output layer.

    x = E_tok[tokens] + E_pos[positions]              (N, T, C)  learned positional embeddings
    x = block_L(… block_1(x))                          `TransformerBlock`s (causal self-attention, GELU MLP)
    logits = LayerNorm(x)·E_tokᵀ                       (N, T, V)  the output layer *is* the input embedding

Tying the output projection to the token embedding (``tie_weights=True``, GPT-2's
choice) saves V·C weights; the embedding then gets gradient from both ends.

Initialisation follows GPT-2 as the minimal GPT projects do: every weight matrix and
embedding from N(0, 0.02²), biases 0, LayerNorms γ = 1, β = 0, and the two projections
that write into the residual stream (attention output, MLP output) from
N(0, (0.02/√(2L))²), so the stream's variance does not grow with depth.

``model(tokens, cache=None) -> (logits, cache)``, as the character models: the
`GPTCache` it returns holds every block's keys and values, so
``model(next_token, cache)`` computes one position, not the whole context again
(`chainrule.language_model.sample` uses this). Positions are absolute and at most
`block_size`: when the cache is full, the model starts a fresh one from the last
``block_size // 2`` tokens (one forward pass of half a context), then grows it
again one position at a time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.checks import check_count
from chainrule.layers.attention import KVCache
from chainrule.layers.base import Layer
from chainrule.layers.dense import Dense
from chainrule.layers.dropout import Dropout
from chainrule.layers.embedding import Embedding
from chainrule.layers.normalization import LayerNorm
from chainrule.layers.transformer import TransformerBlock
from chainrule.ops.embedding import check_indices
from chainrule.ops.linear import linear
from chainrule.tensor import Tensor

INIT_STD = 0.02


class GPTCache:
    """What generation carries from one call to the next: the tokens in the context and each block's `KVCache`."""

    def __init__(self, blocks: int, tokens: np.ndarray) -> None:
        self.layers = [KVCache() for _ in range(blocks)]
        self.tokens = tokens  # (N, T_seen): the context the cached keys and values belong to

    @property
    def length(self) -> int:
        return self.tokens.shape[1]


class CharGPT(Layer):
    """A GPT over a character vocabulary (see the module docstring).

    Args:
        vocab_size: V; block_size: the longest context (positions 0 … block_size − 1).
        n_layer, n_head, n_embd: blocks, heads per block, and C, the width of the residual stream.
        dropout: on embeddings, attention weights and residual branches while training.
        bias: biases in the projections and LayerNorms.
        tie_weights: the output layer uses the token embedding's weights.
        approximate: the GELU form, "none" (erf, as PyTorch's default) or "tanh".

    >>> model = CharGPT(10, block_size=8, n_layer=1, n_head=2, n_embd=8)
    >>> logits, cache = model(np.array([[1, 2, 3]]))
    >>> logits.shape, cache.length
    ((1, 3, 10), 3)
    """

    converts_input = False

    def __init__(self, vocab_size: int, block_size: int = 64, n_layer: int = 4, n_head: int = 4, n_embd: int = 128,
                 dropout: float = 0.0, bias: bool = True, tie_weights: bool = True, approximate: str = "none") -> None:
        super().__init__()
        for name, value in (("vocab_size", vocab_size), ("block_size", block_size), ("n_layer", n_layer)):
            check_count("CharGPT", name, value)
        self.vocab_size, self.block_size, self.n_layer = int(vocab_size), int(block_size), int(n_layer)
        self.n_head, self.n_embd, self.dropout, self.bias = int(n_head), int(n_embd), float(dropout), bool(bias)
        self.tie_weights, self.approximate = bool(tie_weights), approximate
        self.token_embedding = Embedding(vocab_size, n_embd)
        self.position_embedding = Embedding(block_size, n_embd)
        self.embedding_dropout = Dropout(dropout)
        self.blocks = [TransformerBlock(n_embd, n_head, dropout, bias, approximate=approximate) for _ in range(n_layer)]
        self.ln_f = LayerNorm(n_embd, bias=bias)
        self.head = None if tie_weights else Dense(vocab_size, input_size=n_embd, bias=False)
        self.init_weights()

    def seed(self, seed: Any) -> None:
        super().seed(seed)  # every layer gets its generator (dropout) and draws its default weights …
        self.init_weights()  # … which are then replaced by GPT-2's, from this model's generator

    def init_weights(self) -> None:
        """GPT-2's initialisation (module docstring), drawn from this model's generator."""
        residual_std = INIT_STD / math.sqrt(2 * self.n_layer)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                p.data[...] = 0
            elif name.startswith("blocks") and (name.endswith(("attention.out.weight", "proj.weight"))):
                p.data[...] = self.rng.standard_normal(p.shape) * residual_std
            elif p.ndim == 2:
                p.data[...] = self.rng.standard_normal(p.shape) * INIT_STD
            else:
                p.data[...] = 1  # LayerNorm γ

    def forward(self, tokens: Any, cache: GPTCache | None = None) -> tuple[Tensor, GPTCache]:
        """Logits (N, T, V) for tokens (N, T) following the cached context (if any), and the updated cache."""
        tokens = check_indices(tokens, self.vocab_size, "CharGPT")
        if tokens.ndim != 2:
            hint = "; a single sequence needs a batch axis: tokens[None]" if tokens.ndim == 1 else ""
            raise ValueError(f"CharGPT expected tokens of shape (N, T), got {tokens.shape}{hint}")
        if tokens.shape[1] > self.block_size:
            raise ValueError(f"CharGPT: {tokens.shape[1]} tokens do not fit its context of {self.block_size}; "
                             "give at most block_size tokens (the last ones)")
        if cache is not None and cache.length + tokens.shape[1] > self.block_size:
            keep = max(self.block_size // 2 - tokens.shape[1], 0)
            tokens = np.concatenate([cache.tokens[:, cache.length - keep:], tokens], axis=1)
            new = tokens.shape[1] - keep
            logits, cache = self.forward(tokens, None)  # a fresh cache over the last block_size // 2 tokens
            return logits[:, -new:], cache
        start = 0 if cache is None else cache.length
        n, t = tokens.shape
        cache = GPTCache(len(self.blocks), tokens) if cache is None else cache
        if start:
            cache.tokens = np.concatenate([cache.tokens, tokens], axis=1)
        x = self.token_embedding(tokens) + self.position_embedding(np.arange(start, start + t))
        x = self.embedding_dropout(x)
        for block, layer_cache in zip(self.blocks, cache.layers):
            x = block(x, cache=layer_cache)
        h = self.ln_f(x).reshape(n * t, self.n_embd)
        logits = linear(h, self.token_embedding.weight.T) if self.head is None else self.head(h)
        return logits.reshape(n, t, self.vocab_size), cache

    def config(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "block_size": self.block_size, "n_layer": self.n_layer,
                "n_head": self.n_head, "n_embd": self.n_embd, "dropout": self.dropout, "bias": self.bias,
                "tie_weights": self.tie_weights, "approximate": self.approximate}
