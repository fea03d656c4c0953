"""The PyTorch side of chapter 6: the same character model, trained the way `language_model.train` trains ours.

`torch_copy` builds ``torch.nn.RNN/GRU/LSTM`` layers and a ``torch.nn.Linear``
holding exactly the weights of a `CharLanguageModel` (with one-hot input), so
both start from the same point. `train_torch` then feeds it the same batches
(the same `SequenceBatcher`), carries the state the same way, uses the same
loss reduction, clipping and optimizer rule, and `evaluate_torch` measures it
on the held-out text the way `evaluate` does. The two runs differ only in the
frameworks' arithmetic.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from chainrule.language_model.batching import SequenceBatcher
from chainrule.language_model.model import CharLanguageModel
from chainrule.ops.recurrent import to_torch_layout
from chainrule.progress import Progress


def torch_copy(model: CharLanguageModel) -> Any:
    """A ``torch.nn.Module`` computing what `model` computes (one-hot input), from a copy of its weights."""
    import torch

    if model.embedding is not None:
        raise ValueError("torch_copy: only one-hot character models are mirrored (embedding_dim=None)")
    modules = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}

    class TorchCharModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.vocab_size = model.vocab_size
            self.recurrent = torch.nn.ModuleList()
            with torch.no_grad():
                for layer in model.recurrent:
                    module = modules[layer.cell](layer.input_size, layer.hidden_size, batch_first=True)
                    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
                    for name, value in zip(names, to_torch_layout(*layer.layer_parameters(0))):
                        getattr(module, name).copy_(torch.from_numpy(value))
                    self.recurrent.append(module)
                dense = model.head.layer
                self.head = torch.nn.Linear(dense.weight.shape[0], dense.weight.shape[1])
                self.head.weight.copy_(torch.from_numpy(dense.weight.data.T.copy()))
                self.head.bias.copy_(torch.from_numpy(dense.bias.data.copy()))

        def forward(self, tokens: np.ndarray, state: list | None = None) -> tuple[Any, list]:
            x = torch.nn.functional.one_hot(torch.from_numpy(tokens), self.vocab_size).float()
            new_state = []
            for k, module in enumerate(self.recurrent):
                x, final = module(x, None if state is None else state[k])
                new_state.append(final)
            return self.head(x), new_state

    return TorchCharModel()


def _detach(state: Any) -> Any:
    if state is None:
        return None
    if isinstance(state, (list, tuple)):
        return type(state)(_detach(s) for s in state)
    return state.detach()


def train_torch(model: Any, tokens: np.ndarray, iterations: int, *, batch_size: int, seq_length: int,
                optimizer: str, lr: float, clip_value: float | None, loss_reduction: str = "sum",
                progress: bool = True) -> float:
    """Train the `torch_copy` as `language_model.train` trains ours; returns the seconds it took.

    optimizer: "adagrad" or "sgd" (``torch.optim.Adagrad`` / ``SGD``, as our `AdaGrad` / `SGD`).
    """
    import torch

    params = list(model.parameters())
    opt = {"adagrad": torch.optim.Adagrad, "sgd": torch.optim.SGD}[optimizer](params, lr=lr)
    batcher = SequenceBatcher(tokens, batch_size, seq_length)
    state, started, seen = None, time.perf_counter(), 0
    model.train()
    with Progress(total=iterations, description="train (PyTorch)", enabled=progress, unit="it") as bar:
        for it in range(iterations):
            index = it % len(batcher)
            if index == 0:
                state = None
            inputs, targets = batcher.batch(index)
            logits, state = model(inputs, _detach(state))
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size),
                                                     torch.from_numpy(targets.reshape(-1)), reduction=loss_reduction)
            opt.zero_grad()
            loss.backward()
            if clip_value is not None:
                torch.nn.utils.clip_grad_value_(params, clip_value)
            opt.step()
            seen += targets.size
            value = loss.item() / targets.size if loss_reduction == "sum" else loss.item()
            bar.update(1, loss=value, chars_per_s=seen / max(time.perf_counter() - started, 1e-9))
    return time.perf_counter() - started


def evaluate_torch(model: Any, tokens: np.ndarray, batch_size: int = 8, seq_length: int = 100) -> float:
    """Nats per character on `tokens`, read exactly as `language_model.evaluate` reads them."""
    import torch

    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for inputs, targets in SequenceBatcher(tokens, batch_size, seq_length, drop_last=False):
            logits, state = model(inputs, state)
            total += torch.nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size),
                                                       torch.from_numpy(targets.reshape(-1)), reduction="sum").item()
            count += targets.size
    return total / count
