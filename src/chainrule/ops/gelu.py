"""GELU, the transformer's activation: y = x·Φ(x), Φ the standard normal CDF (PyTorch's ``F.gelu``).

Exact form (``approximate="none"``):

    y = x·Φ(x),   Φ(x) = ½·erfc(−x/√2),   φ(x) = Φ′(x) = e^{−x²/2}/√(2π)
    y′ = Φ(x) + x·φ(x)                       so ∂L/∂x = g ∘ (Φ + x·φ)

Tanh form (``approximate="tanh"``), with u = √(2/π)·(x + 0.044715·x³):

    y = ½·x·(1 + tanh u)
    y′ = ½·(1 + tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²)

Backward keeps Φ(x) (or tanh u) from the forward pass; x is the input.

Second order: with create_graph=True the backward is g ∘ y′(x) with y′ itself an
operation (`GELUDerivative`), whose derivative is

    y″ = φ(x)·(2 − x²)                                                   (erf form)
    y″ = sech²u·u′ − x·tanh u·sech²u·u′² + ½·x·sech²u·u″                 (tanh form)

with sech²u = 1 − tanh²u, u′ = √(2/π)(1 + 3·0.044715·x²), u″ = √(2/π)·6·0.044715·x.

NumPy has no erf, so `erfc` is computed here, the way numerical libraries do it:
for z ≥ 0 and t = 2/(2 + z) ∈ (0, 1], erfc(z) = t·exp(−z² + P(t)) where P is a
smooth function of t (it tends to log(1/(2√π)) as z → ∞), expanded once, at
import, in Chebyshev polynomials from `math.erfc` at Chebyshev nodes. 24 terms give
relative accuracy ~1e-14 for float64 (also in the tail, where 1 + erf(x) would lose
every digit); float32 uses the first 14 (~1e-9). erfc(−z) = 2 − erfc(z).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops.scratch import take
from chainrule.tensor import Tensor

_NODES = 96


def _log_scaled_erfc(t: float) -> float:
    """P(t) = log(erfc(z)/t) + z² for z = 2/t − 2 (the asymptotic series of erfc where it underflows)."""
    z = 2 / t - 2
    if z > 20:  # erfc(z)·e^{z²} = (1/(z√π))·Σₙ (−1)ⁿ(2n−1)!!/(2z²)ⁿ; 12 terms are exact to rounding here
        total, term = 1.0, 1.0
        for n in range(1, 12):
            term *= -(2 * n - 1) / (2 * z * z)
            total += term
        return math.log(total / (z * math.sqrt(math.pi))) - math.log(t)
    return math.log(math.erfc(z)) + z * z - math.log(t)


def _chebyshev_coefficients() -> np.ndarray:
    """c_k with P(t) = Σ_k c_k·T_k(2t − 1) (c₀ halved), from P at the Chebyshev nodes of the first kind."""
    angles = np.pi * (np.arange(_NODES) + 0.5) / _NODES
    values = np.array([_log_scaled_erfc((np.cos(a) + 1) / 2) for a in angles])
    c = 2 / _NODES * np.cos(np.outer(np.arange(_NODES), angles)) @ values
    c[0] /= 2
    return c


_COEFFICIENTS = _chebyshev_coefficients()
_TERMS = {np.dtype(np.float64): 24, np.dtype(np.float32): 14}


def erfc(x: np.ndarray) -> np.ndarray:
    """The complementary error function 1 − erf(x) on a float array (no gradient; see the module docstring).

    Every step writes into work arrays from `scratch` (fresh large arrays cost a page fault per 4 KiB).
    """
    dtype = x.dtype
    c = _COEFFICIENTS[: _TERMS.get(dtype, 24)].astype(dtype)
    t, s2, b0, b1, b2 = (take(x.shape, dtype) for _ in range(5))
    np.abs(x, out=b0)  # z = |x|
    np.add(b0, dtype.type(2), out=t)
    np.divide(dtype.type(2), t, out=t)  # t = 2/(2 + z)
    np.multiply(t, dtype.type(4), out=s2)
    s2 -= dtype.type(2)  # 2·s with s = 2t − 1, for Clenshaw's recurrence b_k = 2s·b_{k+1} − b_{k+2} + c_k
    np.square(b0, out=b0)  # z², kept in b0 until the end of the loop
    z2, b0 = b0, take(x.shape, dtype)
    b1.fill(c[-1])
    b2.fill(0)
    for ck in c[-2:0:-1]:
        np.multiply(s2, b1, out=b0)
        b0 -= b2
        b0 += ck
        b0, b1, b2 = b2, b0, b1
    out = np.empty_like(x)
    np.multiply(s2, dtype.type(0.5), out=out)  # P = s·b₁ − b₂ + c₀
    out *= b1
    out -= b2
    out += c[0]
    out -= z2
    np.exp(out, out=out)
    out *= t  # erfc(|x|)
    np.multiply(out, dtype.type(-2), out=b0)  # erfc(x) = 2 − erfc(|x|) for x < 0: add 2 − 2·erfc(|x|) there
    b0 += dtype.type(2)
    b0 *= x < 0
    out += b0
    return out


_SQRT_HALF = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_CUBIC = 0.044715


def _parts(x: np.ndarray, approximate: str) -> tuple[np.ndarray, np.ndarray]:
    """(Φ(x), φ(x)) for the erf form; (tanh u, u′) for the tanh form."""
    c = x.dtype.type
    if approximate == "tanh":
        return np.tanh(c(_SQRT_2_OVER_PI) * (x + c(_CUBIC) * x * x * x)), c(_SQRT_2_OVER_PI) * (1 + c(3 * _CUBIC) * x * x)
    return c(0.5) * erfc(-x * c(_SQRT_HALF)), np.exp(c(-0.5) * x * x) * c(_INV_SQRT_2PI)


class GELUDerivative(Operation):
    """y′(x) of GELU as an operation (for second order): ∂L/∂x = g ∘ y″(x) (module docstring)."""

    second_order = False

    def __init__(self, approximate: str) -> None:
        self.approximate = approximate

    def forward(self, x):
        a, b = _parts(x, self.approximate)
        if self.approximate == "tanh":
            return x.dtype.type(0.5) * (1 + a) + x.dtype.type(0.5) * x * (1 - a * a) * b
        return a + x * b

    def backward(self, g, x, y):
        c = x.dtype.type
        a, b = _parts(x, self.approximate)
        if self.approximate == "tanh":
            sech2 = 1 - a * a
            return g * (sech2 * b - x * a * sech2 * b * b + c(0.5) * x * sech2 * c(_SQRT_2_OVER_PI * 6 * _CUBIC) * x)
        return g * b * (2 - x * x)


class GELU(Operation):
    """y = x·Φ(x) (or its tanh form); ∂L/∂x = g ∘ y′ (derivation in the module docstring)."""

    def __init__(self, approximate: str = "none") -> None:
        self.approximate = approximate

    def forward(self, x):
        c = x.dtype.type
        if self.approximate == "tanh":
            self.tanh_u = np.tanh(c(_SQRT_2_OVER_PI) * (x + c(_CUBIC) * x * x * x))
            return c(0.5) * x * (1 + self.tanh_u)
        self.cdf = c(0.5) * erfc(-x * c(_SQRT_HALF))
        return x * self.cdf

    def backward(self, g, x, y):
        if isinstance(g, Tensor):  # create_graph=True: y′ recorded as an operation of x
            return g * GELUDerivative(self.approximate)(x)
        c = x.dtype.type
        if self.approximate == "tanh":
            th = self.tanh_u
            du = c(_SQRT_2_OVER_PI) * (1 + c(3 * _CUBIC) * x * x)
            return g * (c(0.5) * (1 + th) + c(0.5) * x * (1 - th * th) * du)
        pdf = np.exp(c(-0.5) * x * x) * c(_INV_SQRT_2PI)
        return g * (self.cdf + x * pdf)


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit, as ``torch.nn.functional.gelu``.

    y = x·Φ(x);  ∂L/∂x = g ∘ (Φ(x) + x·φ(x)).  ``approximate="tanh"``:
    y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (derivative in the module docstring).

    >>> gelu(Tensor([-1.0, 0.0, 1.0])).numpy().round(4)
    array([-0.1587,  0.    ,  0.8413], dtype=float32)
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' (the erf form) or 'tanh', got {approximate!r}")
    return GELU(approximate)(x)
