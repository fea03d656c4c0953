"""AdaGrad, RMSProp, Adam, AdamW against torch.optim and their formulas."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import chainrule as cr
from chainrule.optim import AdaGrad, Adam, AdamW, RMSProp


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=0.1),
        dict(lr=0.05, eps=1e-6, initial_accumulator_value=0.1),
        dict(lr=0.1, weight_decay=0.1),
    ],
)
def test_adagrad_matches_torch(torch_parity, kwargs):
    import torch

    torch_parity(lambda ps: AdaGrad(ps, **kwargs), lambda ps: torch.optim.Adagrad(ps, **kwargs))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=0.01),
        dict(lr=0.01, alpha=0.9, eps=1e-6),
        dict(lr=0.01, momentum=0.9),
        dict(lr=0.02, momentum=0.5, weight_decay=0.1),
    ],
)
def test_rmsprop_matches_torch(torch_parity, kwargs):
    import torch

    torch_parity(lambda ps: RMSProp(ps, **kwargs), lambda ps: torch.optim.RMSprop(ps, **kwargs))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=1e-3),
        dict(lr=0.1, betas=(0.8, 0.99), eps=1e-6),
        dict(lr=0.01, betas=(0.3, 0.5)),
        dict(lr=0.01, weight_decay=0.1),
    ],
)
def test_adam_matches_torch(torch_parity, kwargs):
    import torch

    torch_parity(lambda ps: Adam(ps, **kwargs), lambda ps: torch.optim.Adam(ps, **kwargs))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=1e-3),
        dict(lr=0.1, weight_decay=0.1),
        dict(lr=0.01, betas=(0.85, 0.95), eps=1e-7, weight_decay=0.0),
    ],
)
def test_adamw_matches_torch(torch_parity, kwargs):
    import torch

    torch_parity(lambda ps: AdamW(ps, **kwargs), lambda ps: torch.optim.AdamW(ps, **kwargs))


def test_first_adam_step_is_lr_times_sign_of_g():
    """After one step m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε)."""
    g = np.array([2.0, -0.5, 1e-3])
    p = cr.Tensor(np.zeros(3), requires_grad=True, dtype=np.float64)
    p.grad = cr.Tensor(g, dtype=np.float64)
    Adam([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, -0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_adamw_decay_is_decoupled():
    """With a zero gradient Adam's step is 0, so AdamW only shrinks p by (1 − lr·λ)."""
    p = cr.Tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    p.grad = cr.Tensor([0.0, 0.0], dtype=np.float64)
    AdamW([p], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(p.data, [0.95, -1.9], rtol=1e-15)


def test_adagrad_first_step():
    p = cr.Tensor([1.0, 1.0], requires_grad=True, dtype=np.float64)
    p.grad = cr.Tensor([3.0, -4.0], dtype=np.float64)
    opt = AdaGrad([p], lr=0.5, eps=1e-300)
    opt.step()  # s = g², step = lr·g/|g|
    np.testing.assert_array_equal(p.data, [0.5, 1.5])
    np.testing.assert_array_equal(opt.state[p]["sum"], [9.0, 16.0])


def test_defaults():
    assert Adam().lr == 1e-3 and AdamW().lr == 1e-3 and AdamW().weight_decay == 0.01
    assert AdaGrad().eps == 1e-10 and RMSProp().alpha == 0.99 and Adam().betas == (0.9, 0.999)


def test_invalid_hyper_parameters():
    with pytest.raises(ValueError, match=r"beta1 must be in \[0, 1\)"):
        Adam(betas=(1.0, 0.999))
    with pytest.raises(ValueError, match="beta2"):
        AdamW(betas=(0.9, -0.1))
    with pytest.raises(TypeError, match="betas must be a pair"):
        Adam(betas=0.9)
    with pytest.raises(ValueError, match="alpha"):
        RMSProp(alpha=1.5)
    with pytest.raises(ValueError, match="momentum"):
        RMSProp(momentum=1.0)
    with pytest.raises(ValueError, match="eps"):
        AdaGrad(eps=-1e-10)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        AdaGrad(initial_accumulator_value=-1)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_adamw_parameter_groups_decay_only_the_matrices_as_torch():
    import torch

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    ours = [cr.Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    opt = cr.AdamW([{"params": [ours[0]], "weight_decay": 0.1}, {"params": [ours[1]], "weight_decay": 0.0}],
                   lr=0.05, betas=(0.9, 0.99))
    topt = torch.optim.AdamW([{"params": [theirs[0]], "weight_decay": 0.1}, {"params": [theirs[1]],
                              "weight_decay": 0.0}], lr=0.05, betas=(0.9, 0.99))
    for step in range(5):
        grads = [rng.standard_normal(a.shape) for a in arrays]
        for p, t, g in zip(ours, theirs, grads):
            p.grad, t.grad = cr.Tensor(g, dtype=np.float64), torch.tensor(g)
        opt.step()
        topt.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert opt.weight_decay == 0.01  # the default is left as it was after each group's update


def test_a_parameter_group_may_not_set_unknown_options():
    p = cr.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="may set only"):
        cr.AdamW([{"params": [p], "lr": 0.1}])
    with pytest.raises(ValueError, match="no 'params'"):
        cr.AdamW([{"weight_decay": 0.1}])
