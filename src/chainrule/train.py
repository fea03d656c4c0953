"""`Trainer`: the training loop — shuffled mini-batches, evaluation, early stopping, history.

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

from chainrule.checkpoint import FitState, checkpoint_path, load_checkpoint, run_identity, save_checkpoint
from chainrule.checks import as_batch, check_count, check_seed
from chainrule.distributed import Communicator, world
from chainrule.network import NeuralNetwork
from chainrule.optim.guard import StepGuard
from chainrule.progress import Progress


@dataclass
class History:
    """What happened during `fit`: per-epoch training loss and learning rate, and each evaluation."""

    train_loss: list[float] = field(default_factory=list)  # mean over the batches of each epoch
    lr: list[float] = field(default_factory=list)  # the learning rate each epoch used
    epoch_seconds: list[float] = field(default_factory=list)  # wall time of each epoch's training pass
    eval_epochs: list[int] = field(default_factory=list)  # epochs (counted from 1) after which we evaluated
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)  # classifiers only
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
        early_stopping: bool = True,
        patience: int = 1,
        on_nonfinite: str = "stop",
        checkpoint_dir: str | os.PathLike | None = None,
        checkpoint_every: int = 1,
        resume: bool = False,
    ) -> History:
        """Train for `epochs` passes over the data.

        Each epoch visits the training set in a new random order (from `seed`)
        in mini-batches of `batch_size`. Every `eval_every` epochs (and after the
        last) the loss on (X_test, y_test) is computed. With `early_stopping`,
        training stops once the test loss has not improved for `patience`
        evaluations in a row, and the network is given back the weights of its
        best evaluation — also when training runs to the end.

        A loss or gradient that is NaN or infinite is caught before it reaches
        the weights, and a step that writes a NaN or infinite weight is undone
        (`chainrule.optim.guard`): ``on_nonfinite="stop"`` raises `NonFiniteError`
        (saying which epoch, batch and parameter; the weights stay those of the
        last good step), ``"skip"`` drops that batch and goes on.

        With `checkpoint_dir`, a checkpoint is written every `checkpoint_every`
        epochs (atomically); ``resume=True`` continues from it and ends with the
        same weights as an uninterrupted run. Resuming refuses other settings,
        another optimizer or learning rate, and other training data.

        Under MPI (`communicator`), `batch_size` is the global batch: each of the
        N ranks takes about batch_size/N rows of it, and the result equals one
        process's to rounding; rank 0 alone writes the checkpoints, which any
        number of ranks can resume from.
        """
        X_train, y_train = self._check_data(X_train, y_train, "training")
        has_test = X_test is not None
        if has_test != (y_test is not None):
            raise ValueError("fit: X_test and y_test go together: give both (to evaluate) or neither")
        if has_test:
            X_test, y_test = self._check_data(X_test, y_test, "test")
        for name, value in (("epochs", epochs), ("eval_every", eval_every), ("batch_size", batch_size),
                            ("patience", patience), ("checkpoint_every", checkpoint_every)):
            check_count("fit", name, value)
        check_seed("fit", seed)
        if on_nonfinite not in ("stop", "skip"):
            raise ValueError(f"fit: on_nonfinite must be 'stop' or 'skip', got {on_nonfinite!r}")
        if resume and checkpoint_dir is None:
            raise ValueError("fit: resume=True needs checkpoint_dir, the folder the checkpoints were written to")

        settings = {"epochs": int(epochs), "batch_size": int(batch_size), "seed": int(seed), "samples": len(X_train)}
        if checkpoint_dir is not None:
            settings.update(run_identity(self.optimizer, X_train, y_train))
        self.communicator.build(self.net, X_train)
        if resume:
            state = self.communicator.on_root(load_checkpoint, checkpoint_dir, self.net, self.optimizer, settings)
            self._say(f"resuming from {checkpoint_path(checkpoint_dir)} at epoch {state.next_epoch + 1}")
        else:
            state = FitState(0, np.random.default_rng(seed), History(), settings=settings)
        self.communicator.broadcast_start(self.net, self.optimizer)
        history = state.history
        self._guard = StepGuard()
        self.net.train()
        for epoch in range(state.next_epoch, epochs):
            self.optimizer.start_epoch(epoch, epochs)
            history.lr.append(float(self.optimizer.lr))
            started = time.perf_counter()
            history.train_loss.append(self._train_epoch(X_train, y_train, batch_size, epoch, epochs, state, on_nonfinite))
            history.epoch_seconds.append(time.perf_counter() - started)
            state.next_epoch = epoch + 1
            stop = False
            if has_test and ((epoch + 1) % eval_every == 0 or epoch + 1 == epochs):
                stop = self._evaluate(X_test, y_test, epoch + 1, epochs, state, early_stopping, patience)
            elif (epoch + 1) % eval_every == 0:
                self._report(epoch + 1, epochs, history.train_loss[-1], {})
            if checkpoint_dir is not None and ((epoch + 1) % checkpoint_every == 0 or epoch + 1 == epochs or stop) \
                    and self.communicator.is_root:
                save_checkpoint(checkpoint_dir, self.net, self.optimizer, state)
            if stop:
                break
        if early_stopping and state.best_state is not None:
            self.net.load_state_dict(state.best_state)
        self.net.eval()
        return history

    def _train_epoch(self, X: np.ndarray, y: np.ndarray, batch_size: int, epoch: int, epochs: int, state: FitState,
                     on_nonfinite: str) -> float:
        """One pass over the data in a new random order; returns the mean loss of the batches used."""
        n = len(X)
        order = state.shuffle_rng.permutation(n)
        total, counted = 0.0, 0
        steps = -(-n // batch_size)
        # NumPy's overflow warnings are silenced: non-finite values are caught and reported below, by name.
        with Progress(steps, f"epoch {epoch + 1}/{epochs}", enabled=not self.quiet, unit="batch") as bar, \
                np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for index, start in enumerate(range(0, n, batch_size)):
                rows = order[start : start + batch_size]
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
                    continue
                if epoch == 0 and index == 0:
                    self.optimizer.freeze_parameters()  # every lazy layer is built by now
                    self._named_parameters = list(self.net.named_parameters())
                total += value * len(rows)
                counted += len(rows)
                bar.update(1, loss=value)
        return total / counted if counted else float("nan")

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
        for name, p in self._named():
            if p.grad is not None and not np.isfinite(p.grad.data.sum()) and not np.isfinite(p.grad.data).all():
                return f"the gradient of {name} is not finite"
        return None

    def _evaluate(self, X: np.ndarray, y: np.ndarray, epoch: int, epochs: int, state: FitState,
                  early_stopping: bool, patience: int) -> bool:
        """Score the test set, keep the best weights; True when early stopping says stop."""
        history = state.history
        scores = self.communicator.evaluate(self.net, X, y)
        self.net.train()
        history.eval_epochs.append(epoch)
        history.test_loss.append(scores["loss"])
        if "accuracy" in scores:
            history.test_accuracy.append(scores["accuracy"])
        self._report(epoch, epochs, history.train_loss[-1], scores)
        if scores["loss"] < state.best_loss:
            state.best_loss, state.best_state, state.stale = scores["loss"], self.net.state_dict(), 0
            history.best_epoch = epoch
            return False
        state.stale += 1
        if early_stopping and state.stale >= patience:
            history.stopped_early = True
            self._say(f"test loss did not improve for {state.stale} evaluation(s): stopping after "
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

    def _report(self, epoch: int, epochs: int, train_loss: float, scores: dict[str, float]) -> None:
        parts = [f"epoch {epoch}/{epochs}", f"train loss {train_loss:.4f}"]
        if "loss" in scores:
            parts.append(f"test loss {scores['loss']:.4f}")
        if "accuracy" in scores:
            parts.append(f"test accuracy {100 * scores['accuracy']:.2f}%")
        self._say("  ".join(parts))

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)
