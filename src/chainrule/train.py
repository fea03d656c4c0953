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

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from chainrule.network import NeuralNetwork
from chainrule.progress import Progress


@dataclass
class History:
    """What happened during `fit`: per-epoch training loss and learning rate, and each evaluation."""

    train_loss: list[float] = field(default_factory=list)  # mean over the batches of each epoch
    lr: list[float] = field(default_factory=list)  # the learning rate each epoch used
    eval_epochs: list[int] = field(default_factory=list)  # epochs (counted from 1) after which we evaluated
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)  # classifiers only
    best_epoch: int | None = None  # the evaluation whose weights the model holds at the end
    stopped_early: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Trainer:
    """Trains a `NeuralNetwork` with an optimizer (the book's ``Trainer(net, optimizer)``).

    Args:
        net: the network, with its loss.
        optimizer: from `chainrule.optim`; if it was made without parameters it is
            attached to `net` here.
        quiet: no progress bar and no printed lines.
    """

    def __init__(self, net: NeuralNetwork, optimizer: Any, quiet: bool = False) -> None:
        if not isinstance(net, NeuralNetwork):
            raise TypeError(f"Trainer needs a NeuralNetwork, got {type(net).__name__}")
        net._require_loss()
        self.net = net
        self.optimizer = optimizer
        self.quiet = quiet
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
    ) -> History:
        """Train for `epochs` passes over the data.

        Each epoch visits the training set in a new random order (from `seed`)
        in mini-batches of `batch_size`. Every `eval_every` epochs (and after the
        last) the loss on (X_test, y_test) is computed. With `early_stopping`,
        training stops once the test loss has not improved for `patience`
        evaluations in a row, and the network is given back the weights of its
        best evaluation — also when training runs to the end.
        """
        X_train, y_train = self._check_data(X_train, y_train, "training")
        has_test = X_test is not None
        if has_test:
            X_test, y_test = self._check_data(X_test, y_test, "test")
        for name, value in (("epochs", epochs), ("eval_every", eval_every), ("batch_size", batch_size), ("patience", patience)):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"fit: {name} must be a positive integer, got {value!r}")

        rng = np.random.default_rng(seed)
        history = History()
        best_loss, best_state, stale = np.inf, None, 0
        n = len(X_train)
        steps = -(-n // batch_size)
        loss_fn = self.net.loss
        self.net.train()
        for epoch in range(epochs):
            self.optimizer.start_epoch(epoch, epochs)
            history.lr.append(float(self.optimizer.lr))
            order = rng.permutation(n)
            total = 0.0
            with Progress(steps, f"epoch {epoch + 1}/{epochs}", enabled=not self.quiet, unit="batch") as bar:
                for start in range(0, n, batch_size):
                    batch = order[start : start + batch_size]
                    self.optimizer.zero_grad()
                    loss = loss_fn(self.net(X_train[batch]), y_train[batch])
                    loss.backward()
                    self.optimizer.step()
                    if epoch == 0 and start == 0:
                        self.optimizer.freeze_parameters()  # every lazy layer is built by now
                    value = loss.item()
                    total += value * len(batch)
                    bar.update(1, loss=value)
            history.train_loss.append(total / n)

            if has_test and ((epoch + 1) % eval_every == 0 or epoch + 1 == epochs):
                scores = self.net.evaluate(X_test, y_test)
                self.net.train()
                history.eval_epochs.append(epoch + 1)
                history.test_loss.append(scores["loss"])
                if "accuracy" in scores:
                    history.test_accuracy.append(scores["accuracy"])
                self._report(epoch + 1, epochs, history.train_loss[-1], scores)
                if scores["loss"] < best_loss:
                    best_loss, best_state, stale = scores["loss"], self.net.state_dict(), 0
                    history.best_epoch = epoch + 1
                else:
                    stale += 1
                    if early_stopping and stale >= patience:
                        history.stopped_early = True
                        self._say(f"test loss did not improve for {stale} evaluation(s): stopping after "
                                  f"epoch {epoch + 1}, keeping the weights from epoch {history.best_epoch}")
                        break
            elif (epoch + 1) % eval_every == 0:
                self._report(epoch + 1, epochs, history.train_loss[-1], {})
        if early_stopping and best_state is not None:
            self.net.load_state_dict(best_state)
        self.net.eval()
        return history

    def _check_data(self, X: Any, y: Any, which: str) -> tuple[np.ndarray, np.ndarray]:
        X, y = np.asarray(X), np.asarray(y)
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
