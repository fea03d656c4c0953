"""`CharLanguageModel`: characters in, a distribution over the next character out.

    tokens (N, T) → one-hot (N, T, V) or Embedding → recurrent layers → Dense(V) at every step → logits (N, T, V)

The logits at step t score the character that follows token t; softmax
cross-entropy against the text shifted by one is the training loss, and its
value is the model's cross-entropy in nats per character.

The recurrent layers may differ (the book's "GRU → LSTM" is ``cell=["gru",
"lstm"]``). ``forward(tokens, state)`` returns ``(logits, state)``, the state a
list with one entry per recurrent layer, so a training loop can carry it from
one batch to the next (detached) and a sampler can feed one character at a time.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from chainrule.layers.base import Layer
from chainrule.layers.dense import Dense
from chainrule.layers.embedding import Embedding
from chainrule.layers.recurrent import GRU, LSTM, RNN, Recurrent
from chainrule.layers.sequence import TimeDistributed
from chainrule.ops.embedding import check_indices
from chainrule.tensor import Tensor

CELLS: dict[str, type[Recurrent]] = {"rnn": RNN, "gru": GRU, "lstm": LSTM}


class CharLanguageModel(Layer):
    """A character-level language model.

    Args:
        vocab_size: V, the number of distinct characters.
        hidden_size: H of every recurrent layer.
        cell: "lstm", "gru" or "rnn" for every layer, or a list naming each layer's cell.
        num_layers: how many recurrent layers (with a list of cells, its length).
        embedding_dim: learn an `Embedding` of this size; None feeds one-hot vectors (as the book does).
        weight_init: the recurrent layers' initialisation (see `Recurrent`), or a list with one per layer.
            The output layer is a Glorot-initialised `Dense`.

    >>> model = CharLanguageModel(vocab_size=62, hidden_size=32, cell=["gru", "lstm"])
    >>> logits, state = model(np.zeros((4, 25), dtype=int))
    >>> logits.shape, len(state)
    ((4, 25, 62), 2)
    """

    converts_input = False  # the input is integer tokens

    def __init__(self, vocab_size: int, hidden_size: int, cell: str | Sequence[str] = "lstm", num_layers: int = 1,
                 embedding_dim: int | None = None, weight_init: Any = "uniform") -> None:
        super().__init__()
        cells = [cell] * num_layers if isinstance(cell, str) else list(cell)
        if not isinstance(cell, str) and num_layers not in (1, len(cells)):
            raise ValueError(f"CharLanguageModel: cell lists {len(cells)} layers but num_layers is {num_layers}")
        unknown = [c for c in cells if c not in CELLS]
        if unknown or not cells:
            raise ValueError(f"CharLanguageModel: cell must be one of {sorted(CELLS)} (or a list of them), got {cell!r}")
        inits = list(weight_init) if isinstance(weight_init, (list, tuple)) else [weight_init] * len(cells)
        if len(inits) != len(cells):
            raise ValueError(f"CharLanguageModel: {len(inits)} weight_init values for {len(cells)} recurrent layers")
        if not isinstance(vocab_size, (int, np.integer)) or vocab_size < 2:
            raise ValueError(f"CharLanguageModel: vocab_size must be an integer ≥ 2, got {vocab_size!r}")
        self.vocab_size, self.hidden_size, self.cells = int(vocab_size), int(hidden_size), cells
        self.embedding_dim = None if embedding_dim is None else int(embedding_dim)
        self.weight_init = inits if isinstance(weight_init, (list, tuple)) else weight_init
        self.embedding = None if embedding_dim is None else Embedding(vocab_size, self.embedding_dim)
        sizes = [self.embedding_dim or self.vocab_size] + [self.hidden_size] * (len(cells) - 1)
        self.recurrent = [CELLS[c](hidden_size, input_size=n, weight_init=w) for c, n, w in zip(cells, sizes, inits)]
        self.head = TimeDistributed(Dense(self.vocab_size, input_size=self.hidden_size))
        self._eye: np.ndarray | None = None

    def forward(self, tokens: Any, state: list | None = None) -> tuple[Tensor, list]:
        """Logits (N, T, V) for integer tokens (N, T), and the state after the last step."""
        tokens = check_indices(tokens, self.vocab_size, "CharLanguageModel")
        if tokens.ndim != 2:
            hint = "; a single sequence needs a batch axis: tokens[None]" if tokens.ndim == 1 else ""
            raise ValueError(f"CharLanguageModel expected tokens of shape (N, T), got {tokens.shape}{hint}")
        if state is not None and len(state) != len(self.recurrent):
            raise ValueError(f"CharLanguageModel: the state has {len(state)} entries, one per layer is {len(self.recurrent)}")
        x = self.embedding(tokens) if self.embedding is not None else Tensor(self._one_hot(tokens), dtype=self.dtype)
        new_state = []
        for k, layer in enumerate(self.recurrent):
            x, final = layer(x, None if state is None else state[k])
            new_state.append(final)
        return self.head(x), new_state

    def _one_hot(self, tokens: np.ndarray) -> np.ndarray:
        if self._eye is None or self._eye.dtype != self.dtype:
            self._eye = np.eye(self.vocab_size, dtype=self.dtype)
        return self._eye[tokens]

    def config(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "hidden_size": self.hidden_size,
                "cell": self.cells[0] if len(set(self.cells)) == 1 else list(self.cells),
                "num_layers": len(self.cells), "embedding_dim": self.embedding_dim, "weight_init": self.weight_init}


def detach_state(state: Any) -> Any:
    """The same state cut out of the graph (Tensors detached, in the same nesting of lists and tuples)."""
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (list, tuple)):
        return type(state)(detach_state(s) for s in state)
    return state
