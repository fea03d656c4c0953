"""GPT workload: one training step of `chainrule reproduce ch8`'s configuration.

4 layers × 4 heads × 128, context 64, batch 12 windows of characters (vocabulary 65),
tied output layer, exact (erf) GELU, softmax cross-entropy over all 12·64 positions,
AdamW (weight decay 0.1 on matrices and embeddings only) with the gradient norm clipped
to 1. Three implementations from the same initial weights on the same batch, float32:

* chainrule: `CharGPT` with the optimizer `chainrule.reproduce.ch8` trains it with;
* numpy: the same model written out by hand — forward, the backward of every piece
  (LayerNorm, attention with the softmax Jacobian row by row, GELU, the tied head),
  clipping and AdamW. NumPy has no erf, so it borrows chainrule's NumPy `erfc`;
* torch: the model's twin from `chainrule.interop.to_torch` (the minimal GPT's layout,
  ``F.scaled_dot_product_attention``), ``torch.optim.AdamW`` with the same groups.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from workloads import _steps

NAME = "gpt"
DESCRIPTION = ("GPT 4 layers × 4 heads × 128, context 64, batch 12, vocab 65, tied head; softmax CE over all "
               "positions; AdamW with decay groups, clip 1")
VOCAB, BLOCK, BATCH, LAYERS, HEADS, EMBD = 65, 64, 12, 4, 4, 128
LR, BETAS, EPS, DECAY, CLIP = 1e-3, (0.9, 0.99), 1e-8, 0.1, 1.0


def _model(seed: int):
    from chainrule.language_model import CharGPT

    model = CharGPT(VOCAB, BLOCK, LAYERS, HEADS, EMBD)
    model.seed(seed)
    return model


def initial_weights(seed: int) -> dict[str, np.ndarray]:
    """The weights of a seeded `CharGPT` (GPT-2's initialisation), by their state-dict names."""
    return _model(seed).state_dict()


def batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    tokens = np.random.default_rng(seed + 1).integers(0, VOCAB, (BATCH, BLOCK + 1))
    return tokens[:, :-1], tokens[:, 1:]


# ----------------------------------------------------------------- chainrule


def chainrule_step(seed: int) -> Callable[[], float]:
    import chainrule as cr
    from chainrule.reproduce.ch8 import optimizer_for

    model = _model(seed)
    x, y = batch(seed)
    return _steps.training_step(lambda: cr.ops.softmax_cross_entropy(model(x)[0], y), optimizer_for(model))


# --------------------------------------------------------------- hand NumPy


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    mu = x.mean(axis=1, keepdims=True)
    xc = x - mu
    inv = 1 / np.sqrt((xc * xc).mean(axis=1, keepdims=True) + np.float32(1e-5))
    xhat = xc * inv
    return xhat * w + b, (xhat, inv, w)


def _layer_norm_back(g: np.ndarray, saved: tuple, grads: dict, name: str) -> np.ndarray:
    xhat, inv, w = saved
    grads[name + ".weight"], grads[name + ".bias"] = (g * xhat).sum(axis=0), g.sum(axis=0)
    gh = g * w
    return (gh - gh.mean(axis=1, keepdims=True) - xhat * (gh * xhat).mean(axis=1, keepdims=True)) * inv


class NumpyGPT:
    """The model, its backward pass and AdamW written out by hand."""

    def __init__(self, seed: int) -> None:
        self.p = initial_weights(seed)
        self.m = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.t = 0
        self.masked = np.triu(np.ones((BLOCK, BLOCK), bool), 1)

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        from chainrule.ops.gelu import erfc

        p, (B, T), C, H = self.p, x.shape, EMBD, HEADS
        d, N, scale = C // H, B * T, np.float32(1 / math.sqrt(C // H))
        heads = lambda z: z.reshape(B, T, H, d).transpose(0, 2, 1, 3)  # noqa: E731
        joined = lambda z: z.transpose(0, 2, 1, 3).reshape(N, C)  # noqa: E731
        h = (p["token_embedding.weight"][x] + p["position_embedding.weight"][:T]).reshape(N, C)
        saved = []
        for layer in range(LAYERS):
            w = {k[len(f"blocks.{layer}."):]: v for k, v in p.items() if k.startswith(f"blocks.{layer}.")}
            a, ln1 = _layer_norm(h, w["ln1.weight"], w["ln1.bias"])
            q, k, v = (heads(a @ w[f"attention.{n}.weight"] + w[f"attention.{n}.bias"]) for n in ("query", "key",
                                                                                                    "value"))
            s = q @ k.transpose(0, 1, 3, 2) * scale
            s[..., self.masked[:T, :T]] = -np.inf
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            o = joined(s @ v)
            h = h + o @ w["attention.out.weight"] + w["attention.out.bias"]
            m, ln2 = _layer_norm(h, w["ln2.weight"], w["ln2.bias"])
            f = m @ w["fc.weight"] + w["fc.bias"]
            cdf = np.float32(0.5) * erfc(f * np.float32(-1 / math.sqrt(2)))
            gelu = f * cdf
            h = h + gelu @ w["proj.weight"] + w["proj.bias"]
            saved.append((w, a, ln1, q, k, v, s, o, m, ln2, f, cdf, gelu))
        hf, lnf = _layer_norm(h, p["ln_f.weight"], p["ln_f.bias"])
        logits = hf @ p["token_embedding.weight"].T
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        e /= e.sum(axis=1, keepdims=True)
        rows, labels = np.arange(N), y.reshape(-1)
        loss = float(-np.log(e[rows, labels]).mean())
        e[rows, labels] -= 1
        e /= np.float32(N)  # ∂L/∂logits
        grads: dict[str, np.ndarray] = {"token_embedding.weight": e.T @ hf}
        dh = _layer_norm_back(e @ p["token_embedding.weight"], lnf, grads, "ln_f")
        for layer in reversed(range(LAYERS)):
            w, a, ln1, q, k, v, s, o, m, ln2, f, cdf, gelu = saved[layer]
            pre = f"blocks.{layer}."
            grads[pre + "proj.weight"], grads[pre + "proj.bias"] = gelu.T @ dh, dh.sum(axis=0)
            pdf = np.exp(np.float32(-0.5) * f * f) * np.float32(1 / math.sqrt(2 * math.pi))
            df = (dh @ w["proj.weight"].T) * (cdf + f * pdf)
            grads[pre + "fc.weight"], grads[pre + "fc.bias"] = m.T @ df, df.sum(axis=0)
            dh = dh + _layer_norm_back(df @ w["fc.weight"].T, ln2, grads, pre + "ln2")
            grads[pre + "attention.out.weight"], grads[pre + "attention.out.bias"] = o.T @ dh, dh.sum(axis=0)
            do = heads(dh @ w["attention.out.weight"].T)
            dv = s.transpose(0, 1, 3, 2) @ do
            dp = do @ v.transpose(0, 1, 3, 2)
            ds = s * (dp - (dp * s).sum(axis=-1, keepdims=True)) * scale  # the softmax Jacobian, row by row
            da = np.zeros_like(a)
            for name, dz in (("query", ds @ k), ("key", ds.transpose(0, 1, 3, 2) @ q), ("value", dv)):
                dz = joined(dz)
                grads[pre + f"attention.{name}.weight"], grads[pre + f"attention.{name}.bias"] = a.T @ dz, dz.sum(0)
                da += dz @ w[f"attention.{name}.weight"].T
            dh = dh + _layer_norm_back(da, ln1, grads, pre + "ln1")
        np.add.at(grads["token_embedding.weight"], x.reshape(-1), dh)
        grads["position_embedding.weight"] = np.zeros_like(p["position_embedding.weight"])
        grads["position_embedding.weight"][:T] = dh.reshape(B, T, C).sum(axis=0)
        return loss, grads

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        loss, grads = self.gradients(x, y)
        norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
        clip = min(1.0, CLIP / (norm + 1e-6))
        self.t += 1
        (b1, b2), t = BETAS, self.t
        for name, param in self.p.items():
            g = grads[name] * np.float32(clip)
            if param.ndim >= 2:
                param *= np.float32(1 - LR * DECAY)
            self.m[name] += np.float32(1 - b1) * (g - self.m[name])
            self.v[name] *= np.float32(b2)
            self.v[name] += np.float32(1 - b2) * g * g
            denominator = np.sqrt(self.v[name]) / np.float32(math.sqrt(1 - b2 ** t)) + np.float32(EPS)
            param -= np.float32(LR / (1 - b1 ** t)) * self.m[name] / denominator
        return loss


def numpy_step(seed: int) -> Callable[[], float]:
    model = NumpyGPT(seed)
    x, y = batch(seed)
    return lambda: model.step(x, y)


# ------------------------------------------------------------------ PyTorch


def torch_step(seed: int) -> Callable[[], float]:
    import torch

    from chainrule.interop import to_torch

    module = to_torch(_model(seed))
    params = list(module.parameters())
    optimizer = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": DECAY},
                                   {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
                                  lr=LR, betas=BETAS, eps=EPS)
    x, y = (torch.from_numpy(a) for a in batch(seed))

    def step() -> float:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(module(x).reshape(-1, VOCAB), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, CLIP)
        optimizer.step()
        return loss.item()

    return step


# ------------------------------------------------------------------ interface


def make(framework: str, seed: int = 0) -> Callable[[], float]:
    return _steps.pick(framework, {"chainrule": chainrule_step, "numpy": numpy_step, "torch": torch_step}, seed)


def check(seed: int = 0) -> None:
    """chainrule's loss and gradients equal the hand-written NumPy's at the initial weights (float32)."""
    import chainrule as cr

    model = _model(seed)
    x, y = batch(seed)
    loss = cr.ops.softmax_cross_entropy(model(x)[0], y)
    loss.backward()
    reference_loss, reference = NumpyGPT(seed).gradients(x, y)
    np.testing.assert_allclose(loss.item(), reference_loss, rtol=1e-5)
    for name, param in model.named_parameters():
        scale = np.abs(reference[name]).max()
        # atol ≥ 1e-8: the key bias has a zero gradient (a shift of every key leaves the softmax as it is)
        np.testing.assert_allclose(param.grad.data, reference[name], rtol=1e-3, atol=max(1e-3 * scale, 1e-8),
                                   err_msg=name)
