"""The book's optimizers (`lincoln.optimizers`), with its positional signatures, on chainrule's.

``SGD(lr=0.01, final_lr=0, decay_type=None)`` and
``SGDMomentum(lr=0.01, final_lr=0, decay_type=None, momentum=0.9)``: the
learning rate decays once per epoch from `lr` to `final_lr`, linearly or
exponentially (the Trainer sets ``optim.max_epochs``; the book decays only
when `final_lr` is non-zero). ``SGD(gradient_clipping=True)`` and
``AdaGrad(lr, gradient_clipping=True)`` are chapter 6's: every gradient
element is clipped to [−2, 2] before the update.

The Trainer hands the optimizer its network (``optim.net = net``; chapter 6's
RNNTrainer: ``optim.model = model``); ``step()`` then updates every
parameter from ``net.params()`` and ``net.param_grads()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import optim as _optim

CLIP = 2.0  # chapter 6: np.clip(grad, -2, 2)


def _options(final_lr: float, decay_type: str | None, gradient_clipping: bool) -> dict[str, Any]:
    if decay_type not in (None, "linear", "exponential"):
        raise ValueError(f"decay_type must be None, 'linear' or 'exponential', got {decay_type!r}")
    decays = bool(final_lr) and decay_type is not None  # the book decays only when final_lr is set
    return {"final_lr": final_lr if decays else None, "decay_type": decay_type if decays else None,
            "clip_value": CLIP if gradient_clipping else None}


class _BookOptimizer:
    """What the book's optimizers share: the network they update, given as ``optim.net`` (or ``.model``)."""

    @property
    def net(self) -> Any:
        return self._source

    @net.setter
    def net(self, net: Any) -> None:
        self.attach(net)

    model = net

    @property
    def first(self) -> bool:
        """True until the first step (the book's flag)."""
        return self.steps == 0


class Optimizer(_BookOptimizer, _optim.SGD):
    """The book's ``Optimizer(lr=0.01, final_lr=0, decay_type=None)``: plain gradient descent unless overridden."""

    def __init__(self, lr: float = 0.01, final_lr: float = 0, decay_type: str | None = None) -> None:
        _optim.SGD.__init__(self, None, lr, **_options(final_lr, decay_type, False))


class SGD(_BookOptimizer, _optim.SGD):
    """The book's ``SGD(lr=0.01, final_lr=0, decay_type=None)``: p ← p − lr·g (chapter 6: ``gradient_clipping=True``)."""

    def __init__(self, lr: float = 0.01, final_lr: float = 0, decay_type: str | None = None,
                 gradient_clipping: bool = False) -> None:
        _optim.SGD.__init__(self, None, lr, **_options(final_lr, decay_type, gradient_clipping))


class SGDMomentum(_BookOptimizer, _optim.SGDMomentum):
    """The book's ``SGDMomentum(lr=0.01, final_lr=0, decay_type=None, momentum=0.9)``.

    The book's velocity holds the learning rate: v ← μ·v + lr·g; p ← p − v. With
    a constant lr that is `chainrule.SGDMomentum` (PyTorch's v ← μ·v + g;
    p ← p − lr·v) step for step; with decay the two differ (the book's keeps the
    steps taken at the old rates), and this class follows the book.
    """

    def __init__(self, lr: float = 0.01, final_lr: float = 0, decay_type: str | None = None,
                 momentum: float = 0.9) -> None:
        _optim.SGDMomentum.__init__(self, None, lr, momentum=momentum, **_options(final_lr, decay_type, False))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> None:
        (work, _) = self._scratch(p)
        v = state["momentum_buffer"]
        v *= p.dtype.type(self.momentum)  # v ← μ·v + lr·g
        np.multiply(g, p.dtype.type(self.lr), out=work)
        v += work
        p -= v


class AdaGrad(_BookOptimizer, _optim.AdaGrad):
    """Chapter 6's ``AdaGrad(lr=0.01, gradient_clipping=True)``: p ← p − lr·g/√(Σ g²), per element.

    The book added its ε = 1e-7 to the running sum at every step; chainrule's
    AdaGrad adds ε (1e-7 here too) to the root instead, as PyTorch does.
    """

    def __init__(self, lr: float = 0.01, gradient_clipping: bool = True) -> None:
        _optim.AdaGrad.__init__(self, None, lr, eps=1e-7, **_options(0, None, gradient_clipping))
