"""`Embedding(num_embeddings, embedding_dim)`: integer tokens → learned vectors.

The layer holds a weight (num_embeddings, embedding_dim) and returns its rows
picked by the tokens: input of any integer shape S → output S + (embedding_dim,).
It is the one-hot input times a weight matrix, without building the one-hot;
its backward adds the gradient of every occurrence of a token into that token's
row (`chainrule.ops.embedding`). The weights start from N(0, 1), as in PyTorch.

The input stays an integer array (``converts_input = False``); a token outside
0..num_embeddings − 1 is an error that names the vocabulary size.

>>> layer = Embedding(65, 16)
>>> layer(np.array([[0, 12, 64]])).shape
(1, 3, 16)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.checks import check_count
from chainrule.layers.base import LazilyBuilt
from chainrule.ops.embedding import embedding
from chainrule.tensor import Parameter, Tensor


class Embedding(LazilyBuilt):
    """Learned vectors for integer tokens: y = W[k] = one_hot(k)·W;  ∂L/∂W[v] = Σ_{s: k[s] = v} g[s].

    Args:
        num_embeddings: V, the vocabulary size; embedding_dim: D, the size of each vector.

    Input: integer tokens of any shape S → output S + (D,).
    """

    converts_input = False
    size_attribute = "num_embeddings"  # known from the start; LazilyBuilt lets `chainrule.load` wait for the weights

    def __init__(self, num_embeddings: int, embedding_dim: int) -> None:
        super().__init__()
        self.embedding_dim = check_count("Embedding(embedding_dim=...)", "embedding_dim", embedding_dim)
        self.num_embeddings: int | None = None
        self.weight: Parameter | None = None
        self._set_size(num_embeddings)

    def _shapes(self, num_embeddings: int) -> dict[str, tuple[int, ...]]:
        return {"weight": (num_embeddings, self.embedding_dim)}

    def _initial(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        return self.rng.standard_normal(shape).astype(self.dtype)

    def forward(self, indices: Any) -> Tensor:
        return embedding(indices, self.weight)

    def config(self) -> dict[str, Any]:
        return {"num_embeddings": self.num_embeddings, "embedding_dim": self.embedding_dim}
