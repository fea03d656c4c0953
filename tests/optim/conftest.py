"""Shared helpers for the optimizer tests: parameters, gradient sequences, torch parity."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Callable

import numpy as np
import pytest

import chainrule as cr

SHAPES = [(3, 4), (5,), (2, 3, 2)]
MISSING = {(2, 1)}  # (step, parameter) pairs that get no gradient: per-parameter step counts matter


def initial_arrays(seed: int = 0, dtype=np.float64) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def gradient_steps(steps: int, seed: int = 1, dtype=np.float64) -> list[list[np.ndarray | None]]:
    """`steps` lists of one gradient per parameter (None where MISSING says so)."""
    rng = np.random.default_rng(seed)
    return [
        [None if (k, i) in MISSING else rng.standard_normal(s).astype(dtype) for i, s in enumerate(SHAPES)]
        for k in range(steps)
    ]


def run_ours(make: Callable, arrays: list[np.ndarray], grads: list[list]) -> tuple[list[cr.Tensor], object]:
    params = [cr.Tensor(a.copy(), requires_grad=True, dtype=a.dtype) for a in arrays]
    opt = make(params)
    continue_ours(opt, params, grads)
    return params, opt


def continue_ours(opt, params: list[cr.Tensor], grads: list[list]) -> None:
    for step in grads:
        for p, g in zip(params, step):
            p.grad = None if g is None else cr.Tensor(g.copy(), dtype=g.dtype)
        opt.step()


def assert_close(ours: np.ndarray, theirs: np.ndarray, rtol: float = 1e-10) -> None:
    """|ours − theirs| ≤ rtol·max|theirs| elementwise (relative to the array's scale)."""
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    scale = float(np.max(np.abs(theirs)))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale)


@pytest.fixture
def kit() -> SimpleNamespace:
    """The helpers above, for the test modules (conftest cannot be imported by name)."""
    return SimpleNamespace(
        initial_arrays=initial_arrays, gradient_steps=gradient_steps, run_ours=run_ours,
        continue_ours=continue_ours, assert_close=assert_close, SHAPES=SHAPES,
    )


@pytest.fixture
def torch_parity():
    """compare(make_ours, make_theirs): 5 steps of both on the same parameters and gradients."""
    torch = pytest.importorskip("torch")

    def compare(make_ours: Callable, make_theirs: Callable, steps: int = 5, before_step=None) -> None:
        arrays, grads = initial_arrays(), gradient_steps(steps)
        params, _ = run_ours(make_ours, arrays, grads)
        tparams = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
        topt = make_theirs(tparams)
        for step in grads:
            for p, g in zip(tparams, step):
                p.grad = None if g is None else torch.tensor(g.copy())
            if before_step is not None:
                before_step([p for p in tparams if p.grad is not None])
            topt.step()
        for p, tp, a in zip(params, tparams, arrays):
            assert not np.allclose(p.data, a), "the parameters did not move"
            assert_close(p.data, tp.detach().numpy())

    return compare
