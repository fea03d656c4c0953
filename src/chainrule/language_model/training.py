"""Training a character model with truncated backpropagation through time, and measuring it.

One iteration: take the next batch of the streams (`SequenceBatcher`), run the
model from the state the previous batch ended in (detached, so gradients stop
at the batch boundary), compute softmax cross-entropy against the next
characters, backpropagate, clip, update. The progress bar shows the loss in nats
per character and the characters per second.

`evaluate` gives the cross-entropy in nats per character on held-out text: the
mean of −log p(next character) over every character it predicts (divide by
ln 2 ≈ 0.693 for bits per character; exp of it is the perplexity).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from chainrule.autograd import no_grad
from chainrule.checks import check_count
from chainrule.language_model.batching import SequenceBatcher
from chainrule.language_model.checkpoint import load_char_checkpoint, save_char_checkpoint
from chainrule.language_model.model import detach_state
from chainrule.layers.base import Layer
from chainrule.ops.losses import softmax_cross_entropy
from chainrule.optim import Adam
from chainrule.optim.optimizer import Optimizer
from chainrule.progress import Progress


@dataclass
class TrainingHistory:
    """What `train` saw: the training loss of every iteration (nats/char) and each validation."""

    loss: list[float] = field(default_factory=list)
    validation_iterations: list[int] = field(default_factory=list)
    validation_loss: list[float] = field(default_factory=list)  # nats per character
    seconds: float = 0.0
    characters: int = 0  # characters trained on (targets)

    @property
    def characters_per_second(self) -> float:
        return self.characters / self.seconds if self.seconds else 0.0


def evaluate(model: Layer, tokens: np.ndarray, batch_size: int = 8, seq_length: int = 100) -> float:
    """Cross-entropy in nats per character of `model` on `tokens`, every character after each stream's first.

    The tokens are read as `batch_size` contiguous streams with the state carried
    through each (so only the first few characters of a stream lack context).
    """
    batcher = SequenceBatcher(tokens, batch_size, seq_length, drop_last=False)
    was_training = model.training
    model.eval()
    total, count, state = 0.0, 0, None
    try:
        with no_grad():
            for inputs, targets in batcher:
                logits, state = model(inputs, state)
                total += softmax_cross_entropy(logits, targets).item() * targets.size
                count += targets.size
    finally:
        model.train(was_training)
    return total / count


def evaluate_batches(model: Layer, batches: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The mean over `batches` of each batch's cross-entropy (nats/char), in eval mode, no state carried.

    A fixed list of batches (e.g. the first K of `RandomWindows` over the held-out text)
    gives the same estimate at every call and in every framework.
    """
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            losses = [softmax_cross_entropy(model(inputs, None)[0], targets).item() for inputs, targets in batches]
    finally:
        model.train(was_training)
    return float(np.mean(losses))


def train(
    model: Layer,
    tokens: np.ndarray,
    iterations: int,
    *,
    batch_size: int = 32,
    seq_length: int = 25,
    optimizer: Optimizer | None = None,
    validation: np.ndarray | None = None,
    eval_every: int | None = None,
    loss_reduction: str = "mean",
    progress: bool = True,
    checkpoint_dir: str | os.PathLike | None = None,
    checkpoint_every: int = 100,
    resume: bool = False,
    on_validation: Callable[[TrainingHistory], None] | None = None,
    batches: Any = None,
    validate: Callable[[Layer], float] | None = None,
) -> TrainingHistory:
    """Train `model` for `iterations` batches of the token streams; returns a `TrainingHistory`.

    Args:
        model: returns ``(logits (N, T, V), state)`` for tokens (N, T), e.g. `CharLanguageModel`.
        tokens: the training text, encoded (1-D integers).
        iterations: batches to train on; the streams restart (with a zero state) after each epoch.
        batch_size, seq_length: B streams, T steps per batch (`SequenceBatcher`).
        optimizer: any `chainrule.optim` optimizer, with its clipping options; default
            ``Adam(lr=2e-3, clip_norm=5.0)``. It is attached to the model if it has no parameters yet.
        validation: held-out tokens; evaluated every `eval_every` iterations and at the end.
        loss_reduction: "mean" (per character) or "sum" over the batch's characters (the
            book's: its gradients, clipped element-wise, are those of the summed loss).
        progress: show a progress bar with the loss and characters per second.
        checkpoint_dir: save a checkpoint there every `checkpoint_every` iterations and at the
            end (`language_model.checkpoint`); with `resume=True`, continue from it: the run
            then ends with the same weights as one that was never interrupted.
        on_validation: called as ``on_validation(history)`` after each validation, as it happens
            (the command line prints its per-epoch lines with it).
        batches: instead of the contiguous streams, any source whose ``batch(i)`` gives
            iteration i's (inputs, targets) and whose ``carries_state`` is False, such as
            `RandomWindows` (a GPT's training); the model then starts every batch afresh.
        validate: how to measure the model at each validation (nats/char); default
            ``evaluate(model, validation)``.

    An optimizer's learning-rate schedule is followed per iteration: its "epochs" are
    the iterations here (``optimizer.start_epoch(it, iterations)`` before each step).
    """
    if loss_reduction not in ("mean", "sum"):
        raise ValueError(f"train: loss_reduction must be 'mean' or 'sum', got {loss_reduction!r}")
    check_count("train", "iterations", iterations, minimum=0)
    check_count("train", "checkpoint_every", checkpoint_every)
    optimizer = optimizer if optimizer is not None else Adam(lr=2e-3, clip_norm=5.0)
    if not optimizer.has_parameters():
        optimizer.attach(model)
    if resume and checkpoint_dir is None:
        raise ValueError("train: resume=True needs the checkpoint_dir to resume from")
    batcher = batches if batches is not None else SequenceBatcher(tokens, batch_size, seq_length)
    carries_state = getattr(batcher, "carries_state", True)
    measure = validate or (None if validation is None else (lambda m: evaluate(m, validation)))  # None: no validation
    history = TrainingHistory()
    state: Any = None
    first = 0
    settings = {"iterations": int(iterations), "batch_size": int(batch_size), "seq_length": int(seq_length),
                "characters": len(tokens), "loss_reduction": loss_reduction}
    if batches is not None:
        settings["batches"] = f"{type(batcher).__name__}(seed={getattr(batcher, 'seed', None)})"
    if resume:
        first, state, fields = load_char_checkpoint(checkpoint_dir, model, optimizer, settings)
        history = TrainingHistory(**fields)
    model.train()
    started = time.perf_counter() - history.seconds
    with Progress(total=iterations - first, description="train", enabled=progress, unit="it") as bar:
        for it in range(first, iterations):
            optimizer.start_epoch(it, iterations)  # a no-op without a schedule
            if carries_state:
                index = it % len(batcher)
                if index == 0:
                    state = None  # the streams start again from their beginnings
                inputs, targets = batcher.batch(index)
            else:
                inputs, targets = batcher.batch(it)
            logits, state = model(inputs, detach_state(state))
            state = state if carries_state else None
            loss = softmax_cross_entropy(logits, targets)
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(f"train: the loss became {value} at iteration {it}; lower the learning rate")
            optimizer.zero_grad()
            (loss * targets.size if loss_reduction == "sum" else loss).backward()
            optimizer.step()
            history.loss.append(value)
            history.characters += targets.size
            if measure is not None and eval_every and (it + 1) % eval_every == 0 and it + 1 < iterations:
                _validate(measure(model), it + 1, history, on_validation)
            elapsed = time.perf_counter() - started
            bar.update(1, loss=value, chars_per_s=history.characters / max(elapsed, 1e-9))
            if checkpoint_dir is not None and ((it + 1) % checkpoint_every == 0 or it + 1 == iterations):
                history.seconds = elapsed
                save_char_checkpoint(checkpoint_dir, model, optimizer, it + 1, detach_state(state), history, settings)
    history.seconds = time.perf_counter() - started
    if measure is not None:
        _validate(measure(model), iterations, history, on_validation)
    return history


def _validate(loss: float, iteration: int, history: TrainingHistory,
              on_validation: Callable[[TrainingHistory], None] | None) -> None:
    """Record the held-out loss measured after `iteration`, and tell `on_validation`."""
    history.validation_iterations.append(iteration)
    history.validation_loss.append(loss)
    if on_validation is not None:
        on_validation(history)
