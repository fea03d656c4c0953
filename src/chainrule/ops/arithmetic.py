"""Arithmetic: + − × ÷ power, negation, matrix product, dtype cast.

Binary operations broadcast like NumPy. Broadcasting copies an operand along
new or length-1 axes, so in the backward pass the gradient for that operand is
the sum over those axes (`sum_to`): every copy contributed to the loss.

Notation: ``g`` is ∂L/∂y for the output y; the backward returns ∂L/∂input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops.dual import log, sum_to, value, where
from chainrule.tensor import Tensor, as_float_dtype


def _broadcast_error(name: str, a: np.ndarray, b: np.ndarray) -> ValueError:
    return ValueError(
        f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together. Broadcasting "
        "compares shapes from the right; each pair of sizes must be equal or one of them 1"
    )


class _Binary(Operation):
    """Shared shape check for the broadcasting binary operations."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            return self.compute(a, b)
        except ValueError:
            if a.shape != b.shape:
                raise _broadcast_error(self.name.lower(), a, b) from None
            raise

    def compute(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Add(_Binary):
    """y = a + b.   ∂y/∂a = ∂y/∂b = 1, so g flows to both, summed to each shape."""

    def compute(self, a, b):
        return a + b

    def backward(self, g, a, b, y):
        return sum_to(g, a.shape), sum_to(g, b.shape)


class Sub(_Binary):
    """y = a − b.   ∂L/∂a = g,  ∂L/∂b = −g."""

    def compute(self, a, b):
        return a - b

    def backward(self, g, a, b, y):
        return sum_to(g, a.shape), sum_to(-g, b.shape)


class Mul(_Binary):
    """y = a ∘ b (elementwise).   ∂L/∂a = g ∘ b,  ∂L/∂b = g ∘ a."""

    def compute(self, a, b):
        return a * b

    def backward(self, g, a, b, y):
        ga = sum_to(g * b, a.shape) if self.needs_grad[0] else None
        gb = sum_to(g * a, b.shape) if self.needs_grad[1] else None
        return ga, gb


class Div(_Binary):
    """y = a / b.   ∂L/∂a = g / b,  ∂L/∂b = −g·a/b² = −g·y/b."""

    def compute(self, a, b):
        return a / b

    def backward(self, g, a, b, y):
        ga = sum_to(g / b, a.shape) if self.needs_grad[0] else None
        gb = sum_to(-g * y / b, b.shape) if self.needs_grad[1] else None
        return ga, gb


class Pow(_Binary):
    """y = a ** b.   ∂y/∂a = b·a^(b−1),  ∂y/∂b = a^b·ln a = y·ln a (defined for a > 0).

    At a zero base the formulas give 0·∞ = NaN where the limits are 0, so (as PyTorch)
    ∂y/∂a = 0 where b = 0 (y ≡ 1), and ∂y/∂b = 0 where a = 0 and b ≥ 0 (y = 0ᵇ is flat in b
    from the right). The base is replaced by 1 at those elements before the formula, so the
    second derivative stays finite too.
    """

    def compute(self, a, b):
        return a**b

    def backward(self, g, a, b, y):
        av, bv = value(a), value(b)
        one = av.dtype.type(1)
        ga = gb = None
        if self.needs_grad[0]:
            flat = bv == 0  # y ≡ 1 in a
            base = where(flat, one, a) if flat.any() else a
            ga = sum_to(g * b * base ** (b - 1), a.shape)
        if self.needs_grad[1]:
            zero = (av == 0) & (bv >= 0)  # lim 0ᵇ·ln 0 = 0 for b > 0; PyTorch's 0 at b = 0
            base = where(zero, one, a) if zero.any() else a
            gb = sum_to(g * y * log(base), b.shape)
        return ga, gb


class Neg(Operation):
    """y = −x.   ∂L/∂x = −g."""

    def forward(self, x):
        return -x

    def backward(self, g, x, y):
        return -g


class MatMul(Operation):
    """Y = A·B for A (…, n, k) and B (…, k, m) → Y (…, n, m); leading axes broadcast.

    Y_ij = Σ_k A_ik B_kj, so ∂L/∂A_ik = Σ_j G_ij B_kj, i.e. ∂L/∂A = G·Bᵀ, and
    ∂L/∂B = Aᵀ·G. Batch axes that were broadcast are summed back (`sum_to`).
    """

    def forward(self, a, b):
        _check_matmul(a.shape, b.shape)
        return a @ b

    def backward(self, g, a, b, y):
        ga = sum_to(g @ b.swapaxes(-1, -2), a.shape) if self.needs_grad[0] else None
        gb = sum_to(a.swapaxes(-1, -2) @ g, b.shape) if self.needs_grad[1] else None
        return ga, gb


def _check_matmul(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    rule = "the rule is (…, n, k) @ (…, k, m) → (…, n, m)"
    if len(sa) < 2 or len(sb) < 2:
        raise ValueError(f"matmul: {sa} @ {sb}: both operands need at least 2 axes; {rule}")
    if sa[-1] != sb[-2]:
        raise ValueError(
            f"matmul: {sa} @ {sb}: the inner sizes differ (last axis of the left is {sa[-1]}, "
            f"second-to-last of the right is {sb[-2]}); {rule}"
        )
    if len(sa) == 2 and len(sb) == 2:
        return
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ValueError(f"matmul: {sa} @ {sb}: the batch axes {sa[:-2]} and {sb[:-2]} do not broadcast") from None


class Cast(Operation):
    """y = x as another float dtype.   ∂L/∂x = g cast back to x's dtype."""

    def __init__(self, dtype: Any) -> None:
        self.out_dtype = as_float_dtype(dtype)

    def forward(self, x):
        return x.astype(self.out_dtype)

    def backward(self, g, x, y):
        return g.astype(x.dtype)


# ------------------------------------------------------------- user functions


def add(a: Any, b: Any) -> Tensor:
    """Elementwise a + b with broadcasting.

    y = a + b;  ∂L/∂a = sum_to(g, a.shape), ∂L/∂b = sum_to(g, b.shape), with g = ∂L/∂y
    summed over the axes that broadcasting added.

    >>> add(Tensor([1.0, 2.0]), 10.0)
    Tensor([11., 12.], dtype=float32)
    """
    return Add()(a, b)


def sub(a: Any, b: Any) -> Tensor:
    """Elementwise a − b with broadcasting.   y = a − b;  ∂L/∂a = g,  ∂L/∂b = −g (each summed to its shape)."""
    return Sub()(a, b)


def mul(a: Any, b: Any) -> Tensor:
    """Elementwise a · b with broadcasting.   y = a ∘ b;  ∂L/∂a = g ∘ b,  ∂L/∂b = g ∘ a (summed to each shape)."""
    return Mul()(a, b)


def div(a: Any, b: Any) -> Tensor:
    """Elementwise a / b with broadcasting.   y = a / b;  ∂L/∂a = g / b,  ∂L/∂b = −g·a/b² = −g·y/b."""
    return Div()(a, b)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - mirrors the operator's name
    """Elementwise a ** b with broadcasting (a constant exponent gets no gradient).

    y = a^b;  ∂L/∂a = g·b·a^(b−1),  ∂L/∂b = g·y·ln a (defined for a > 0).
    """
    return Pow()(a, b)


def neg(x: Any) -> Tensor:
    """Elementwise −x.   y = −x;  ∂L/∂x = −g."""
    return Neg()(x)


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product; 2-D or batched (…, n, k) @ (…, k, m). A 1-D operand is a row or column.

    Y = A·B, Y_ij = Σ_k A_ik B_kj;  ∂L/∂A = G·Bᵀ,  ∂L/∂B = Aᵀ·G (G = ∂L/∂Y).

    >>> matmul(Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]]))
    Tensor([[11.]], dtype=float32)
    """
    a_is_vector = getattr(a, "ndim", np.ndim(a)) == 1
    b_is_vector = getattr(b, "ndim", np.ndim(b)) == 1
    if not (a_is_vector or b_is_vector):
        return MatMul()(a, b)
    if a_is_vector:
        a = a.reshape(1, -1) if isinstance(a, Tensor) else np.reshape(a, (1, -1))
    if b_is_vector:
        b = b.reshape(-1, 1) if isinstance(b, Tensor) else np.reshape(b, (-1, 1))
    y = MatMul()(a, b)
    if a_is_vector and b_is_vector:
        return y.reshape(())
    return y.reshape(y.shape[:-2] + (y.shape[-1],)) if a_is_vector else y.reshape(y.shape[:-1])


def cast(x: Tensor, dtype: Any) -> Tensor:
    """A differentiable change of dtype (float32 ↔ float64).   y = x in the new dtype;  ∂L/∂x = g in x's dtype."""
    if np.dtype(dtype) == x.dtype:
        return x
    return Cast(dtype)(x)
