"""The book's `Trainer(net, optim)` (`lincoln.train`), its `fit` and its printing, on chainrule's engine.

``fit(X_train, y_train, X_test, y_test, epochs=100, eval_every=10,
batch_size=32, seed=1, restart=True, early_stopping=True, conv_testing=False)``
does what the book's did:

* seeds NumPy's global generator with `seed`, and shuffles the training set
  with it at the start of every epoch (each epoch permutes the previous
  epoch's order, as the book's ``permute_data`` did);
* ``restart=True`` rebuilds every layer on the next batch (new weights) and
  forgets the best loss;
* every `eval_every` epochs it computes the loss on the test set and prints
  ``Validation loss after N epochs is X``; with `early_stopping`, the first
  evaluation that is not better than the best so far prints "Loss increased
  after epoch N, final loss was X, using the model from epoch M", puts the
  model of epoch M back and stops;
* the learning rate decays after every epoch (when the optimizer has a
  `final_lr`); ``conv_testing`` prints the batch loss every 10 batches and the
  test accuracy every 100.

Two things are done right where the book's code was not:

* the model put back on early stopping is the one evaluated at epoch M, the
  best; the book's restored a copy it had taken one epoch before the failed
  evaluation (epoch N − 1), not the model of epoch M that its message named;
* evaluation runs with ``inference=True`` (dropout off); the book's Trainer
  evaluated with dropout on.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from chainrule.book.network import NeuralNetwork
from chainrule.book.utils.np_utils import permute_data


class Trainer:
    """The book's ``Trainer(net, optim)``: ``trainer.net``, ``trainer.optim``, ``trainer.fit(...)``."""

    def __init__(self, net: NeuralNetwork, optim: Any) -> None:
        if not isinstance(net, NeuralNetwork):
            raise TypeError(f"Trainer needs a chainrule.book NeuralNetwork, got {type(net).__name__}")
        self.net = net
        self.optim = optim
        self.best_loss = 1e9
        self.optim.net = self.net

    def fit(self, X_train: Any, y_train: Any, X_test: Any, y_test: Any, epochs: int = 100, eval_every: int = 10,
            batch_size: int = 32, seed: int = 1, restart: bool = True, early_stopping: bool = True,
            conv_testing: bool = False) -> None:
        for name, value in (("epochs", epochs), ("eval_every", eval_every), ("batch_size", batch_size)):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"fit: {name} must be a positive integer, got {value!r}")
        X_train, y_train = np.asarray(X_train), np.asarray(y_train)
        self.optim.max_epochs = epochs
        np.random.seed(seed)
        if restart:
            for layer in self.net.layers:
                layer.first = True
            self.best_loss = 1e9
        best_state, best_epoch = None, 0
        for e in range(epochs):
            self.optim.start_epoch(e, epochs)
            X_train, y_train = permute_data(X_train, y_train)
            for ii, (X_batch, y_batch) in enumerate(self.generate_batches(X_train, y_train, batch_size)):
                self.net.train_batch(X_batch, y_batch)
                self.optim.step()
                if conv_testing:
                    self._conv_testing(ii, X_batch, y_batch, X_test, y_test)
            if (e + 1) % eval_every != 0:
                continue
            test_preds = self.net.forward(X_test, inference=True)
            loss = float(self.net.loss.forward(test_preds, y_test))
            if not early_stopping:
                print(f"Validation loss after {e + 1} epochs is {loss:.3f}")
            elif loss < self.best_loss:
                print(f"Validation loss after {e + 1} epochs is {loss:.3f}")
                self.best_loss, best_state, best_epoch = loss, self.net.state_dict(), e + 1
            else:
                print()
                print(f"Loss increased after epoch {e + 1}, final loss was {self.best_loss:.3f},",
                      f"\nusing the model from epoch {best_epoch}")
                if best_state is not None:
                    self.net.load_state_dict(best_state)
                break

    def generate_batches(self, X: np.ndarray, y: np.ndarray, size: int = 32) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Consecutive batches of `size` rows (the last may be smaller)."""
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"features and target must have the same number of rows, got {X.shape[0]} and {y.shape[0]}")
        for ii in range(0, X.shape[0], size):
            yield X[ii : ii + size], y[ii : ii + size]

    def _conv_testing(self, ii: int, X_batch: np.ndarray, y_batch: np.ndarray, X_test: Any, y_test: Any) -> None:
        if ii % 10 == 0:
            batch_loss = float(self.net.loss.forward(self.net.forward(X_batch, inference=True), y_batch))
            print("batch", ii, "loss", batch_loss)
        if ii % 100 == 0 and ii > 0:
            predicted = np.argmax(self.net.forward(X_test, inference=True), axis=1)
            accuracy = np.equal(predicted, np.argmax(y_test, axis=1)).sum() * 100.0 / X_test.shape[0]
            print("Validation accuracy after", ii, "batches is", f"{accuracy:.2f}%")
