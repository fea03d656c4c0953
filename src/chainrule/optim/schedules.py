"""Learning-rate schedules: the learning rate as a function of the epoch.

A schedule is a pure function ``lr_at(e, E, lr₀)`` of the epoch ``e`` (counted
from 0), the number of epochs ``E`` and the starting learning rate ``lr₀``. It
keeps no counter, so a run resumed at epoch k gets exactly the rate it would
have had. The `Optimizer` asks for it once per epoch, in ``start_epoch``.

Below, ``t = e / (E − 1)`` runs from 0 at the first epoch to 1 at the last
(``t = 0`` throughout when E = 1: a one-epoch run keeps lr₀).

>>> [round(LinearDecay(0.05).lr_at(e, 4, 0.2), 6) for e in range(4)]
[0.2, 0.15, 0.1, 0.05]
>>> [round(ExponentialDecay(0.05).lr_at(e, 3, 0.2), 6) for e in range(3)]
[0.2, 0.1, 0.05]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

__all__ = [
    "LRSchedule", "ConstantLR", "LinearDecay", "ExponentialDecay", "StepDecay", "CosineDecay",
    "WarmupCosine", "make_schedule",
]


def _check(name: str, value: object, minimum: float = 0.0, *, strict: bool = False, why: str = "") -> None:
    """Raise a clear error unless `value` is a real number ≥ `minimum` (> when `strict`)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if value < minimum or (strict and value == minimum) or math.isnan(value):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum:g}{why}, got {value!r}")


class LRSchedule:
    """Base class: subclasses implement ``_lr(e, E, lr₀)``; `lr_at` checks the arguments."""

    def lr_at(self, epoch: int, total_epochs: int, base_lr: float) -> float:
        """The learning rate for `epoch` (0 ≤ epoch < total_epochs), starting from `base_lr`."""
        for name, value in (("epoch", epoch), ("total_epochs", total_epochs)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {value!r}")
        if total_epochs < 1:
            raise ValueError(f"total_epochs must be at least 1, got {total_epochs}")
        if not 0 <= epoch < total_epochs:
            raise ValueError(
                f"epoch must be in 0..{total_epochs - 1} (epochs count from 0), got {epoch}"
            )
        _check("base_lr", base_lr)
        return float(self._lr(epoch, total_epochs, float(base_lr)))

    def _lr(self, epoch: int, total_epochs: int, base_lr: float) -> float:
        raise NotImplementedError


def _progress(epoch: int, total_epochs: int) -> float:
    """t = e / (E − 1) ∈ [0, 1]; 0 when E = 1."""
    return epoch / (total_epochs - 1) if total_epochs > 1 else 0.0


@dataclass(frozen=True)
class ConstantLR(LRSchedule):
    """lr_e = lr₀ at every epoch.

    Not torch's ``ConstantLR``, which multiplies lr₀ by a factor for the first
    few epochs; this one changes nothing.
    """

    def _lr(self, epoch, total_epochs, base_lr):
        return base_lr


@dataclass(frozen=True)
class LinearDecay(LRSchedule):
    """The book's linear decay: lr_e = (1 − t)·lr₀ + t·lr_f, with t = e/(E − 1).

    Each epoch takes (lr₀ − lr_f)/(E − 1) off the rate: epoch 0 uses lr₀ and
    the last epoch uses exactly lr_f. Equals torch's
    ``LinearLR(start_factor=1, end_factor=lr_f/lr₀, total_iters=E − 1)``.

    Args:
        final_lr: lr_f ≥ 0, the rate of the last epoch.
    """

    final_lr: float

    def __post_init__(self):
        _check("final_lr", self.final_lr)

    def _lr(self, epoch, total_epochs, base_lr):
        t = _progress(epoch, total_epochs)
        return (1 - t) * base_lr + t * self.final_lr


@dataclass(frozen=True)
class ExponentialDecay(LRSchedule):
    """The book's exponential decay: lr_e = lr₀·(lr_f/lr₀)^t = lr₀^(1 − t)·lr_f^t.

    Each epoch multiplies the rate by (lr_f/lr₀)^(1/(E − 1)): epoch 0 uses lr₀
    and the last uses exactly lr_f. Equals torch's ``ExponentialLR`` with
    ``gamma = (lr_f/lr₀)^(1/(E − 1))``.

    Args:
        final_lr: lr_f > 0 (a rate cannot decay geometrically to 0); lr₀ must be > 0 too.
    """

    final_lr: float

    def __post_init__(self):
        _check("final_lr", self.final_lr, strict=True, why=" for exponential decay")

    def _lr(self, epoch, total_epochs, base_lr):
        _check("base_lr", base_lr, strict=True, why=" for exponential decay")
        t = _progress(epoch, total_epochs)
        return base_lr ** (1 - t) * self.final_lr**t


@dataclass(frozen=True)
class StepDecay(LRSchedule):
    """lr_e = lr₀·γ^⌊e / step_size⌋: multiply by γ every `step_size` epochs (torch's ``StepLR``).

    Args:
        step_size: epochs between two decays, ≥ 1.
        gamma: the factor, γ > 0 (usually < 1).
    """

    step_size: int
    gamma: float = 0.1

    def __post_init__(self):
        if isinstance(self.step_size, bool) or not isinstance(self.step_size, int):
            raise TypeError(f"step_size must be an int, got {self.step_size!r}")
        if self.step_size < 1:
            raise ValueError(f"step_size must be at least 1, got {self.step_size}")
        _check("gamma", self.gamma, strict=True)

    def _lr(self, epoch, total_epochs, base_lr):
        return base_lr * self.gamma ** (epoch // self.step_size)


def _cosine(t: float, high: float, low: float) -> float:
    """low + (high − low)·(1 + cos(π·t))/2: `high` at t = 0, `low` at t = 1."""
    return low + (high - low) * (1 + math.cos(math.pi * t)) / 2


@dataclass(frozen=True)
class CosineDecay(LRSchedule):
    """lr_e = lr_f + (lr₀ − lr_f)·(1 + cos(π·e/(E − 1)))/2.

    Half a cosine from lr₀ at epoch 0 down to exactly lr_f at the last epoch
    E − 1; torch's ``CosineAnnealingLR(T_max=E − 1, eta_min=lr_f)`` over the
    same epochs. (torch users often pass T_max = E, which never quite reaches
    eta_min; we choose the last epoch to use lr_f, as the book's decays do.)

    With ``final_at="end"`` the half cosine spans E epochs instead, t = e/E: the
    last epoch still learns (at a small rate) and lr_f is where the rate would be
    after it — torch's ``T_max=E``. Use it when lr_f is 0, so that no epoch is
    spent at rate 0.

    Args:
        final_lr: lr_f ≥ 0.
        final_at: "last" (the last epoch uses lr_f) or "end" (lr_f after the last epoch).
    """

    final_lr: float = 0.0
    final_at: str = "last"

    def __post_init__(self):
        _check("final_lr", self.final_lr)
        if self.final_at not in ("last", "end"):
            raise ValueError(f"CosineDecay: final_at must be 'last' or 'end', got {self.final_at!r}")

    def _lr(self, epoch, total_epochs, base_lr):
        t = epoch / total_epochs if self.final_at == "end" else _progress(epoch, total_epochs)
        return _cosine(t, base_lr, self.final_lr)


@dataclass(frozen=True)
class WarmupCosine(LRSchedule):
    """A linear warm-up for W epochs, then `CosineDecay` over the remaining ones.

    * e < W:  lr_e = lr₀·(e + 1)/W   (lr₀/W, 2·lr₀/W, …, lr₀)
    * e ≥ W:  lr_e = lr_f + (lr₀ − lr_f)·(1 + cos(π·(e − W)/(E − 1 − W)))/2,
      lr₀ at e = W, exactly lr_f at the last epoch (lr₀ throughout when E − 1 ≤ W).

    With W = 0 this is `CosineDecay`.

    Args:
        warmup_epochs: W ≥ 0.
        final_lr: lr_f ≥ 0.
    """

    warmup_epochs: int
    final_lr: float = 0.0

    def __post_init__(self):
        if isinstance(self.warmup_epochs, bool) or not isinstance(self.warmup_epochs, int):
            raise TypeError(f"warmup_epochs must be an int, got {self.warmup_epochs!r}")
        if self.warmup_epochs < 0:
            raise ValueError(f"warmup_epochs must be >= 0, got {self.warmup_epochs}")
        _check("final_lr", self.final_lr)

    def _lr(self, epoch, total_epochs, base_lr):
        w = self.warmup_epochs
        if epoch < w:
            return base_lr * (epoch + 1) / w
        span = total_epochs - 1 - w
        return _cosine((epoch - w) / span, base_lr, self.final_lr) if span > 0 else base_lr


DECAY_TYPES = {"linear": LinearDecay, "exponential": ExponentialDecay}


def make_schedule(final_lr: float | None = None, decay_type: str | None = None,
                  schedule: LRSchedule | None = None) -> LRSchedule | None:
    """The schedule an optimizer's options ask for: the book's decay, `schedule`, or None."""
    if schedule is not None:
        if decay_type is not None or final_lr is not None:
            raise ValueError("give either the book's decay (final_lr=, decay_type=) or schedule=, not both")
        if not isinstance(schedule, LRSchedule):
            raise TypeError(f"schedule must be an LRSchedule, got {type(schedule).__name__}")
        return schedule
    if decay_type is None and final_lr is None:
        return None
    if decay_type not in DECAY_TYPES:
        raise ValueError(
            f"decay_type must be one of {sorted(DECAY_TYPES)} (with final_lr), got {decay_type!r}"
        )
    if final_lr is None:
        raise ValueError(f"decay_type={decay_type!r} needs final_lr, the rate of the last epoch")
    return DECAY_TYPES[decay_type](final_lr)
