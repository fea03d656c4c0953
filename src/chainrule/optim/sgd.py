"""Stochastic gradient descent, plain and with momentum (PyTorch's conventions).

>>> import numpy as np
>>> from chainrule import Tensor
>>> w = Tensor([1.0, 2.0], requires_grad=True)
>>> w.grad = Tensor([0.5, -1.0])
>>> SGD([w], lr=0.1).step()
>>> w
Tensor([0.95, 2.1 ], dtype=float32, requires_grad=True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.optim.optimizer import Optimizer, check_hyper, with_weight_decay

__all__ = ["SGD", "SGDMomentum"]


class SGD(Optimizer):
    """Gradient descent: p ← p − lr·g.

    With ``weight_decay`` λ (L2 regularisation, as ``torch.optim.SGD``) the
    gradient is first replaced by g + λ·p.

    Args:
        params, lr: see `Optimizer` (``SGD(0.1)`` is ``SGD(lr=0.1)``); lr defaults to 0.01.
        weight_decay: λ ≥ 0.
        **options: the `Optimizer` options (final_lr, decay_type, schedule, clip_norm, clip_value).
    """

    hyper = ("weight_decay",)

    def __init__(self, params: Any = None, lr: float | None = None, *, weight_decay: float = 0.0,
                 **options: Any) -> None:
        super().__init__(params, lr, **options)
        self.weight_decay = check_hyper("weight_decay", weight_decay)

    def _update(self, p, g, state):
        (work,) = self._scratch(p)
        g = with_weight_decay(p, g, self.weight_decay, out=work)
        np.multiply(g, p.dtype.type(self.lr), out=work)  # lr·g
        p -= work


class SGDMomentum(Optimizer):
    """Gradient descent with momentum, as ``torch.optim.SGD(momentum=μ)`` (dampening 0).

    With g ← g + λ·p when ``weight_decay`` λ > 0, and the velocity v starting at 0:

        v ← μ·v + g            (so v = g after the first step, as in torch)
        p ← p − lr·v           or, with ``nesterov=True``,   p ← p − lr·(g + μ·v)

    The book writes the velocity with the learning rate inside it:
    v ← μ·v + lr·g; p ← p − v. That is our v times lr, so the two are identical
    while lr is constant. When lr changes (decay), the book's velocity keeps the
    steps taken at the old rates, while here the new rate scales the whole velocity.

    Args:
        params, lr: see `Optimizer`; lr defaults to 0.01.
        momentum: μ in [0, 1).
        nesterov: use Nesterov's look-ahead form (needs μ > 0).
        weight_decay: λ ≥ 0.
        **options: the `Optimizer` options (final_lr, decay_type, schedule, clip_norm, clip_value).
    """

    hyper = ("momentum", "nesterov", "weight_decay")
    scratch_arrays = 2

    def __init__(self, params: Any = None, lr: float | None = None, *, momentum: float = 0.9,
                 nesterov: bool = False, weight_decay: float = 0.0, **options: Any) -> None:
        super().__init__(params, lr, **options)
        self.momentum = check_hyper("momentum", momentum, 0.0, 1.0, high_open=True)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        if nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.nesterov = bool(nesterov)
        self.weight_decay = check_hyper("weight_decay", weight_decay)

    def _new_state(self, p):
        return {"momentum_buffer": np.zeros_like(p)}

    def _update(self, p, g, state):
        work, step = self._scratch(p)
        c = p.dtype.type
        g = with_weight_decay(p, g, self.weight_decay, out=work)
        v = state["momentum_buffer"]
        v *= c(self.momentum)  # v ← μ·v + g
        v += g
        if self.nesterov:
            np.multiply(v, c(self.momentum), out=step)  # g + μ·v
            step += g
            step *= c(self.lr)
        else:
            np.multiply(v, c(self.lr), out=step)
        p -= step
