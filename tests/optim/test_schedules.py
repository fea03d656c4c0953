"""Learning-rate schedules: their formulas, torch.optim.lr_scheduler, and argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule.optim import (
    ConstantLR, CosineDecay, ExponentialDecay, LinearDecay, LRSchedule, StepDecay, WarmupCosine,
)


def lrs(schedule: LRSchedule, total: int, base: float = 0.2) -> list[float]:
    return [schedule.lr_at(e, total, base) for e in range(total)]


def torch_lrs(make_scheduler, total: int, base: float = 0.2) -> list[float]:
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base)
    scheduler = make_scheduler(opt)
    out = []
    for _ in range(total):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return out


def test_linear_decay_is_the_books():
    """lr falls by (lr − final_lr)/(E − 1) per epoch: lr at epoch 0, exactly final_lr at the last."""
    values = lrs(LinearDecay(0.05), 4)
    np.testing.assert_allclose(values, [0.2, 0.15, 0.1, 0.05], rtol=1e-15)
    assert values[0] == 0.2 and values[-1] == 0.05
    assert np.allclose(np.diff(values), -(0.2 - 0.05) / 3, rtol=1e-12)


def test_exponential_decay_is_the_books():
    values = lrs(ExponentialDecay(0.05), 5)
    ratio = (0.05 / 0.2) ** (1 / 4)
    np.testing.assert_allclose(values, [0.2 * ratio**e for e in range(5)], rtol=1e-14)
    assert values[0] == 0.2 and values[-1] == 0.05


def test_step_and_cosine_formulas():
    assert lrs(StepDecay(2, gamma=0.5), 5, base=1.0) == [1.0, 1.0, 0.5, 0.5, 0.25]
    values = lrs(CosineDecay(0.01), 5, base=1.0)
    expected = [0.01 + 0.99 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(5)]
    np.testing.assert_allclose(values, expected, rtol=1e-15)
    assert values[0] == 1.0 and values[-1] == 0.01
    assert lrs(ConstantLR(), 3) == [0.2, 0.2, 0.2]


def test_warmup_cosine():
    values = lrs(WarmupCosine(2, final_lr=0.0), 6, base=1.0)
    np.testing.assert_allclose(values[:3], [0.5, 1.0, 1.0], rtol=1e-15)
    cosine = [(1 + math.cos(math.pi * k / 3)) / 2 for k in (1, 2, 3)]
    np.testing.assert_allclose(values[3:], cosine, atol=1e-15)
    assert lrs(WarmupCosine(0, 0.1), 7) == lrs(CosineDecay(0.1), 7)
    assert lrs(WarmupCosine(3), 3, base=0.3) == pytest.approx([0.1, 0.2, 0.3])


@pytest.mark.parametrize("schedule", [LinearDecay(0.05), ExponentialDecay(0.05), CosineDecay(0.05)])
def test_one_epoch_keeps_the_starting_rate(schedule):
    assert schedule.lr_at(0, 1, 0.2) == 0.2


def test_linear_matches_torch_linear_lr():
    import_torch = pytest.importorskip("torch")
    theirs = torch_lrs(
        lambda o: import_torch.optim.lr_scheduler.LinearLR(o, 1.0, 0.05 / 0.2, total_iters=9), 10
    )
    np.testing.assert_allclose(lrs(LinearDecay(0.05), 10), theirs, rtol=1e-10)


def test_exponential_matches_torch_exponential_lr():
    torch = pytest.importorskip("torch")
    gamma = (0.05 / 0.2) ** (1 / 9)
    theirs = torch_lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma), 10)
    np.testing.assert_allclose(lrs(ExponentialDecay(0.05), 10), theirs, rtol=1e-10)


def test_step_matches_torch_step_lr():
    torch = pytest.importorskip("torch")
    theirs = torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.3), 10)
    np.testing.assert_allclose(lrs(StepDecay(3, gamma=0.3), 10), theirs, rtol=1e-10)


def test_cosine_matches_torch_cosine_annealing_with_t_max_e_minus_1():
    torch = pytest.importorskip("torch")
    theirs = torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=9, eta_min=0.01), 10)
    np.testing.assert_allclose(lrs(CosineDecay(0.01), 10), theirs, rtol=1e-10)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="final_lr must be > 0 for exponential"):
        ExponentialDecay(0.0)
    with pytest.raises(ValueError, match="final_lr"):
        LinearDecay(-0.1)
    with pytest.raises(ValueError, match="final_lr"):
        CosineDecay(-1.0)
    with pytest.raises(ValueError, match="step_size"):
        StepDecay(0)
    with pytest.raises(TypeError, match="step_size"):
        StepDecay(1.5)
    with pytest.raises(ValueError, match="gamma"):
        StepDecay(2, gamma=0.0)
    with pytest.raises(ValueError, match="warmup_epochs"):
        WarmupCosine(-1)
    with pytest.raises(TypeError, match="final_lr must be a number"):
        LinearDecay("0.1")
    with pytest.raises(ValueError, match="base_lr must be > 0 for exponential"):
        ExponentialDecay(0.1).lr_at(0, 3, 0.0)


def test_invalid_epochs():
    with pytest.raises(ValueError, match=r"epoch must be in 0\.\.4"):
        LinearDecay(0.1).lr_at(5, 5, 1.0)
    with pytest.raises(ValueError, match="total_epochs must be at least 1"):
        LinearDecay(0.1).lr_at(0, 0, 1.0)
    with pytest.raises(TypeError, match="epoch must be an int"):
        ConstantLR().lr_at(1.0, 3, 1.0)
    with pytest.raises(ValueError, match="base_lr"):
        ConstantLR().lr_at(0, 3, -1.0)
