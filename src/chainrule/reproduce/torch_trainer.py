"""The PyTorch side of a reproduction: train the same network in PyTorch, the way our Trainer does.

Same initial weights (copied from the chainrule network with `to_torch`), the
same order of mini-batches (the Trainer's generator), the same learning rate
each epoch, the same evaluation and early-stopping rule — so the two runs
differ only in the arithmetic of the two frameworks (and in dropout masks,
which each framework draws itself).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from chainrule.interop.torch import to_torch
from chainrule.network import NeuralNetwork


def train_epoch(model: Any, optimizer: Any, loss_fn: Callable, X: Any, y: Any, order: np.ndarray,
                batch_size: int) -> None:
    """One epoch in training mode over the mini-batches of `order` (the Trainer's permutation for it)."""
    import torch

    order = torch.from_numpy(order)
    model.train()
    for start in range(0, len(X), batch_size):
        batch = order[start : start + batch_size]
        optimizer.zero_grad()
        loss_fn(model(X[batch]), y[batch]).backward()
        optimizer.step()


def fit_torch(
    net: NeuralNetwork,
    make_optimizer: Callable[[Any], Any],
    lr_at: Callable[[int], float],
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    epochs: int,
    eval_every: int,
    batch_size: int,
    seed: int,
    early_stopping: bool = True,
    patience: int = 1,
) -> dict[str, float]:
    """Train `to_torch(net)` (net holds the initial weights) with softmax cross-entropy; test loss and accuracy."""
    import torch

    model = to_torch(net)
    optimizer = make_optimizer(model.parameters())
    loss_fn = torch.nn.functional.cross_entropy
    X = torch.from_numpy(np.ascontiguousarray(X_train))
    y = torch.from_numpy(np.asarray(y_train, dtype=np.int64))
    Xt = torch.from_numpy(np.ascontiguousarray(X_test))
    yt = torch.from_numpy(np.asarray(y_test, dtype=np.int64))
    rng = np.random.default_rng(seed)
    best, best_state, stale = (np.inf, 0.0), None, 0
    for epoch in range(epochs):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(epoch)
        train_epoch(model, optimizer, loss_fn, X, y, rng.permutation(len(X)), batch_size)
        if (epoch + 1) % eval_every == 0 or epoch + 1 == epochs:
            model.eval()
            with torch.no_grad():
                out = model(Xt)
                scores = (loss_fn(out, yt).item(), (out.argmax(1) == yt).double().mean().item())
            if scores[0] < best[0]:
                best, best_state, stale = scores, {k: v.clone() for k, v in model.state_dict().items()}, 0
            else:
                stale += 1
                if early_stopping and stale >= patience:
                    break
    if early_stopping and best_state is not None:
        model.load_state_dict(best_state)
        scores = best
    return {"loss": scores[0], "accuracy": scores[1]}
