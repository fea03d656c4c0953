"""The transformer layers between chainrule and ``torch.nn``: LayerNorm, GELU, attention, blocks, CharGPT.

`LayerNorm`, `GELU` and `MultiHeadAttention` become ``nn.LayerNorm``, ``nn.GELU`` and
``nn.MultiheadAttention(batch_first=True)`` (W_q, W_k, W_v packed, transposed, into its
``in_proj_weight`` (3E, E)). PyTorch has no causal self-attention layer, transformer block
or GPT of this shape, so they become the small modules below, written the way the
minimal GPT projects write them — one ``c_attn`` Linear(E, 3E) and
``F.scaled_dot_product_attention(is_causal=True)``; ``wte``, ``wpe``, ``h``, ``ln_f``,
``lm_head`` with the output weight tied to ``wte``. Their forward passes compute what
ours compute, from copies of the same weights; a `CharGPT`'s torch twin returns the
logits only.

torch is imported when a function runs, never when this module is imported.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

from chainrule.interop.torch_layers import _array, _cast, _load, _unsupported, import_torch, torch_dtype
from chainrule.language_model.gpt import CharGPT
from chainrule.layers import CausalSelfAttention, GELU, LayerNorm, Layer, MultiHeadAttention, TransformerBlock


@functools.cache
def torch_modules() -> SimpleNamespace:
    """The torch twins of CausalSelfAttention, TransformerBlock and CharGPT (made on first use)."""
    nn = import_torch().nn
    functional = nn.functional

    class TorchCausalSelfAttention(nn.Module):
        def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True) -> None:
            super().__init__()
            self.num_heads, self.dropout = num_heads, dropout
            self.c_attn = nn.Linear(embed_dim, 3 * embed_dim, bias=bias)
            self.c_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
            self.resid_dropout = nn.Dropout(dropout)

        def forward(self, x: Any) -> Any:
            n, t, e = x.shape
            q, k, v = (z.view(n, t, self.num_heads, e // self.num_heads).transpose(1, 2)
                       for z in self.c_attn(x).split(e, dim=2))
            y = functional.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0,
                                                        is_causal=True)
            return self.resid_dropout(self.c_proj(y.transpose(1, 2).reshape(n, t, e)))

    class TorchTransformerBlock(nn.Module):
        def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                     mlp_ratio: int = 4, approximate: str = "none") -> None:
            super().__init__()
            self.ln_1 = nn.LayerNorm(embed_dim, bias=bias)
            self.attn = TorchCausalSelfAttention(embed_dim, num_heads, dropout, bias)
            self.ln_2 = nn.LayerNorm(embed_dim, bias=bias)
            self.c_fc = nn.Linear(embed_dim, mlp_ratio * embed_dim, bias=bias)
            self.gelu = nn.GELU(approximate)
            self.c_proj = nn.Linear(mlp_ratio * embed_dim, embed_dim, bias=bias)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x: Any) -> Any:
            x = x + self.attn(self.ln_1(x))
            return x + self.dropout(self.c_proj(self.gelu(self.c_fc(self.ln_2(x)))))

    class TorchCharGPT(nn.Module):
        def __init__(self, model: CharGPT) -> None:
            super().__init__()
            self.block_size = model.block_size
            self.wte = nn.Embedding(model.vocab_size, model.n_embd)
            self.wpe = nn.Embedding(model.block_size, model.n_embd)
            self.drop = nn.Dropout(model.dropout)
            self.h = nn.ModuleList(to_transformer_block(block) for block in model.blocks)
            self.ln_f = nn.LayerNorm(model.n_embd, bias=model.bias)
            self.lm_head = nn.Linear(model.n_embd, model.vocab_size, bias=False)
            if model.tie_weights:
                self.lm_head.weight = self.wte.weight

        def forward(self, tokens: Any) -> Any:
            torch = import_torch()
            tokens = torch.as_tensor(tokens)
            positions = torch.arange(tokens.shape[1])
            x = self.drop(self.wte(tokens) + self.wpe(positions))
            for block in self.h:
                x = block(x)
            return self.lm_head(self.ln_f(x))

    return SimpleNamespace(CausalSelfAttention=TorchCausalSelfAttention, TransformerBlock=TorchTransformerBlock,
                           CharGPT=TorchCharGPT)


# ----------------------------------------------------------------- LayerNorm, GELU


def to_layer_norm(layer: LayerNorm) -> Any:
    module = import_torch().nn.LayerNorm(layer.normalized_shape, eps=layer.eps, bias=layer.use_bias,
                                         elementwise_affine=layer.elementwise_affine, dtype=torch_dtype(layer))
    return _load(module, weight=_data(layer.weight), bias=_data(layer.bias))


def from_layer_norm(module: Any) -> LayerNorm:
    layer = LayerNorm(tuple(module.normalized_shape), module.eps, module.elementwise_affine, module.bias is not None)
    if module.weight is None:
        return layer
    return _cast(layer, module, weight=_array(module.weight), bias=_array(module.bias))


def _data(p: Any) -> np.ndarray | None:
    return None if p is None else p.data


# ---------------------------------------------------------------------- attention


def _packed(layer: MultiHeadAttention) -> tuple[np.ndarray, np.ndarray | None]:
    """W_q, W_k, W_v (E, E) each, as one (3E, E) weight in PyTorch's layout, and the biases as (3E,)."""
    weight = np.concatenate([p.weight.data.T for p in (layer.query, layer.key, layer.value)])
    bias = np.concatenate([p.bias.data for p in (layer.query, layer.key, layer.value)]) if layer.use_bias else None
    return weight, bias


def _unpack(layer: MultiHeadAttention, weight: np.ndarray, bias: np.ndarray | None, out: Any) -> None:
    e = layer.embed_dim
    for k, projection in enumerate((layer.query, layer.key, layer.value)):
        projection.weight.data[...] = weight[k * e:(k + 1) * e].T
        if bias is not None:
            projection.bias.data[...] = bias[k * e:(k + 1) * e]
    layer.out.weight.data[...] = _array(out.weight).T
    if out.bias is not None:
        layer.out.bias.data[...] = _array(out.bias)


def to_multihead_attention(layer: MultiHeadAttention) -> Any:
    weight, bias = _packed(layer)
    module = import_torch().nn.MultiheadAttention(layer.embed_dim, layer.num_heads, layer.dropout, bias=layer.use_bias,
                                                  batch_first=True, dtype=torch_dtype(layer))
    _load(module, in_proj_weight=weight, in_proj_bias=bias)
    _load(module.out_proj, weight=layer.out.weight.data.T, bias=_data(layer.out.bias))
    return module


def from_multihead_attention(module: Any) -> MultiHeadAttention:
    if not module.batch_first or not module._qkv_same_embed_dim or module.bias_k is not None or module.add_zero_attn:
        raise _unsupported(module, "chainrule's MultiHeadAttention is batch_first=True, with kdim = vdim = embed_dim, "
                                   "no add_bias_kv and no add_zero_attn")
    layer = MultiHeadAttention(module.embed_dim, module.num_heads, module.dropout, module.in_proj_bias is not None)
    layer.to(_array(module.in_proj_weight).dtype)
    _unpack(layer, _array(module.in_proj_weight), _array(module.in_proj_bias), module.out_proj)
    return layer


def to_causal_self_attention(layer: CausalSelfAttention) -> Any:
    weight, bias = _packed(layer)
    module = torch_modules().CausalSelfAttention(layer.embed_dim, layer.num_heads, layer.dropout, layer.use_bias)
    module.to(torch_dtype(layer))
    _load(module.c_attn, weight=weight, bias=bias)
    _load(module.c_proj, weight=layer.out.weight.data.T, bias=_data(layer.out.bias))
    return module


def from_causal_self_attention(module: Any) -> CausalSelfAttention:
    e = module.c_proj.in_features
    layer = CausalSelfAttention(e, module.num_heads, module.dropout, module.c_proj.bias is not None)
    layer.to(_array(module.c_attn.weight).dtype)
    _unpack(layer, _array(module.c_attn.weight), _array(module.c_attn.bias), module.c_proj)
    return layer


# ------------------------------------------------------------------ block, CharGPT


def to_transformer_block(block: TransformerBlock) -> Any:
    from chainrule.interop.torch_layers import to_linear

    module = torch_modules().TransformerBlock(block.embed_dim, block.num_heads, block.dropout, block.use_bias,
                                              block.mlp_ratio, block.approximate).to(torch_dtype(block))
    module.ln_1, module.ln_2 = to_layer_norm(block.ln1), to_layer_norm(block.ln2)
    module.attn = to_causal_self_attention(block.attention)
    module.c_fc, module.c_proj = to_linear(block.fc), to_linear(block.proj)
    return module


def from_transformer_block(module: Any) -> TransformerBlock:
    from chainrule.interop.torch_layers import from_linear

    e = module.c_fc.in_features
    block = TransformerBlock(e, module.attn.num_heads, module.attn.dropout, module.c_fc.bias is not None,
                             module.c_fc.out_features // e, module.gelu.approximate)
    block.to(_array(module.c_fc.weight).dtype)
    block.ln1, block.ln2 = from_layer_norm(module.ln_1), from_layer_norm(module.ln_2)
    block.attention = from_causal_self_attention(module.attn)
    block.fc, block.proj = from_linear(module.c_fc), from_linear(module.c_proj)
    return block


def to_char_gpt(model: CharGPT) -> Any:
    module = torch_modules().CharGPT(model).to(torch_dtype(model))
    _load(module.wte, weight=model.token_embedding.weight.data)
    _load(module.wpe, weight=model.position_embedding.weight.data)
    module.ln_f = to_layer_norm(model.ln_f)
    if model.head is not None:
        _load(module.lm_head, weight=model.head.weight.data.T)
    return module


def from_char_gpt(module: Any) -> CharGPT:
    from chainrule.interop.torch_layers import from_linear

    tied = module.lm_head.weight is module.wte.weight
    first = module.h[0]
    model = CharGPT(module.wte.num_embeddings, module.wpe.num_embeddings, len(module.h), first.attn.num_heads,
                    module.wte.embedding_dim, module.drop.p, module.ln_f.bias is not None, tied,
                    first.gelu.approximate)
    model.to(_array(module.wte.weight).dtype)
    model.token_embedding.weight.data[...] = _array(module.wte.weight)
    model.position_embedding.weight.data[...] = _array(module.wpe.weight)
    model.blocks = [from_transformer_block(block) for block in module.h]
    model.ln_f = from_layer_norm(module.ln_f)
    if not tied:
        model.head = from_linear(module.lm_head)
    return model


TRANSFORMER_TO_TORCH: dict[type, Callable[[Any], Any]] = {
    LayerNorm: to_layer_norm,
    GELU: lambda layer: import_torch().nn.GELU(layer.approximate),
    MultiHeadAttention: to_multihead_attention,
    CausalSelfAttention: to_causal_self_attention,
    TransformerBlock: to_transformer_block,
    CharGPT: to_char_gpt,
}


def transformer_from_torch_table() -> dict[type, Callable[[Any], Layer]]:
    nn, twins = import_torch().nn, torch_modules()
    return {
        nn.LayerNorm: from_layer_norm,
        nn.GELU: lambda m: GELU(m.approximate),
        nn.MultiheadAttention: from_multihead_attention,
        twins.CausalSelfAttention: from_causal_self_attention,
        twins.TransformerBlock: from_transformer_block,
        twins.CharGPT: from_char_gpt,
    }
