"""Gradient clipping against torch.nn.utils, and its edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.optim import clip_grad_norm, clip_grad_value


def params_with_grads(grads: list[np.ndarray | None]) -> list[cr.Tensor]:
    params = []
    for g in grads:
        p = cr.Tensor(np.zeros(g.shape if g is not None else 2), requires_grad=True, dtype=np.float64)
        p.grad = None if g is None else cr.Tensor(g.copy(), dtype=np.float64)
        params.append(p)
    return params


def random_grads(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in [(3, 4), (5,), (2, 3, 2)]]


@pytest.mark.parametrize("max_norm", [0.5, 2.0, 1e3])
def test_clip_grad_norm_matches_torch(max_norm, kit):
    torch = pytest.importorskip("torch")
    grads = random_grads()
    params = params_with_grads(grads)
    tparams = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for tp, g in zip(tparams, grads):
        tp.grad = torch.tensor(g.copy())
    total = clip_grad_norm(params, max_norm)
    their_total = torch.nn.utils.clip_grad_norm_(tparams, max_norm)
    assert isinstance(total, float)
    assert total == pytest.approx(float(their_total), rel=1e-12)
    for p, tp in zip(params, tparams):
        kit.assert_close(p.grad.data, tp.grad.numpy())
    clipped = math.sqrt(sum(float(np.sum(p.grad.data**2)) for p in params))
    assert clipped <= max_norm * (1 + 1e-9)
    if max_norm > total:  # no clipping: bit-identical
        assert all(np.array_equal(p.grad.data, g) for p, g in zip(params, grads))


@pytest.mark.parametrize("clip_value", [0.1, 0.7, 10.0])
def test_clip_grad_value_matches_torch(clip_value):
    torch = pytest.importorskip("torch")
    grads = random_grads(1)
    params = params_with_grads(grads)
    tensors = [torch.tensor(g.copy(), requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g.copy())
    assert clip_grad_value(params, clip_value) is None
    torch.nn.utils.clip_grad_value_(tensors, clip_value)
    for p, t in zip(params, tensors):
        np.testing.assert_array_equal(p.grad.data, t.grad.numpy())
        assert np.abs(p.grad.data).max() <= clip_value


def test_norm_formula_and_scale():
    (p,) = params_with_grads([np.array([3.0, 4.0])])
    assert clip_grad_norm(p, 1.0) == 5.0
    np.testing.assert_allclose(p.grad.data, np.array([3.0, 4.0]) / (5.0 + 1e-6), rtol=1e-15)


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_non_finite_norm_leaves_gradients_alone(bad):
    grads = random_grads(2)
    grads[1][2] = bad
    params = params_with_grads(grads)
    total = clip_grad_norm(params, 1.0)
    assert not math.isfinite(total)
    assert all(np.array_equal(p.grad.data, g, equal_nan=True) for p, g in zip(params, grads))


def test_missing_grads_are_skipped_and_layers_accepted():
    grads = random_grads(3)
    params = params_with_grads([grads[0], None, grads[2]])
    expected = math.sqrt(float(np.sum(grads[0] ** 2) + np.sum(grads[2] ** 2)))

    class Layer:
        def parameters(self):
            return params

    assert clip_grad_norm(Layer(), 1e9) == pytest.approx(expected, rel=1e-14)
    assert params[1].grad is None


def test_float32_stays_float32():
    p = cr.Tensor(np.zeros(3, np.float32), requires_grad=True)
    p.grad = cr.Tensor(np.array([10.0, -20.0, 5.0], np.float32))
    assert clip_grad_norm([p], 1.0) == pytest.approx(math.sqrt(525), rel=1e-6)
    assert p.grad.data.dtype == np.float32
    assert np.linalg.norm(p.grad.data) == pytest.approx(1.0, rel=1e-5)
    clip_grad_value([p], 0.1)
    assert p.grad.data.dtype == np.float32
    assert np.abs(p.grad.data).max() == np.float32(0.1)


def test_invalid_arguments():
    (p,) = params_with_grads([np.ones(2)])
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        clip_grad_norm([p], 0.0)
    with pytest.raises(ValueError, match="clip_value must be > 0"):
        clip_grad_value([p], -1.0)
    with pytest.raises(TypeError, match="max_norm must be a number"):
        clip_grad_norm([p], None)
    with pytest.raises(TypeError, match="expected Tensors, got ndarray at position 1"):
        clip_grad_norm([p, np.ones(2)], 1.0)
