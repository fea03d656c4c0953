"""PyTorch interop of the transformer layers: equal outputs (logits) and equal gradients, both ways."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.interop import from_torch, to_torch
from chainrule.language_model import CharGPT
from chainrule.layers import GELU, CausalSelfAttention, LayerNorm, MultiHeadAttention, TransformerBlock

torch = pytest.importorskip("torch")


def _grads_match(ours, module, x, call_ours, call_theirs, atol=1e-9):
    """Same output; same gradients of a random weighting for the input, and for the parameters the same
    sum and sum of squares (PyTorch packs W_q, W_k, W_v into one matrix and transposes weights)."""
    rng = np.random.default_rng(1)
    xc, xt = cr.Tensor(x, requires_grad=True, dtype=np.float64), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = call_ours(ours, xc), call_theirs(module, xt)
    np.testing.assert_allclose(y_ours.data, y_theirs.detach().numpy(), rtol=1e-7, atol=atol)
    w = rng.standard_normal(y_ours.shape)
    (y_ours * w).sum().backward()
    (y_theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), rtol=1e-7, atol=atol)
    for summary in (lambda g: g.sum(), lambda g: (g * g).sum()):
        ours_total = sum(summary(p.grad.data) for p in ours.parameters())
        theirs_total = sum(summary(p.grad.numpy()) for p in module.parameters())
        np.testing.assert_allclose(ours_total, theirs_total, rtol=1e-7)


def _float64(layer):
    layer.to(np.float64)
    if hasattr(layer, "seed"):
        layer.seed(0)
    return layer


def _plain(layer, x):
    return layer(x if isinstance(x, cr.Tensor) else cr.Tensor(x, dtype=np.float64))


def _causal(layer, x):
    return layer(x if isinstance(x, cr.Tensor) else cr.Tensor(x, dtype=np.float64), causal=True)


def _mha_theirs(module, x):
    t = x.shape[1]
    return module(x, x, x, attn_mask=torch.ones(t, t, dtype=torch.bool).triu(1), need_weights=False)[0]


@pytest.mark.parametrize("make, ours, theirs", [
    (lambda: LayerNorm(6), _plain, lambda m, x: m(x)),
    (lambda: GELU("tanh"), _plain, lambda m, x: m(x)),
    (lambda: MultiHeadAttention(6, 2), _causal, _mha_theirs),
    (lambda: CausalSelfAttention(6, 3), _plain, lambda m, x: m(x)),
    (lambda: TransformerBlock(6, 2), _plain, lambda m, x: m(x)),
], ids=["LayerNorm", "GELU", "MultiHeadAttention", "CausalSelfAttention", "TransformerBlock"])
def test_layer_to_torch_and_back(make, ours, theirs):
    layer = _float64(make())
    x = np.random.default_rng(0).standard_normal((2, 5, 6))
    if layer.parameters():
        layer(cr.Tensor(x, dtype=np.float64))  # moves nothing: these layers are built eagerly
    module = to_torch(layer)
    if layer.parameters():
        _grads_match(layer, module, x, ours, theirs)
    back = from_torch(module)
    assert type(back) is type(layer)
    np.testing.assert_allclose(ours(back, x).data, ours(layer, x).data, rtol=1e-12)


@pytest.mark.parametrize("tie", [True, False], ids=["tied", "untied"])
def test_char_gpt_logits_and_gradients_equal_torch(tie):
    model = CharGPT(11, block_size=8, n_layer=2, n_head=2, n_embd=8, tie_weights=tie)
    model.to(np.float64)
    model.seed(3)
    module = to_torch(model)
    tokens = np.random.default_rng(0).integers(0, 11, (3, 7))
    targets = np.random.default_rng(1).integers(0, 11, (3, 7))
    logits, _ = model(tokens)
    theirs = module(tokens)
    np.testing.assert_allclose(logits.data, theirs.detach().numpy(), rtol=1e-9, atol=1e-12)
    cr.ops.softmax_cross_entropy(logits, targets).backward()
    torch.nn.functional.cross_entropy(theirs.reshape(-1, 11), torch.tensor(targets.reshape(-1))).backward()
    np.testing.assert_allclose(model.token_embedding.weight.grad.data, module.wte.weight.grad.numpy(), atol=1e-12)
    for ours_block, their_block in zip(model.blocks, module.h):
        np.testing.assert_allclose(ours_block.fc.weight.grad.data, their_block.c_fc.weight.grad.numpy().T,
                                   atol=1e-12)
        e = model.n_embd
        np.testing.assert_allclose(ours_block.attention.key.weight.grad.data,
                                   their_block.attn.c_attn.weight.grad.numpy()[e:2 * e].T, atol=1e-12)
    back = from_torch(module)
    assert back.tie_weights == tie
    np.testing.assert_allclose(back(tokens)[0].data, logits.data, rtol=1e-12)
