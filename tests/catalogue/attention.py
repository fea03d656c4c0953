"""Catalogue entries for issue 16's operations: attention, layer_norm, gelu.

Edge cases: T = 1, a padding mask, causal attention with T_q < T_k (queries aligned at the end,
as a key/value cache needs: torch's ``causal_lower_right``, given to it as a mask), keys shared
by all heads (broadcast), an empty batch, non-contiguous inputs, saturating inputs. A fully
masked row (no key to attend to) is refused with an error, tested in tests/ops/test_attention.py.
"""

import numpy as np

import chainrule as cr
from catalogue import Entry, Sample
from catalogue.vocabulary import laid_out, to_torch, torch, unary, values
from chainrule.ops.attention import causal_mask


def _attention(q, k, v, mask=None, causal=False):
    return cr.ops.attention(q, k, v, mask=mask, causal=causal)


def _torch_attention(q, k, v, mask=None, causal=False):
    allowed = None if mask is None else to_torch(mask)
    if causal:
        lower_right = to_torch(causal_mask(q.shape[-2], k.shape[-2]))
        allowed = lower_right if allowed is None else allowed & lower_right
    # written out (softmax(Q·Kᵀ/√d)·V), not F.scaled_dot_product_attention: its CPU kernel has no double backward
    scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    return torch().softmax(scores, dim=-1) @ v


def _qkv(rng, q_shape, k_shape, dv=None):
    return [values(rng, q_shape), values(rng, k_shape), values(rng, k_shape[:-1] + (dv or k_shape[-1],))]


def _attention_samples(rng):
    q, k, v = _qkv(rng, (2, 2, 3, 4), (2, 2, 3, 4))
    return [
        Sample(_qkv(rng, (2, 2, 3, 4), (2, 2, 3, 4)), id="plain"),
        Sample(_qkv(rng, (2, 2, 4, 3), (2, 2, 4, 3), 2), {"causal": True}, id="causal"),
        Sample(_qkv(rng, (1, 1, 1, 3), (1, 1, 1, 3)), id="T=1"),
        Sample(_qkv(rng, (1, 2, 1, 3), (1, 2, 1, 3)), {"causal": True}, id="causal-T=1"),
        Sample(_qkv(rng, (2, 1, 2, 3), (2, 1, 5, 3)), {"causal": True}, id="causal-Tq<Tk"),
        Sample(_qkv(rng, (1, 2, 3, 2), (1, 2, 4, 2)), {"mask": np.array([[True, True, True, False]])},
               id="padding-mask"),
        Sample(_qkv(rng, (2, 3, 3, 2), (2, 1, 4, 2)), id="keys-shared-by-heads"),
        Sample(_qkv(rng, (0, 2, 3, 4), (0, 2, 3, 4)), id="empty-batch"),
        Sample([laid_out(q, "transposed"), laid_out(k, "reversed"), v], id="non-contiguous"),
        Sample(_qkv(rng, (3, 2), (4, 2)), {"causal": True}, id="no-heads-axis"),
    ]


def _layer_norm(x, *params, normalized=None):
    return cr.ops.layer_norm(x, normalized, *(params + (None,) * (2 - len(params))))


def _torch_layer_norm(x, *params, normalized=None):
    return torch().nn.functional.layer_norm(x, normalized, *(params + (None,) * (2 - len(params))), 1e-5)


def _layer_norm_samples(rng):
    def affine(shape, normalized, count=2, kind="normal"):
        return [values(rng, shape, kind)] + [values(rng, normalized) for _ in range(count)]

    return [
        Sample(affine((2, 3, 4), (4,)), {"normalized": (4,)}, id="affine"),
        Sample(affine((2, 3, 2), (3, 2)), {"normalized": (3, 2)}, id="two-axes"),
        Sample(affine((5,), (5,)), {"normalized": (5,)}, id="1d"),
        Sample(affine((3, 5), (5,), 1), {"normalized": (5,)}, id="weight-only"),
        Sample(affine((3, 5), (5,), 0), {"normalized": (5,)}, id="no-affine"),
        Sample(affine((0, 4), (4,)), {"normalized": (4,)}, id="empty-batch"),
        Sample(affine((4, 1), (1,)), {"normalized": (1,)}, id="size-1-normalized"),
        Sample([laid_out(values(rng, (4, 3)), "transposed"), values(rng, (3,)), values(rng, (3,))],
               {"normalized": (3,)}, id="transposed"),
        Sample(affine((2, 4), (4,), kind="saturating"), {"normalized": (4,)}, id="saturating", fd=False),
    ]


def _gelu_samples(rng, approximate):
    return unary(rng, approximate=approximate) + [
        Sample([values(rng, (2, 5), "saturating")], {"approximate": approximate}, id="saturating", fd=False,
               atol=0.0),
        Sample([np.array([-9.0, -6.0, -3.0, 0.0, 3.0, 6.0])], {"approximate": approximate}, id="tails"),
    ]


ENTRIES = [
    Entry("ops.attention", _attention, _torch_attention, _attention_samples, second_order=True),
    Entry("ops.layer_norm", _layer_norm, _torch_layer_norm, _layer_norm_samples, second_order=True),
    Entry("ops.gelu", cr.ops.gelu, lambda x, approximate="none": torch().nn.functional.gelu(x, approximate=approximate),
          lambda rng: _gelu_samples(rng, "none") + _gelu_samples(rng, "tanh"), second_order=True),
]
