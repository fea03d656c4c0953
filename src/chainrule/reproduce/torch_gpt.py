"""The PyTorch side of chapter 8: a `CharGPT`'s torch twin trained the way `language_model.train` trains ours.

The twin (`chainrule.interop.to_torch`) starts from a copy of our initial weights.
`train_torch_gpt` then takes the same batches (the same `RandomWindows`), the same
learning rate at every iteration (our schedule's), ``torch.optim.AdamW`` with the same
two parameter groups (weight decay on the matrices only), and the same clipping by
global norm; `evaluate_torch_gpt` measures it on the same fixed validation batches.
The two runs differ only in the frameworks' arithmetic.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from chainrule.progress import Progress


def train_torch_gpt(module: Any, batches: Any, iterations: int, *, lr_at: Callable[[int], float], betas: tuple,
                    weight_decay: float, clip_norm: float, progress: bool = True) -> float:
    """Train the twin for `iterations` batches; returns the seconds it took."""
    import torch

    params = list(module.parameters())
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=lr_at(0), betas=betas)
    module.train()
    started = time.perf_counter()
    with Progress(total=iterations, description="train (PyTorch)", enabled=progress, unit="it") as bar:
        for it in range(iterations):
            for group in optimizer.param_groups:
                group["lr"] = lr_at(it)
            inputs, targets = batches.batch(it)
            logits = module(torch.from_numpy(inputs))
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                     torch.from_numpy(targets.reshape(-1)))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, clip_norm)
            optimizer.step()
            bar.update(1, loss=loss.item())
    return time.perf_counter() - started


def evaluate_torch_gpt(module: Any, batches: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The mean cross-entropy (nats/char) over `batches`, as `language_model.evaluate_batches` measures ours."""
    import torch

    module.eval()
    with torch.no_grad():
        losses = [torch.nn.functional.cross_entropy(module(torch.from_numpy(x)).reshape(-1, module.wte.num_embeddings),
                                                    torch.from_numpy(y.reshape(-1))).item() for x, y in batches]
    return float(np.mean(losses))
