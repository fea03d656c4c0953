"""Scaled dot-product attention as one operation (PyTorch's ``F.scaled_dot_product_attention``).

For queries Q (…, T_q, d), keys K (…, T_k, d) and values V (…, T_k, d_v) — the
leading axes are usually (batch, heads) — and s = 1/√d:

    S = s·Q·Kᵀ                 (…, T_q, T_k)   scores; a masked entry is −∞
    P_i = softmax(S_i)         row by row: P_ij = e^{S_ij} / Σ_l e^{S_il}
    P̃ = P ∘ M / (1 − p)        dropout on the attention weights (M a 0/1 mask; P̃ = P without it)
    O = P̃·V                    (…, T_q, d_v)

Backward, with G = ∂L/∂O. O is a matrix product, so

    ∂L/∂V = P̃ᵀ·G               ∂L/∂P̃ = G·Vᵀ          ∂L/∂P = ∂L/∂P̃ ∘ M / (1 − p)

Softmax acts on each row i separately, with Jacobian ∂P_ij/∂S_ik = P_ij(δ_jk − P_ik), so

    ∂L/∂S_ik = Σ_j ∂L/∂P_ij · P_ij(δ_jk − P_ik) = P_ik·(∂L/∂P_ik − D_i),   D_i = Σ_j P_ij·∂L/∂P_ij

and D_i needs no T_k-long sum over ∂L/∂P: Σ_j P_ij·(G·Vᵀ)_ij·M_ij/(1 − p) = Σ_j P̃_ij·(G_i·V_j)
= G_i·O_i, a dot product of two d_v-vectors. Masked entries have P = 0, hence ∂L/∂S = 0
there. Finally S = s·Q·Kᵀ gives

    ∂L/∂Q = s·(∂L/∂S)·K        ∂L/∂K = s·(∂L/∂S)ᵀ·Q

So backward keeps P (and the dropout mask, if any) besides the inputs and the output O;
S, P̃ and every exponential are thrown away after the forward pass. Second order
(create_graph=True) rebuilds O from matmul, where, softmax and products on the input
Tensors and differentiates that (`composite_backward`).

Masks. `mask` is boolean, broadcastable to (…, T_q, T_k), True where a query may
attend to a key (PyTorch's boolean ``attn_mask`` for this function). `causal=True`
lets query i see keys j ≤ i + (T_k − T_q): the queries are the *last* T_q positions
of the T_k keys (PyTorch's ``causal_lower_right``), which is what generation with a
key/value cache needs; for T_q = T_k it is the usual lower triangle. A query row
that may attend to no key at all has no softmax (0/0): it is refused with an error
rather than given NaN or an arbitrary value (PyTorch returns NaN there).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.autograd import Operation, composite_backward
from chainrule.ops import compiled, scratch
from chainrule.ops.activations import softmax
from chainrule.ops.arithmetic import matmul
from chainrule.ops.dual import sum_to
from chainrule.ops.indexing import where
from chainrule.ops.shape import swapaxes
from chainrule.tensor import Tensor


class Attention(Operation):
    """O = dropout(softmax(s·Q·Kᵀ + mask))·V (derivation in the module docstring)."""

    def __init__(self, scale: float, allowed: np.ndarray | None, keep: np.ndarray | None) -> None:
        self.scale, self.allowed, self.keep = scale, allowed, keep  # keep: the dropout mask scaled by 1/(1 − p)

    def forward(self, q, k, v):
        s = scratch.matmul(q, np.swapaxes(k, -1, -2))  # work arrays from the pool: no fresh pages each step
        t_q, t_k = s.shape[-2:]
        one_mask = self.allowed is None or self.allowed.shape == (t_q, t_k)  # the kernel takes one (T_q, T_k) mask
        softmax_rows = compiled.kernel("attention", "softmax_rows", "ppllld", s) \
            if self.keep is None and one_mask else None
        if softmax_rows is not None:  # the optional compiled extra: the masked softmax in one pass a row
            allowed = None if self.allowed is None else np.ascontiguousarray(self.allowed)
            softmax_rows(s.ctypes.data, compiled.address(allowed), s.size // max(t_k, 1), t_q, t_k, self.scale)
            self.p = s
            return scratch.matmul(s, v)
        s *= s.dtype.type(self.scale)
        if self.allowed is not None:  # −∞ where not allowed, added from the mask's own (broadcast) shape
            blocked = np.where(self.allowed, s.dtype.type(0), s.dtype.type(-np.inf))
            if np.broadcast_shapes(blocked.shape, s.shape) == s.shape:
                s += blocked
            else:  # a mask with more leading axes than the scores: the scores take its shape
                s = s + blocked
        s -= s.max(axis=-1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=-1, keepdims=True)
        self.p = s
        return scratch.matmul(s if self.keep is None else s * self.keep, v)

    def backward(self, g, q, k, v, o):
        if isinstance(g, Tensor):  # create_graph=True
            return composite_backward(self.definition, (q, k, v), g)
        p = self.p
        weights = p if self.keep is None else p * self.keep
        gv = scratch.matmul(np.swapaxes(weights, -1, -2), g) if self.needs_grad[2] else None
        gp = scratch.matmul(g, np.swapaxes(v, -1, -2))
        backward = compiled.kernel("attention", "softmax_rows_backward", "ppppllld", gp, p, g, o) \
            if self.keep is None and g.shape[:-1] == gp.shape[:-1] == o.shape[:-1] == p.shape[:-1] else None
        if backward is not None:  # the optional compiled extra: D and ∂L/∂S in one pass a row
            backward(gp.ctypes.data, p.ctypes.data, g.ctypes.data, o.ctypes.data, gp.size // max(gp.shape[-1], 1),
                     gp.shape[-1], g.shape[-1], self.scale)
        else:
            if self.keep is not None:
                gp *= self.keep
            d = np.einsum("...id,...id->...i", g, o)[..., None]  # D_i = G_i·O_i
            gp -= d
            gp *= p  # ∂L/∂S = P ∘ (∂L/∂P − D)
            gp *= gp.dtype.type(self.scale)
        gq = scratch.matmul(gp, k) if self.needs_grad[0] else None
        gk = scratch.matmul(np.swapaxes(gp, -1, -2), q) if self.needs_grad[1] else None
        # keys or values shared by all heads (broadcast): sum their gradient back to their shape
        return tuple(None if gx is None else sum_to(gx, x.shape) for gx, x in ((gq, q), (gk, k), (gv, v)))


    def definition(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        """O from primitive operations (for second order)."""
        s = matmul(q, swapaxes(k, -1, -2)) * q.dtype.type(self.scale)
        if self.allowed is not None:
            s = where(self.allowed, s, Tensor(np.array(-np.inf, q.dtype), dtype=q.dtype))
        p = softmax(s, axis=-1)
        return matmul(p if self.keep is None else p * self.keep, v)


def causal_mask(t_q: int, t_k: int) -> np.ndarray:
    """(T_q, T_k) boolean: query i (the position T_k − T_q + i) may see keys j ≤ T_k − T_q + i."""
    return np.arange(t_k)[None, :] <= np.arange(t_q)[:, None] + (t_k - t_q)


def attention(q: Any, k: Any, v: Any, mask: Any = None, causal: bool = False, dropout: float = 0.0,
              rng: np.random.Generator | None = None, scale: float | None = None) -> Tensor:
    """Scaled dot-product attention softmax(Q·Kᵀ/√d)·V over (…, T, d) tensors, as one operation.

    ∂L/∂V = Pᵀ·G;  ∂L/∂S = P ∘ (G·Vᵀ − rowsum(G ∘ O));  ∂L/∂Q = s·∂L/∂S·K;  ∂L/∂K = s·∂L/∂Sᵀ·Q
    (derivation in the module docstring).

    Args:
        q: (…, T_q, d); k: (…, T_k, d); v: (…, T_k, d_v); leading axes broadcast.
        mask: boolean, broadcastable to (…, T_q, T_k), True where attending is allowed.
        causal: also forbid keys after each query (aligned at the end: see the module docstring).
        dropout: probability p of dropping each attention weight (scaling the rest by 1/(1 − p)).
        rng: the generator for the dropout mask (a fresh one if None).
        scale: s; default 1/√d.

    Raises ValueError when some query may attend to no key (a fully masked row).

    >>> q = Tensor(np.ones((1, 2, 4)))
    >>> attention(q, q, Tensor([[[1.0], [3.0]]]), causal=True).numpy().ravel()
    array([1., 2.], dtype=float32)
    """
    shapes = [tuple(np.shape(getattr(a, "data", a))) for a in (q, k, v)]
    (sq, sk, sv) = shapes
    if min(len(s) for s in shapes) < 2 or sq[-1] != sk[-1] or sk[-2] != sv[-2]:
        raise ValueError(f"attention expects q (…, T_q, d), k (…, T_k, d), v (…, T_k, d_v); got shapes {sq}, {sk}, "
                         f"{sv}: q and k must share d, k and v must share T_k")
    t_q, t_k = sq[-2], sk[-2]
    allowed = None
    if mask is not None:
        allowed = np.asarray(getattr(mask, "data", mask))
        if allowed.dtype != bool:
            raise TypeError(f"attention: mask must be boolean (True where attending is allowed), got {allowed.dtype}")
        try:
            np.broadcast_shapes(allowed.shape, (t_q, t_k))
        except ValueError:
            raise ValueError(f"attention: a mask of shape {allowed.shape} does not broadcast to (…, {t_q}, {t_k})") \
                from None
    if causal:
        allowed = causal_mask(t_q, t_k) if allowed is None else allowed & causal_mask(t_q, t_k)
    if allowed is not None and allowed.size and not allowed.any(axis=-1).all():
        raise ValueError(
            "attention: some query may attend to no key (a fully masked row of the mask"
            + (f"; causal with T_q = {t_q} > T_k = {t_k} leaves the first {t_q - t_k} queries no key" if causal
               and t_q > t_k else "") + "); its softmax is undefined — give every query at least one key")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"attention: dropout is the probability of dropping and must be in [0, 1), got {dropout}")
    keep = None
    if dropout > 0.0:
        dtype = q.dtype if isinstance(q, Tensor) else np.dtype(np.float32)
        out_shape = np.broadcast_shapes(sq[:-2], sk[:-2], sv[:-2]) + (t_q, t_k)
        rng = rng if rng is not None else np.random.default_rng()
        keep = (rng.random(out_shape, dtype=np.float32) >= dropout).astype(dtype) * dtype.type(1 / (1 - dropout))
    s = 1 / math.sqrt(sq[-1]) if scale is None else float(scale)
    return Attention(s, allowed, keep)(q, k, v)
