"""Comparing tensors: the elementwise `maximum` and `minimum` (differentiable), and the
comparisons ``< <= > >= == !=`` (not differentiable: they give boolean arrays).

For y = maximum(a, b) (broadcasting), each output element is a copy of the larger input:

    ∂y/∂a = 1 where a > b, 0 where a < b;   ∂y/∂b the other way round.

Where a = b the maximum has no derivative (the two one-sided derivatives differ); like
PyTorch, the gradient is shared: each input gets ½·g there. Summing what was broadcast
gives ∂L/∂a = sum_to(g ∘ ([a > b] + ½[a = b]), a.shape), and the same for b. `minimum`
swaps the roles of > and <.

A comparison's output is a step function of its inputs, whose derivative is zero wherever it
exists: nothing flows back, so the result is a plain boolean NumPy array, ready for `where`,
masks (``x[x > 0]``) and counting (``(x > 0).sum()``).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops.dual import gate, sum_to, value
from chainrule.tensor import Tensor


class _Extremum(Operation):
    """Shared backward of maximum and minimum: g to the winner, split evenly on ties."""

    pick: Callable[..., np.ndarray]
    wins: Callable[..., np.ndarray]

    def forward(self, a, b):
        try:
            return type(self).pick(a, b)
        except ValueError:
            raise ValueError(f"{self.name.lower()}: shapes {a.shape} and {b.shape} do not broadcast together") from None

    def backward(self, g, a, b, y):
        av, bv = value(a), value(b)
        share_a = type(self).wins(av, bv) + 0.5 * (av == bv)  # 1, ½ or 0 (broadcast to y's shape)
        dtype = y.dtype
        share_a = share_a.astype(dtype)
        ga = sum_to(gate(g, share_a), a.shape) if self.needs_grad[0] else None
        gb = sum_to(gate(g, 1 - share_a), b.shape) if self.needs_grad[1] else None
        return ga, gb


class Maximum(_Extremum):
    """y = max(a, b) elementwise.   ∂L/∂a = g where a > b, ½g where a = b (module docstring)."""

    pick = staticmethod(np.maximum)
    wins = staticmethod(np.greater)


class Minimum(_Extremum):
    """y = min(a, b) elementwise.   ∂L/∂a = g where a < b, ½g where a = b (module docstring)."""

    pick = staticmethod(np.minimum)
    wins = staticmethod(np.less)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise larger of a and b (broadcasting), as ``torch.maximum``.

    y = max(a, b);  ∂L/∂a = g where a > b, g/2 where a = b, else 0 (and ∂L/∂b the other way round).

    >>> maximum(Tensor([1.0, 5.0]), Tensor([3.0, 2.0]))
    Tensor([3., 5.], dtype=float32)
    """
    return Maximum()(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise smaller of a and b (broadcasting), as ``torch.minimum``.

    y = min(a, b);  ∂L/∂a = g where a < b, g/2 where a = b, else 0 (and ∂L/∂b the other way round).
    """
    return Minimum()(a, b)


def _compare(ufunc: np.ufunc, a: Any, b: Any) -> np.ndarray:
    return ufunc(value(a), value(b))


def less(a: Any, b: Any) -> np.ndarray:
    """a < b elementwise, as a boolean array. Also ``a < b`` on tensors.

    No gradient: a step function, ∂/∂a = ∂/∂b = 0 wherever it is defined, so it stays outside the graph.
    """
    return _compare(np.less, a, b)


def less_equal(a: Any, b: Any) -> np.ndarray:
    """a ≤ b elementwise, as a boolean array (no gradient: ∂ = 0 where defined). Also ``a <= b`` on tensors."""
    return _compare(np.less_equal, a, b)


def greater(a: Any, b: Any) -> np.ndarray:
    """a > b elementwise, as a boolean array (no gradient). Also ``a > b`` on tensors.

    >>> greater(Tensor([-1.0, 2.0]), 0)
    array([False,  True])
    """
    return _compare(np.greater, a, b)


def greater_equal(a: Any, b: Any) -> np.ndarray:
    """a ≥ b elementwise, as a boolean array (no gradient: ∂ = 0 where defined). Also ``a >= b`` on tensors."""
    return _compare(np.greater_equal, a, b)


def equal(a: Any, b: Any) -> np.ndarray:
    """a = b elementwise, as a boolean array (no gradient: ∂ = 0 where defined). Also ``a == b`` on tensors."""
    return _compare(np.equal, a, b)


def not_equal(a: Any, b: Any) -> np.ndarray:
    """a ≠ b elementwise, as a boolean array (no gradient: ∂ = 0 where defined). Also ``a != b`` on tensors."""
    return _compare(np.not_equal, a, b)
