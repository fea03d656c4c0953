"""Adaptive optimizers: a step size per element, from running sums of the gradient's square.

AdaGrad, RMSProp, Adam and AdamW, each following the ``torch.optim`` class of
the same name exactly (the same formulas and order of operations), so that a
run matches PyTorch's to rounding. In every rule g is the gradient (plus λ·p
when an L2 ``weight_decay`` λ is given, except for AdamW), products and
quotients are elementwise, and ε keeps the division finite.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.optim.optimizer import Optimizer, check_hyper, with_weight_decay

__all__ = ["AdaGrad", "RMSProp", "Adam", "AdamW"]


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al. 2011), as ``torch.optim.Adagrad`` (lr_decay 0):

        s ← s + g²                    (s starts at ``initial_accumulator_value``)
        p ← p − lr·g / (√s + ε)

    Each element's step shrinks as its squared gradients add up.

    Args:
        params, lr: see `Optimizer`; lr defaults to 0.01.
        eps: ε > 0.
        initial_accumulator_value: the starting s, ≥ 0.
        weight_decay: λ ≥ 0 (L2: g ← g + λ·p).
        **options: the `Optimizer` options (final_lr, decay_type, schedule, clip_norm, clip_value).
    """

    hyper = ("eps", "initial_accumulator_value", "weight_decay")
    scratch_arrays = 2

    def __init__(self, params: Any = None, lr: float | None = None, *, eps: float = 1e-10,
                 initial_accumulator_value: float = 0.0, weight_decay: float = 0.0,
                 **options: Any) -> None:
        super().__init__(params, lr, **options)
        self.eps = check_hyper("eps", eps, low_open=True)  # ε = 0 makes 0/0 = NaN beside a zero gradient
        self.initial_accumulator_value = check_hyper("initial_accumulator_value", initial_accumulator_value)
        self.weight_decay = check_hyper("weight_decay", weight_decay)

    def _new_state(self, p):
        return {"sum": np.full_like(p, self.initial_accumulator_value)}

    def _update(self, p, g, state):
        decayed, work = self._scratch(p)
        c = p.dtype.type
        g = with_weight_decay(p, g, self.weight_decay, out=decayed)
        s = state["sum"]
        np.multiply(g, g, out=work)  # s ← s + g²
        s += work
        np.sqrt(s, out=work)  # √s + ε
        work += c(self.eps)
        np.divide(g, work, out=work)  # lr·g / (√s + ε)
        work *= c(self.lr)
        p -= work


class RMSProp(Optimizer):
    """RMSProp (Hinton 2012), as ``torch.optim.RMSprop`` (centered=False):

        s ← α·s + (1 − α)·g²          (s starts at 0)
        u = g / (√s + ε)
        p ← p − lr·u                  or, with momentum μ > 0:  b ← μ·b + u;  p ← p − lr·b

    Args:
        params, lr: see `Optimizer`; lr defaults to 0.01.
        alpha: α, the decay of the running average, in [0, 1).
        eps: ε > 0.
        momentum: μ in [0, 1).
        weight_decay: λ ≥ 0 (L2: g ← g + λ·p).
        **options: the `Optimizer` options (final_lr, decay_type, schedule, clip_norm, clip_value).
    """

    hyper = ("alpha", "eps", "momentum", "weight_decay")
    scratch_arrays = 2

    def __init__(self, params: Any = None, lr: float | None = None, *, alpha: float = 0.99,
                 eps: float = 1e-8, momentum: float = 0.0, weight_decay: float = 0.0,
                 **options: Any) -> None:
        super().__init__(params, lr, **options)
        self.alpha = check_hyper("alpha", alpha, 0.0, 1.0, high_open=True)
        self.eps = check_hyper("eps", eps, low_open=True)  # ε = 0 makes 0/0 = NaN beside a zero gradient
        self.momentum = check_hyper("momentum", momentum, 0.0, 1.0, high_open=True)
        self.weight_decay = check_hyper("weight_decay", weight_decay)

    def _new_state(self, p):
        state = {"square_avg": np.zeros_like(p)}
        if self.momentum > 0:
            state["momentum_buffer"] = np.zeros_like(p)
        return state

    def _update(self, p, g, state):
        decayed, work = self._scratch(p)
        c = p.dtype.type
        g = with_weight_decay(p, g, self.weight_decay, out=decayed)
        s = state["square_avg"]
        s *= c(self.alpha)  # s ← α·s + (1 − α)·g²
        np.multiply(g, g, out=work)
        work *= c(1 - self.alpha)
        s += work
        np.sqrt(s, out=work)  # u = g / (√s + ε)
        work += c(self.eps)
        np.divide(g, work, out=work)
        if self.momentum > 0:
            b = state["momentum_buffer"]
            b *= c(self.momentum)  # b ← μ·b + u
            b += work
            np.multiply(b, c(self.lr), out=work)
        else:
            work *= c(self.lr)
        p -= work


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), as ``torch.optim.Adam`` (amsgrad=False):

        m ← β₁·m + (1 − β₁)·g         (computed as m + (1 − β₁)·(g − m), torch's lerp)
        v ← β₂·v + (1 − β₂)·g²        (m and v start at 0; t counts this parameter's steps)
        p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)

    The factors 1/(1 − βᵗ) correct the bias of m and v towards their zero start.
    ``weight_decay`` λ adds λ·p to g (L2 regularisation, coupled to the adaptive
    step); for decoupled weight decay use `AdamW`.

    Args:
        params, lr: see `Optimizer`; lr defaults to 1e-3.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε > 0.
        weight_decay: λ ≥ 0.
        **options: the `Optimizer` options (final_lr, decay_type, schedule, clip_norm, clip_value).
    """

    default_lr = 1e-3
    hyper = ("beta1", "beta2", "eps", "weight_decay")
    scratch_arrays = 2
    decoupled = False  # AdamW: shrink p directly instead of adding λ·p to g

    def __init__(self, params: Any = None, lr: float | None = None, *,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, **options: Any) -> None:
        super().__init__(params, lr, **options)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = check_hyper("beta1", betas[0], 0.0, 1.0, high_open=True)
        self.beta2 = check_hyper("beta2", betas[1], 0.0, 1.0, high_open=True)
        self.eps = check_hyper("eps", eps, low_open=True)  # ε = 0 makes 0/0 = NaN beside a zero gradient
        self.weight_decay = check_hyper("weight_decay", weight_decay)

    @property
    def betas(self) -> tuple[float, float]:
        return (self.beta1, self.beta2)

    def _new_state(self, p):
        return {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}

    def _update(self, p, g, state):
        decayed, work = self._scratch(p)
        c = p.dtype.type
        if self.decoupled:
            p *= c(1 - self.lr * self.weight_decay)
        else:
            g = with_weight_decay(p, g, self.weight_decay, out=decayed)
        m, v, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
        np.subtract(g, m, out=work)  # m ← m + (1 − β₁)·(g − m)
        work *= c(1 - self.beta1)
        m += work
        v *= c(self.beta2)  # v ← β₂·v + (1 − β₂)·g²
        np.multiply(g, g, out=work)
        work *= c(1 - self.beta2)
        v += work
        step_size = self.lr / (1 - self.beta1**t)
        np.sqrt(v, out=work)  # √v / √(1 − β₂ᵗ) + ε
        work /= c(math.sqrt(1 - self.beta2**t))
        work += c(self.eps)
        np.divide(m, work, out=work)
        work *= c(step_size)
        p -= work


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``:

        p ← p − lr·λ·p                then the `Adam` step with the plain gradient g.

    The decay shrinks every weight by the same factor (1 − lr·λ) whatever its
    gradient's history, unlike L2 in `Adam`, whose pull is divided by √v.

    Args:
        params, lr: see `Optimizer`; lr defaults to 1e-3.
        betas, eps: as `Adam`.
        weight_decay: λ ≥ 0, default 0.01.
        **options: the `Optimizer` options (final_lr, decay_type, schedule, clip_norm, clip_value).
    """

    decoupled = True

    def __init__(self, params: Any = None, lr: float | None = None, *,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01, **options: Any) -> None:
        super().__init__(params, lr, betas=betas, eps=eps, weight_decay=weight_decay, **options)
