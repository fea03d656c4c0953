"""Chapter 3, "Deep learning from scratch": the framework (Dense, NeuralNetwork, Trainer) on Boston housing.

The book's configurations: linear regression, a 13-sigmoid hidden layer, and
two 13-sigmoid hidden layers; standard-normal weights *and biases*, mean
squared error, SGD with lr 0.01, 50 epochs, batches of 32, evaluation every 10
epochs, seed 20190501, on the book's split.

Two kinds of row:

* **replaying the book's random draws**: the book seeds NumPy's global
  generator once per `fit` and again (with the same seed) inside every layer
  before drawing its weights; the data order of each epoch comes from whatever
  state the generator is in. We replay that sequence with a private
  ``RandomState`` and train with chainrule's layers, loss and optimizer — so
  any difference from the book's printed numbers would be a difference in
  arithmetic. (In the book's runs the test loss fell at every evaluation, so
  early stopping never acted.)
* **our Trainer** with its own seeding, averaged over several seeds: what a
  user of chainrule gets, and how much the result moves with the seed on a
  data set of 354 training rows.
"""

from __future__ import annotations

import time

import numpy as np

import chainrule as cr
from chainrule.data import book_split, load_boston
from chainrule.reproduce.ch2 import mae_rmse
from chainrule.reproduce.table import Row

SEED = 20190501
MODELS = {  # name: hidden layer sizes
    "linear regression": [],
    "13 sigmoid → 1": [13],
    "13 sigmoid → 13 sigmoid → 1": [13, 13],
}
BOOK = {  # the book's printed (MAE, RMSE)
    "linear regression": (3.52, 5.01),
    "13 sigmoid → 1": (2.60, 4.03),
    "13 sigmoid → 13 sigmoid → 1": (2.45, 3.83),
}


def build(hidden: list[int], seed: int | None = SEED) -> cr.NeuralNetwork:
    layers = [cr.Dense(n, cr.Sigmoid(), weight_init="standard") for n in hidden]
    layers.append(cr.Dense(1, cr.Linear(), weight_init="standard"))
    return cr.NeuralNetwork(layers, cr.MeanSquaredError(), seed=seed)


def train_replaying_the_book(hidden: list[int], data: tuple, epochs: int = 50, batch_size: int = 32) -> cr.NeuralNetwork:
    """The book's fit(), step by step, with its random draws replayed (see the module docstring)."""
    X_train, X_test, y_train, y_test = data
    net = build(hidden).to(np.float64)
    optimizer = cr.SGD(net, lr=0.01)
    generator = np.random.RandomState(SEED)  # np.random.seed(seed) at the start of fit
    X, y = X_train, y_train
    for epoch in range(epochs):
        order = generator.permutation(len(X))  # the book shuffles the previous epoch's order again
        X, y = X[order], y[order]
        for start in range(0, len(X), batch_size):
            if epoch == 0 and start == 0:  # the first forward pass: each layer re-seeds, then draws
                fan_in = X.shape[1]
                for layer in net.layers:
                    generator = np.random.RandomState(SEED)
                    layer(np.zeros((1, fan_in)))  # build it
                    layer.weight.data[...] = generator.randn(fan_in, layer.neurons)
                    layer.bias.data[...] = generator.randn(1, layer.neurons)[0]
                    fan_in = layer.neurons
            optimizer.zero_grad()
            net.loss(net(X[start : start + batch_size]), y[start : start + batch_size]).backward()
            optimizer.step()
    net.eval()
    return net


QUICK = "10 epochs instead of 50, 2 seeds instead of 5"


def run(root: str | None = None, quick: bool = False, with_torch: bool = True) -> list[Row]:
    X, y = load_boston(root)
    data = book_split(X, y)
    X_train, X_test, y_train, y_test = data
    epochs = 10 if quick else 50
    rows = []
    for name, hidden in MODELS.items():
        book_mae, book_rmse = BOOK[name]
        started = time.perf_counter()
        net = train_replaying_the_book(hidden, data, epochs)
        mae, rmse = mae_rmse(net.predict(X_test), y_test)
        seconds = time.perf_counter() - started
        label = f"{name}, replaying the book's random draws"
        rows.append(Row(label, "MAE", mae, book_mae, bar=f"≤ {book_mae + 0.15:.2f}", passed=mae <= book_mae + 0.15,
                        seconds=seconds))
        rows.append(Row(label, "RMSE", rmse, book_rmse, seconds=seconds))

        started = time.perf_counter()
        scores = []
        for seed in range(2 if quick else 5):
            net = build(hidden, seed)
            trainer = cr.Trainer(net, cr.SGD(lr=0.01), quiet=True)
            trainer.fit(X_train, y_train, X_test, y_test, epochs=epochs, eval_every=10, batch_size=32, seed=seed,
                        early_stopping=True, patience=1)  # the book's Trainer: early stopping on the test loss
            scores.append(mae_rmse(net.predict(X_test), y_test))
        seconds = time.perf_counter() - started
        label = f"{name}, our Trainer (mean of {len(scores)} seeds; min–max MAE " \
                f"{min(s[0] for s in scores):.2f}–{max(s[0] for s in scores):.2f})"
        rows.append(Row(label, "MAE", float(np.mean([s[0] for s in scores])), book_mae, seconds=seconds))
        rows.append(Row(label, "RMSE", float(np.mean([s[1] for s in scores])), book_rmse, seconds=seconds))
    return rows
