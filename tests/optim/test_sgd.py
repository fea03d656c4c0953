"""SGD and SGD with momentum: against torch.optim.SGD, the formulas and the book's variant."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.optim import SGD, SGDMomentum


@pytest.mark.parametrize("lr", [0.1, 0.01])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_sgd_matches_torch(torch_parity, lr, weight_decay):
    import torch

    torch_parity(
        lambda ps: SGD(ps, lr=lr, weight_decay=weight_decay),
        lambda ps: torch.optim.SGD(ps, lr=lr, weight_decay=weight_decay),
    )


@pytest.mark.parametrize("momentum", [0.9, 0.5])
@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_momentum_matches_torch(torch_parity, momentum, nesterov, weight_decay):
    import torch

    torch_parity(
        lambda ps: SGDMomentum(ps, lr=0.1, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay),
        lambda ps: torch.optim.SGD(
            ps, lr=0.1, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay
        ),
    )


def test_sgd_is_p_minus_lr_g():
    p = cr.Tensor([1.0, -2.0, 3.0], requires_grad=True, dtype=np.float64)
    p.grad = cr.Tensor([0.5, 0.25, -1.0], dtype=np.float64)
    SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(p.data, np.array([1.0, -2.0, 3.0]) - 0.1 * np.array([0.5, 0.25, -1.0]))


def test_momentum_equals_the_books_variant_at_constant_lr(kit):
    """Book: v ← μ·v + lr·g, p ← p − v. Same steps as torch's convention while lr is fixed."""
    arrays, grads = kit.initial_arrays(), kit.gradient_steps(6)
    params, _ = kit.run_ours(lambda ps: SGDMomentum(ps, lr=0.05, momentum=0.9), arrays, grads)
    book = [a.copy() for a in arrays]
    velocity = [np.zeros_like(a) for a in arrays]
    for step in grads:
        for i, g in enumerate(step):
            if g is not None:
                velocity[i] = 0.9 * velocity[i] + 0.05 * g
                book[i] -= velocity[i]
    for p, b in zip(params, book):
        kit.assert_close(p.data, b, rtol=1e-12)


def test_first_momentum_step_is_plain_sgd():
    p = cr.Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    p.grad = cr.Tensor([1.0, -1.0], dtype=np.float64)
    opt = SGDMomentum([p], lr=0.5, momentum=0.9)
    opt.step()
    np.testing.assert_array_equal(p.data, [0.5, 2.5])
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [1.0, -1.0])
    opt.step()  # v = 0.9·g + g = 1.9·g
    np.testing.assert_allclose(p.data, [0.5 - 0.95, 2.5 + 0.95], rtol=1e-15)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5])
def test_momentum_outside_unit_interval_is_rejected(momentum):
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        SGDMomentum(lr=0.1, momentum=momentum)


def test_invalid_hyper_parameters():
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        SGDMomentum(lr=0.1, momentum=0.0, nesterov=True)
    with pytest.raises(ValueError, match="weight_decay"):
        SGD(lr=0.1, weight_decay=-1.0)
    with pytest.raises(TypeError, match="momentum must be a number"):
        SGDMomentum(lr=0.1, momentum="0.9")
    with pytest.raises(ValueError, match="lr must be in"):
        SGD(lr=-0.1)


def test_books_positional_final_lr_is_not_silently_misread():
    """The book's SGDMomentum(lr, final_lr, ...) order: a second number is refused, not misread."""
    with pytest.raises(TypeError, match="two learning rates"):
        SGDMomentum(0.1, 0.05)
