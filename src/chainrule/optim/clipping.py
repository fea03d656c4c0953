"""Gradient clipping: bound the gradients before an update, in place on ``.grad.data``.

* `clip_grad_norm` rescales all gradients together when their global L2 norm
  ‖g‖ = sqrt(Σ_p Σ_i g_{p,i}²) exceeds `max_norm` (the direction is kept);
* `clip_grad_value` clamps every element into [−c, c] (the direction may change).

Both follow ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``. Parameters
whose ``.grad`` is None are skipped.

>>> from chainrule import Tensor
>>> p = Tensor([0.0, 0.0], requires_grad=True)
>>> p.grad = Tensor([3.0, 4.0])
>>> clip_grad_norm([p], max_norm=1.0)
5.0
>>> p.grad.data.round(5)          # 1.0/(5 + 1e-6) · (3, 4)
array([0.6, 0.8], dtype=float32)
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from chainrule.tensor import Tensor

__all__ = ["clip_grad_norm", "clip_grad_value"]

Params = Any  # a Tensor, an iterable of Tensors, or an object with .parameters()


def grad_arrays(params: Params) -> list[np.ndarray]:
    """The gradient arrays of `params` (a Tensor, an iterable of Tensors, or a layer), skipping None."""
    if isinstance(params, Tensor):
        params = [params]
    elif callable(getattr(params, "parameters", None)):
        params = params.parameters()
    arrays = []
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"expected Tensors, got {type(p).__name__} at position {i}")
        if p.grad is not None:
            arrays.append(p.grad.data if isinstance(p.grad, Tensor) else p.grad)
    return arrays


def _check_limit(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return float(value)


def clip_grad_norm(params: Params, max_norm: float) -> float:
    """Scale all gradients by one factor so that their global L2 norm is at most `max_norm`.

    total = sqrt(Σ_p ‖g_p‖²);  if s = max_norm / (total + 1e-6) < 1:  g_p ← s·g_p for every p.

    Returns the total norm *before* clipping (a Python float), useful to log. When
    it is not finite (inf or nan: the loss has diverged), the gradients are left
    as they are and the non-finite value is returned for the caller to report.
    """
    max_norm = _check_limit("max_norm", max_norm)
    grads = grad_arrays(params)
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if not math.isfinite(total):
        return total
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= g.dtype.type(scale)
    return total


def clip_grad_value(params: Params, clip_value: float) -> None:
    """Clamp every gradient element into [−c, c]:  g ← min(max(g, −c), c), c = `clip_value` > 0."""
    c = _check_limit("clip_value", clip_value)
    for g in grad_arrays(params):
        bound = g.dtype.type(c)
        np.clip(g, -bound, bound, out=g)
