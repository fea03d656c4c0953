"""`Trainer`: the training loop — shuffled mini-batches, validation, early stopping, a final test, history.

>>> import chainrule as cr
>>> from chainrule.optim import SGD
>>> X = np.random.default_rng(0).normal(size=(64, 3)); y = X @ np.array([[1.0], [-2.0], [0.5]])
>>> net = cr.NeuralNetwork([cr.Dense(1)], cr.MeanSquaredError(), seed=0)
>>> history = Trainer(net, SGD(lr=0.1), quiet=True).fit(X, y, X, y, epochs=20, eval_every=5, batch_size=16)
>>> history.test_loss[-1] < 1e-3
True
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from chainrule.checkpoint import (FitState, MidEpochCheckpoints, checkpoint_path, load_checkpoint, run_identity,
                                  save_checkpoint)
from chainrule.checks import as_batch, check_count, check_seed
from chainrule.distributed import Communicator, world
from chainrule.network import NeuralNetwork
from chainrule.optim.guard import StepGuard, first_nonfinite
from chainrule.progress import Progress


@dataclass
class History:
    """What happened during `fit`: per-epoch training loss and learning rate, and each evaluation."""

    train_loss: list[float] = field(default_factory=list)  # mean over the batches of each epoch
    lr: list[float] = field(default_factory=list)  # the learning rate each epoch used
    epoch_seconds: list[float] = field(default_factory=list)  # wall time of each epoch's training pass
    eval_epochs: list[int] = field(default_factory=list)  # epochs (counted from 1) after which we evaluated
    test_loss: list[float] = field(default_factory=list)  # each evaluation on the test set (no validation set only)
    test_accuracy: list[float] = field(default_factory=list)  # classifiers only
    validation_loss: list[float] = field(default_factory=list)  # each evaluation on the validation set, if any
    validation_accuracy: list[float] = field(default_factory=list)
    final_test_loss: float | None = None  # the test set scored once, on the weights fit returns
    final_test_accuracy: float | None = None
    batch_loss: list[float] = field(default_factory=list)  # every batch's training loss (plots of short runs)
    best_epoch: int | None = None  # the evaluation whose weights the model holds at the end
    stopped_early: bool = False
    skipped_batches: list[str] = field(default_factory=list)  # batches dropped for a non-finite loss or gradient

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class NonFiniteError(RuntimeError):
    """The loss or a gradient became NaN or infinite; `history` holds what happened before."""

    def __init__(self, message: str, history: History) -> None:
        super().__init__(message)
        self.history = history


class Trainer:
    """Trains a `NeuralNetwork` with an optimizer (the book's ``Trainer(net, optimizer)``).

    Args:
        net: the network, with its loss.
        optimizer: from `chainrule.optim`; if it was made without parameters it is
            attached to `net` here.
        quiet: no progress bar and no printed lines.
        communicator: from `chainrule.distributed`; default `world()`: under ``mpiexec -n N``
            (N ≥ 2) the N ranks train like one process with the same `batch_size`, each
            on its shard of every batch; otherwise one process, as always.
    """

    def __init__(self, net: NeuralNetwork, optimizer: Any, quiet: bool = False,
                 communicator: Communicator | None = None) -> None:
        if not isinstance(net, NeuralNetwork):
            raise TypeError(f"Trainer needs a NeuralNetwork, got {type(net).__name__}")
        net._require_loss()
        self.net = net
        self.optimizer = optimizer
        self.communicator = world() if communicator is None else communicator
        self.quiet = quiet or not self.communicator.is_root  # rank 0 alone prints
        if not optimizer.has_parameters():
            optimizer.attach(net)

    def fit(
        self,
        X_train: Any,
        y_train: Any,
        X_test: Any = None,
        y_test: Any = None,
        epochs: int = 100,
        eval_every: int = 10,
        batch_size: int = 32,
        seed: int = 1,
        early_stopping: bool = False,
        patience: int = 5,
        on_nonfinite: str = "stop",
        checkpoint_dir: str | os.PathLike | None = None,
        checkpoint_every: int = 1,
        resume: bool = False,
        validation_split: float | None = None,
        validation_data: tuple[Any, Any] | None = None,
        checkpoint_every_batches: int | None = None,
        checkpoint_seconds: float | None = None,
    ) -> History:
        """Train for `epochs` passes over the data.

        Each epoch visits the training set in a new random order (from `seed`)
        in mini-batches of `batch_size`. Every `eval_every` epochs (and after the
        last) the model is evaluated on the *validation set*: the last
        `validation_split` fraction of (X_train, y_train), held out before
        training as Keras does, or `validation_data=(X_val, y_val)`. With
        `early_stopping` (off by default), training stops once the validation
        loss has not improved for `patience` evaluations in a row, and the
        network is given back the weights of its best evaluation — also when
        training runs to the end. The test set (X_test, y_test) is then scored
        once, on the weights `fit` returns: ``history.final_test_loss`` (and
        ``final_test_accuracy``).

        The book's call, ``fit(X_train, y_train, X_test, y_test, ...)`` without a
        validation set, evaluates on the test set instead (``history.test_loss``
        and ``test_accuracy``, as the book prints them); early stopping, if asked
        for, then watches the test set as the book's does — which makes the
        test score optimistic, so a note says so. Pass `validation_split` to
        keep the test set for the one final number.

        A loss or gradient that is NaN or infinite is caught before it reaches
        the weights, and a step that writes a NaN or infinite weight is undone
        (`chainrule.optim.guard`): ``on_nonfinite="stop"`` raises `NonFiniteError`
        (saying which epoch, batch and parameter; the weights stay those of the
        last good step), ``"skip"`` drops that batch and goes on.

        With `checkpoint_dir`, a checkpoint is written every `checkpoint_every`
        epochs (atomically), and also within an epoch every
        `checkpoint_every_batches` batches or `checkpoint_seconds` seconds, if
        given (a one-epoch run can be resumed too); ``resume=True`` continues
        from it and ends with the same weights as an uninterrupted run.
        Resuming refuses other settings, another optimizer or learning rate,
        and other training data.

        Under MPI (`communicator`), `batch_size` is the global batch: each of the
        N ranks takes about batch_size/N rows of it, and the result equals one
        process's to rounding; rank 0 alone writes the checkpoints, which any
        number of ranks can resume from.
        """
        X_train, y_train = self._check_data(X_train, y_train, "training")
        X_train, y_train, validation = self._validation_set(X_train, y_train, validation_split, validation_data)
        has_test = X_test is not None
        if has_test != (y_test is not None):
            raise ValueError("fit: X_test and y_test go together: give both (to evaluate) or neither")
        if has_test:
            X_test, y_test = self._check_data(X_test, y_test, "test")
        watched = validation or ((X_test, y_test, "test") if has_test else None)
        for name, value in (("epochs", epochs), ("eval_every", eval_every), ("batch_size", batch_size),
                            ("patience", patience), ("checkpoint_every", checkpoint_every),
                            ("checkpoint_every_batches", 1 if checkpoint_every_batches is None
                             else checkpoint_every_batches)):
            check_count("fit", name, value)
        check_seed("fit", seed)
        if checkpoint_seconds is not None and not checkpoint_seconds > 0:
            raise ValueError(f"fit: checkpoint_seconds must be a positive number, got {checkpoint_seconds!r}")
        if on_nonfinite not in ("stop", "skip"):
            raise ValueError(f"fit: on_nonfinite must be 'stop' or 'skip', got {on_nonfinite!r}")
        if resume and checkpoint_dir is None:
            raise ValueError("fit: resume=True needs checkpoint_dir, the folder the checkpoints were written to")

        settings = {"epochs": int(epochs), "batch_size": int(batch_size), "seed": int(seed), "samples": len(X_train)}
        if validation is not None:
            settings["validation"] = len(validation[0])
        if checkpoint_dir is not None:
            settings.update(run_identity(self.optimizer, X_train, y_train))
        self.communicator.build(self.net, X_train)
        if resume:
            state = self.communicator.on_root(load_checkpoint, checkpoint_dir, self.net, self.optimizer, settings)
            self._say(self._resuming(checkpoint_path(checkpoint_dir), state, epochs))
        else:
            state = FitState(0, np.random.default_rng(seed), History(), settings=settings)
        self.communicator.broadcast_start(self.net, self.optimizer)
        if early_stopping and validation is None and has_test and state.next_epoch < epochs:
            self._say("note: early stopping watches the test set (the book's method), so the test score is "
                      "optimistic; pass validation_split=0.1 to keep the test set for the final number")
        history = state.history
        self._guard = StepGuard()
        self._mid_epoch = MidEpochCheckpoints(checkpoint_dir, checkpoint_every_batches, checkpoint_seconds)
        self.net.train()
        for epoch in range(state.next_epoch, epochs):
            self.optimizer.start_epoch(epoch, epochs)
            if state.next_batch == 0:  # not an epoch resumed half-way, whose rate is recorded already
                history.lr.append(float(self.optimizer.lr))
            started = time.perf_counter()
            history.train_loss.append(self._train_epoch(X_train, y_train, batch_size, epoch, epochs, state, on_nonfinite))
            history.epoch_seconds.append(time.perf_counter() - started)
            state.next_epoch = epoch + 1
            stop = False
            if watched is not None and ((epoch + 1) % eval_every == 0 or epoch + 1 == epochs):
                stop = self._evaluate(*watched[:2], epoch + 1, epochs, state, early_stopping, patience, watched[2])
            elif (epoch + 1) % eval_every == 0:
                self._report(epoch + 1, epochs, history.train_loss[-1], {})
            if checkpoint_dir is not None and ((epoch + 1) % checkpoint_every == 0 or epoch + 1 == epochs or stop) \
                    and self.communicator.is_root:
                save_checkpoint(checkpoint_dir, self.net, self.optimizer, state)
                self._mid_epoch.saved()
            if stop:
                break
        restored = early_stopping and state.best_state is not None
        if restored:
            self.net.load_state_dict(state.best_state)
        if has_test:
            self._final_test(X_test, y_test, history, validation is not None, restored)
        self.net.eval()
        return history

    def _validation_set(self, X: np.ndarray, y: np.ndarray, split: float | None,
                        data: tuple[Any, Any] | None) -> tuple[np.ndarray, np.ndarray, tuple | None]:
        """(X_train, y_train, (X_val, y_val, "validation") or None): `data` as given, or the last `split` of X."""
        if split is not None and data is not None:
            raise ValueError("fit: pass validation_split or validation_data, not both")
        if data is not None:
            if not isinstance(data, (tuple, list)) or len(data) != 2:
                raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
            return X, y, (*self._check_data(data[0], data[1], "validation"), "validation")
        if split is None:
            return X, y, None
        if isinstance(split, bool) or not isinstance(split, (float, int)) or not 0 < split < 1:
            raise ValueError(f"fit: validation_split must be a fraction between 0 and 1 (e.g. 0.1), got {split!r}")
        held = int(round(len(X) * split))
        if held == 0 or held == len(X):
            raise ValueError(f"fit: validation_split={split} of {len(X)} samples leaves an empty training or "
                             "validation set")
        return X[:-held], y[:-held], (X[-held:], y[-held:], "validation")

    def _resuming(self, path: Any, state: FitState, epochs: int) -> str:
        if state.next_epoch >= epochs:
            return f"{path} is of a run that already finished its {epochs} epochs: nothing left to train"
        where = f", batch {state.next_batch + 1}" if state.next_batch else ""
        return f"resuming from {path} at epoch {state.next_epoch + 1} of {epochs}{where}"

    def _final_test(self, X: np.ndarray, y: np.ndarray, history: History, announce: bool, restored: bool) -> None:
        """Score the test set once, on the weights fit returns.

        In the book's call (no validation set, `announce` False) the test set was the watched
        set, and these weights were already scored: the best evaluation's if they were
        restored, else the last one's. That score is taken rather than computed again.
        """
        if not announce and history.test_loss:
            at = history.eval_epochs.index(history.best_epoch) if restored else -1
            scores = {"loss": history.test_loss[at]}
            if history.test_accuracy:
                scores["accuracy"] = history.test_accuracy[at]
        else:
            scores = self.communicator.evaluate(self.net, X, y)
        history.final_test_loss = scores["loss"]
        history.final_test_accuracy = scores.get("accuracy")
        if announce:
            shown = f"test loss {scores['loss']:.4f}"
            if "accuracy" in scores:
                shown += f"  test accuracy {100 * scores['accuracy']:.2f}%"
            self._say(f"{shown}  (the test set, scored once at the end)")

    def _train_epoch(self, X: np.ndarray, y: np.ndarray, batch_size: int, epoch: int, epochs: int, state: FitState,
                     on_nonfinite: str) -> float:
        """One pass over the data in a new random order; returns the mean loss of the batches used.

        An epoch resumed from a mid-epoch checkpoint continues its saved order at its next batch.
        """
        n = len(X)
        if state.next_batch == 0:
            state.order, state.epoch_total, state.epoch_counted = state.shuffle_rng.permutation(n), 0.0, 0
        order, first = state.order, state.next_batch
        steps = -(-n // batch_size)
        # NumPy's overflow warnings are silenced: non-finite values are caught and reported below, by name.
        with Progress(steps, f"epoch {epoch + 1}/{epochs}", enabled=not self.quiet, unit="batch") as bar, \
                np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            bar.update(first)
            for index in range(first, steps):
                rows = order[index * batch_size : (index + 1) * batch_size]
                batch, share = self.communicator.shard(rows)  # all rows, share 1, in one process
                self.optimizer.zero_grad()
                value = self._forward_backward(X[batch], y[batch], share)
                value = self.communicator.reduce_gradients(self.optimizer.parameters(), value)
                problem = f"the loss is {value}" if not math.isfinite(value) else None
                if problem is None:
                    problem = self._nonfinite_gradient()
                if problem is None:  # the step; undone if it wrote a non-finite weight
                    problem = self._guard.step(self.optimizer, self._named())
                if problem is not None:
                    where = f"epoch {epoch + 1}, batch {index + 1} of {steps}"
                    if on_nonfinite == "stop":
                        raise NonFiniteError(
                            f"training stopped at {where}: {problem}. The weights are those before this batch. "
                            "Try a smaller learning rate, gradient clipping (e.g. clip_norm=1.0) or check the "
                            "data; on_nonfinite='skip' drops such batches instead", state.history)
                    state.history.skipped_batches.append(where)
                    self._say(f"skipped {where}: {problem}")
                    bar.update(1)
                    self._batch_done(index, steps, state)
                    continue
                if getattr(self, "_named_parameters", None) is None:
                    self.optimizer.freeze_parameters()  # every lazy layer is built by now
                    self._named_parameters = list(self.net.named_parameters())
                state.epoch_total += value * len(rows)
                state.epoch_counted += len(rows)
                state.history.batch_loss.append(value)
                bar.update(1, loss=value)
                self._batch_done(index, steps, state)
        return state.epoch_total / state.epoch_counted if state.epoch_counted else float("nan")

    def _batch_done(self, index: int, steps: int, state: FitState) -> None:
        """Move the state past batch `index`; write a mid-epoch checkpoint when one is due."""
        state.next_batch = index + 1 if index + 1 < steps else 0
        if state.next_batch and self._mid_epoch.due():
            if self.communicator.is_root:
                save_checkpoint(self._mid_epoch.directory, self.net, self.optimizer, state)
            self._mid_epoch.saved()

    def _named(self) -> list:
        """The network's (name, parameter) pairs: fixed once the first step has built every lazy layer."""
        return getattr(self, "_named_parameters", None) or list(self.net.named_parameters())

    def _forward_backward(self, X: np.ndarray, y: np.ndarray, share: float) -> float:
        """The batch's loss times `share`, back-propagated (seeded with `share`) unless it is not finite."""
        if len(X) == 0:  # an empty shard of a short last batch: this rank adds nothing
            return 0.0
        loss = self.net.loss(self.net(X), y)
        value = loss.item()
        if math.isfinite(value) or self.communicator.size > 1:  # ranks go back together (BatchNorm(sync=True))
            loss.backward() if share == 1 else loss.backward(np.asarray(share, dtype=loss.dtype))
        return value * share

    def _nonfinite_gradient(self) -> str | None:
        """Which parameter (if any) got a NaN or infinite gradient; a cheap sum first, the exact test if it fails."""
        name = first_nonfinite((name, p.grad.data) for name, p in self._named() if p.grad is not None)
        return None if name is None else f"the gradient of {name} is not finite"

    def _evaluate(self, X: np.ndarray, y: np.ndarray, epoch: int, epochs: int, state: FitState,
                  early_stopping: bool, patience: int, which: str = "test") -> bool:
        """Score the watched set (validation, or the test set in the book's call), keep the best weights;
        True when early stopping says stop."""
        history = state.history
        scores = self.communicator.evaluate(self.net, X, y)
        self.net.train()
        history.eval_epochs.append(epoch)
        getattr(history, f"{which}_loss").append(scores["loss"])
        if "accuracy" in scores:
            getattr(history, f"{which}_accuracy").append(scores["accuracy"])
        self._report(epoch, epochs, history.train_loss[-1], scores, which)
        if scores["loss"] < state.best_loss:
            state.best_loss, state.best_state, state.stale = scores["loss"], self.net.state_dict(), 0
            history.best_epoch = epoch
            return False
        state.stale += 1
        if early_stopping and state.stale >= patience:
            history.stopped_early = True
            self._say(f"{which} loss did not improve for {state.stale} evaluation(s): stopping after "
                      f"epoch {epoch}, keeping the weights from epoch {history.best_epoch}")
            return True
        return False

    def _check_data(self, X: Any, y: Any, which: str) -> tuple[np.ndarray, np.ndarray]:
        X, y = as_batch("fit", f"the {which} inputs", X), as_batch("fit", f"the {which} targets", y)
        if len(X) != len(y):
            raise ValueError(f"fit: the {which} inputs have {len(X)} samples but the targets have {len(y)}")
        if len(X) == 0:
            raise ValueError(f"fit: the {which} set is empty")
        if self.net.converts_input:
            if X.dtype.kind not in "biuf":
                raise TypeError(f"fit: {which} inputs must be numbers, got dtype {X.dtype}")
            X = X.astype(self.net.dtype, copy=False)
            if not np.all(np.isfinite(X)):
                raise ValueError(f"fit: the {which} inputs contain NaN or infinite values")
        if y.dtype.kind == "f":
            y = y.astype(self.net.dtype, copy=False)
        return X, y

    def _report(self, epoch: int, epochs: int, train_loss: float, scores: dict[str, float],
                which: str = "test") -> None:
        parts = [f"epoch {epoch}/{epochs}", f"train loss {train_loss:.4f}"]
        if "loss" in scores:
            parts.append(f"{which} loss {scores['loss']:.4f}")
        if "accuracy" in scores:
            parts.append(f"{which} accuracy {100 * scores['accuracy']:.2f}%")
        self._say("  ".join(parts))

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)
