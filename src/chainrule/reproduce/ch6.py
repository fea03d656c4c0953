"""Chapter 6, "Recurrent neural networks": a character-level language model on the book's own text.

The book trains its RNN, LSTM and GRU layers on ``06_rnns/input.txt`` (99,993
characters, 62 distinct) and prints only loss curves. Its notebook's settings,
kept here: one-hot characters in, sequences of 25, batches of 32, the summed
softmax cross-entropy, every gradient clipped element-wise to [−2, 2], AdaGrad
with lr 0.01 (SGD with lr 0.01 for its two stacked LSTMs), 2,000 iterations,
and its weight scales: weights and biases drawn from N(0, σ²) with σ = 0.1 for
RNN and GRU layers and 0.01 for LSTM layers. Our output layer is a
Glorot-initialised Dense.

Where we differ, on purpose:

* the batches are 32 contiguous streams through the text, the state carried
  from one batch to the next (truncated backpropagation through time); the
  book's 32 rows were windows shifted by one character, and it restarted each
  batch from the batch-mean of the previous final state;
* stacked layers feed each other directly; the book put a 128-unit linear
  projection between them (a linear map followed by the next layer's input
  weights is a rank-128 factorisation of those weights, nothing more);
* the last 10 % of the text is held out, and we report the validation
  cross-entropy in nats per character, which the book did not measure.

Each configuration is trained in chainrule and, when PyTorch is installed, in
PyTorch (`torch_char`) from the same initial weights on the same batches with
the same optimizer rule. Training in float32 is chaotic enough that the two
runs drift apart by rounding alone, so the bar allows a small margin (`MARGIN`).
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass

import numpy as np

from chainrule.data import Vocabulary, load_text
from chainrule.language_model import CharLanguageModel, evaluate, split_validation, train
from chainrule.optim import SGD, AdaGrad
from chainrule.reproduce.table import Row

SEED = 20190119
HIDDEN, SEQ_LENGTH, BATCH, ITERATIONS = 256, 25, 32, 2000
LR, CLIP_VALUE = 0.01, 2.0
MARGIN = 0.03  # nats/char: the spread of float32 rounding alone between two identical runs (see the report)


@dataclass
class Config:
    """One of the book's models: the recurrent cells bottom to top, their σ, and the optimizer."""

    name: str
    cells: tuple[str, ...]
    weight_scales: tuple[float, ...]
    optimizer: str = "adagrad"


CONFIGS = [
    Config("RNN 256", ("rnn",), (0.1,)),
    Config("LSTM 256", ("lstm",), (0.01,)),
    Config("two stacked LSTM 256 (SGD, as the book)", ("lstm", "lstm"), (0.1, 0.01), "sgd"),
    Config("GRU 256 → LSTM 256", ("gru", "lstm"), (0.1, 0.01)),
]


def _optimizer(name: str):
    return AdaGrad(lr=LR, clip_value=CLIP_VALUE) if name == "adagrad" else SGD(lr=LR, clip_value=CLIP_VALUE)


QUICK = "16 hidden units, 40 iterations on the first 6,000 characters"


def run(root: str | None = None, quick: bool = False, with_torch: bool = True) -> list[Row]:
    """Train each configuration (quick: a tiny model on a slice of the text) and compare with PyTorch."""
    text = load_text("dlfs", root)
    hidden, iterations = (16, 40) if quick else (HIDDEN, ITERATIONS)
    if quick:
        text = text[:6000]
    vocab = Vocabulary(text)
    train_tokens, validation = split_validation(vocab.encode(text), 0.1)
    use_torch = with_torch and importlib.util.find_spec("torch") is not None
    rows = []
    for config in CONFIGS:
        model = CharLanguageModel(len(vocab), hidden, cell=list(config.cells), weight_init=list(config.weight_scales))
        model.seed(SEED)
        mirror = None
        if use_torch:
            from chainrule.reproduce.torch_char import torch_copy

            mirror = torch_copy(model)  # before training: the same starting weights
        history = train(model, train_tokens, iterations, batch_size=BATCH, seq_length=SEQ_LENGTH,
                        optimizer=_optimizer(config.optimizer), loss_reduction="sum", progress=not quick)
        ours = evaluate(model, validation)
        theirs = torch_seconds = None
        if mirror is not None:
            theirs, torch_seconds = _torch_result(mirror, train_tokens, validation, iterations, config, quick)
        bar = f"≤ PyTorch + {MARGIN} (float32 rounding drift)"
        rows.append(Row(config.name, "validation nats/char", ours, None, theirs, bar if theirs is not None else "",
                        None if theirs is None else ours <= theirs + MARGIN, history.seconds))
        rows.append(Row(config.name, f"training seconds ({iterations} iterations)", history.seconds, None,
                        torch_seconds))
    return rows


def _torch_result(mirror, train_tokens: np.ndarray, validation: np.ndarray, iterations: int, config: Config,
                  quick: bool) -> tuple[float, float]:
    from chainrule.reproduce.torch_char import evaluate_torch, train_torch

    started = time.perf_counter()
    train_torch(mirror, train_tokens, iterations, batch_size=BATCH, seq_length=SEQ_LENGTH,
                optimizer=config.optimizer, lr=LR, clip_value=CLIP_VALUE, loss_reduction="sum", progress=not quick)
    seconds = time.perf_counter() - started
    return evaluate_torch(mirror, validation), seconds
