"""`Dropout(p)`: during training, zero each input element with probability p.

p is the probability of *dropping*, as in PyTorch and Keras. The book
("Deep Learning from Scratch") passes the probability of *keeping* instead:
its ``Dense(..., dropout=0.8)`` is ``Dropout(0.2)`` here. Dropout is inverted
(the kept values are scaled by 1/(1 − p) while training), so evaluation needs
no rescaling; in `eval()` mode the layer passes its input through unchanged.
Works on any shape (dense activations or convolutional feature maps).
"""

from __future__ import annotations

from typing import Any

from chainrule.layers.base import Layer
from chainrule.ops.dropout import dropout
from chainrule.tensor import Tensor


class Dropout(Layer):
    """Inverted dropout: y = x ∘ m / (1 − p) while training (m_i = 0 with probability p), y = x in eval().

    ∂L/∂x = g ∘ m / (1 − p). `p` drops; the book's argument keeps (its 0.8 is ``Dropout(0.2)``).

    >>> import numpy as np
    >>> layer = Dropout(0.5).eval()
    >>> layer(np.ones((1, 3)))
    Tensor([[1., 1., 1.]], dtype=float32)
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(
                f"Dropout(p): p is the probability of dropping an element and must be in [0, 1), got {p}. "
                "(The book's dropout argument is the keep probability: its 0.8 is Dropout(0.2) here.)"
            )
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.rng, self.training)

    def config(self) -> dict[str, Any]:
        return {"p": self.p}
