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
relative accuracy ~1e-14 for float64 (also in the tails, where 1 + erf(x) would lose
every digit); float32 uses the first 10: the float32 rounding of the exponent −z² + P(t)
limits it to ~1e-6 relative whatever the number of terms (measured: 10 and 14 terms give the
same error). erfc(−z) = 2 − erfc(z). The series runs over blocks of `_BLOCK` elements,
each pass writing into a few work arrays (about 30 passes: 35 % less time than 14 terms over
whole arrays, docs/performance.md).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops import compiled
from chainrule.ops.scratch import empty, take
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
_TERMS = {np.dtype(np.float64): 24, np.dtype(np.float32): 10}  # float32: more terms change nothing (its rounding rules)
_BLOCK = 1 << 15  # elements per block: a block's work arrays (5 × 128 KB in float32) stay in the core's L2 cache


def erfc(x: np.ndarray) -> np.ndarray:
    """The complementary error function 1 − erf(x) on a float array (no gradient; see the module docstring).

    Evaluated a block of `_BLOCK` elements at a time, so that the ~35 passes of the series
    over each block run in cache instead of over the whole array in memory.
    """
    return _blockwise(x, _erfc_block)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Φ(x) = ½·erfc(−x/√2), the standard normal CDF, blockwise like `erfc`."""
    return _blockwise(x, _normal_cdf_block)


def _blockwise(x: np.ndarray, kernel: Any) -> np.ndarray:
    """kernel(x_block, out_block, work) over blocks of the flattened x; float arrays of any shape and layout."""
    x = np.asarray(x, order="C")  # (ascontiguousarray would make a 0-d array 1-d)
    out = empty(x.shape, x.dtype)
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    size = min(_BLOCK, flat_x.size)
    work = [take((size,), x.dtype) for _ in range(5)]
    for lo in range(0, flat_x.size, _BLOCK):
        hi = min(lo + _BLOCK, flat_x.size)
        kernel(flat_x[lo:hi], flat_out[lo:hi], [w[: hi - lo] for w in work])
    return out


def _normal_cdf_block(x: np.ndarray, out: np.ndarray, work: list[np.ndarray]) -> None:
    np.multiply(x, x.dtype.type(-_SQRT_HALF), out=out)
    _erfc_block(out, out, work)
    out *= x.dtype.type(0.5)


def _erfc_block(x: np.ndarray, out: np.ndarray, work: list[np.ndarray]) -> None:
    """erfc of one block of x into out (which may be x itself); `work`: five arrays of x's size."""
    dtype = x.dtype
    c = _COEFFICIENTS[: _TERMS.get(dtype, 24)].astype(dtype)
    t, s2, b0, b1, b2 = work
    np.abs(x, out=b0)  # z = |x|
    np.add(b0, dtype.type(2), out=t)
    np.divide(dtype.type(2), t, out=t)  # t = 2/(2 + z)
    np.multiply(t, dtype.type(4), out=s2)
    s2 -= dtype.type(2)  # 2·s with s = 2t − 1, for Clenshaw's recurrence b_k = 2s·b_{k+1} − b_{k+2} + c_k
    np.square(b0, out=b0)  # z², the exponent's −z² is subtracted at the end
    negative = x < 0  # kept before out (possibly x itself) is written
    b1.fill(c[-1])
    b2.fill(0)
    # Clenshaw's recurrence, with b0 (z²) waiting in `out` until the loop is done
    np.copyto(out, b0)
    z2, b0 = out, b0
    for ck in c[-2:0:-1]:
        np.multiply(s2, b1, out=b0)
        b0 -= b2
        b0 += ck
        b0, b1, b2 = b2, b0, b1
    np.multiply(s2, dtype.type(0.5), out=b0)  # P = s·b₁ − b₂ + c₀
    b0 *= b1
    b0 -= b2
    b0 += c[0]
    np.subtract(b0, z2, out=out)
    np.exp(out, out=out)
    out *= t  # erfc(|x|)
    np.multiply(out, dtype.type(-2), out=b0)  # erfc(x) = 2 − erfc(|x|) for x < 0: add 2 − 2·erfc(|x|) there
    b0 += dtype.type(2)
    b0 *= negative  # (np.add with where= measured 20× slower than this multiply by a boolean)
    out += b0


_SQRT_HALF = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_CUBIC = 0.044715


def _parts(x: np.ndarray, approximate: str) -> tuple[np.ndarray, np.ndarray]:
    """(Φ(x), φ(x)) for the erf form; (tanh u, u′) for the tanh form."""
    c = x.dtype.type
    if approximate == "tanh":
        return np.tanh(c(_SQRT_2_OVER_PI) * (x + c(_CUBIC) * x * x * x)), c(_SQRT_2_OVER_PI) * (1 + c(3 * _CUBIC) * x * x)
    return normal_cdf(x), _normal_pdf(x)


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    """φ(x) = e^{−x²/2}/√(2π), in one work array."""
    c = x.dtype.type
    pdf = take(x.shape, x.dtype)
    np.multiply(x, x, out=pdf)
    pdf *= c(-0.5)
    np.exp(pdf, out=pdf)
    pdf *= c(_INV_SQRT_2PI)
    return pdf


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
        forward = compiled.kernel("gelu", "gelu_forward", "pppl", x)  # the optional compiled extra (kernels/gelu.c)
        if forward is not None:
            self.cdf, y = take(x.shape, x.dtype), take(x.shape, x.dtype)
            forward(x.ctypes.data, self.cdf.ctypes.data, y.ctypes.data, x.size)
            return y
        self.cdf = normal_cdf(x)
        return np.multiply(x, self.cdf, out=take(x.shape, x.dtype))

    def backward(self, g, x, y):
        if isinstance(g, Tensor):  # create_graph=True: y′ recorded as an operation of x
            return g * GELUDerivative(self.approximate)(x)
        c = x.dtype.type
        if self.approximate == "tanh":
            th = self.tanh_u
            du = c(_SQRT_2_OVER_PI) * (1 + c(3 * _CUBIC) * x * x)
            return g * (c(0.5) * (1 + th) + c(0.5) * x * (1 - th * th) * du)
        backward = compiled.kernel("gelu", "gelu_backward", "ppppl", x, g)
        if backward is not None:
            gx = take(x.shape, x.dtype)
            backward(x.ctypes.data, self.cdf.ctypes.data, g.ctypes.data, gx.ctypes.data, x.size)
            return gx
        gx = _normal_pdf(x)  # becomes g ∘ (Φ + x·φ) in place
        gx *= x
        gx += self.cdf
        gx *= g
        return gx


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
