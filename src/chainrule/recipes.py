"""Named training recipes for the command line (`chainrule train NAME`): data, network, optimizer, schedule.

Each recipe is a function ``(args) -> Recipe`` taking the parsed options
(epochs, batch size, seed, data root, quick) so that `train`, `evaluate` and
the tests share one definition of each example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import chainrule as cr


@dataclass
class Recipe:
    """Everything `chainrule train` needs: a network, an optimizer, the data and how to fit."""

    description: str
    net: cr.NeuralNetwork
    optimizer: Any
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # X_train, y_train, X_test, y_test
    fit: dict[str, Any] = field(default_factory=dict)  # epochs, eval_every, batch_size, ...
    book: str = ""  # what the book printed for this configuration, if anything
    metric: str = "accuracy"


def mnist_book(epochs: int | None, root: str | None, quick: bool, seed: int) -> Recipe:
    """The book's best chapter-4 network: 784-89-10, sigmoid, Glorot, SGD momentum 0.9, exp. decay 0.2→0.05."""
    from chainrule.reproduce.mnist_data import book_mnist

    data = book_mnist(root, limit=3000 if quick else None)
    net = cr.NeuralNetwork(
        [cr.Dense(89, cr.Sigmoid(), weight_init="glorot"), cr.Dense(10, weight_init="glorot")],
        cr.SoftmaxCrossEntropy(),
        seed=seed,
    )
    optimizer = cr.SGDMomentum(lr=0.2, momentum=0.9, final_lr=0.05, decay_type="exponential")
    epochs = epochs or (2 if quick else 25)
    return Recipe(
        "MNIST, 784-89-10 sigmoid MLP (the book's chapter 4 network)", net, optimizer, data,
        {"epochs": epochs, "eval_every": 5, "batch_size": 60},
        book="97.46 % after 50 epochs",
    )


def mnist_mlp(epochs: int | None, root: str | None, quick: bool, seed: int) -> Recipe:
    """Our tuned MLP (the "ours, tuned" row of `chainrule reproduce ch4`): 512-256 ReLU, dropout, cosine decay."""
    from chainrule.reproduce.ch4 import TUNED
    from chainrule.reproduce.mnist_data import book_mnist

    data = book_mnist(root, limit=3000 if quick else None)
    net = TUNED.network()
    net.seed(seed)
    return Recipe(
        f"MNIST, {TUNED.name}", net, TUNED.optimizer(), data,
        {"epochs": epochs or (2 if quick else TUNED.epochs), "eval_every": 1, "batch_size": TUNED.batch_size,
         "early_stopping": False},
        book="97.34 % for its best MLP (deep, with dropout)",
    )


def boston(epochs: int | None, root: str | None, quick: bool, seed: int) -> Recipe:
    """Boston housing on the book's split: 13-sigmoid network, SGD 0.01 (chapter 3)."""
    from chainrule.data import book_split, load_boston

    X, y = load_boston(root)
    X_train, X_test, y_train, y_test = book_split(X, y)
    net = cr.NeuralNetwork(
        [cr.Dense(13, cr.Sigmoid(), weight_init="standard"), cr.Dense(1, weight_init="standard")],
        cr.MeanSquaredError(),
        seed=seed,
    )
    return Recipe(
        "Boston housing, 13-13-1 sigmoid network (chapter 3)", net, cr.SGD(lr=0.01),
        (X_train, y_train, X_test, y_test), {"epochs": epochs or (5 if quick else 50), "eval_every": 10, "batch_size": 32},
        book="MAE 2.60", metric="loss",
    )


RECIPES: dict[str, Callable[..., Recipe]] = {"mnist-book": mnist_book, "mnist-mlp": mnist_mlp, "boston": boston}
