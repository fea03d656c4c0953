"""Training curves of a short MNIST run: loss, test accuracy and the learning-rate schedule.

The book's chapter-4 network (784-89-10, sigmoid, Glorot, SGD with momentum 0.9 and
an exponential decay 0.2 → 0.05), trained on the first 10,000 training images for
10 epochs and evaluated on the 10,000 test images after every epoch.

Needs matplotlib (pip install 'chainrule[plot]') and the MNIST files: the repository's
data/ folder, $CHAINRULE_DATA, or --data DIR.

Run: python examples/mnist_curves.py [--out mnist_curves.png] [--epochs 10] [--samples 10000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import chainrule as cr
from chainrule.reproduce.mnist_data import book_mnist
from chainrule.viz import plot_history, require_matplotlib

REPO_DATA = Path(__file__).resolve().parents[1] / "data"


def main(out: str = "mnist_curves.png", epochs: int = 10, samples: int = 10_000, root: str | None = None,
         seed: int = 0) -> cr.History:
    """Train, draw the curves to `out`, return the History."""
    require_matplotlib()  # say so now, not after the training
    if root is None and (REPO_DATA / "mnist").is_dir():
        root = str(REPO_DATA)
    X_train, y_train, X_test, y_test = book_mnist(root)
    X_train, y_train = X_train[:samples], y_train[:samples]
    net = cr.NeuralNetwork(
        [cr.Dense(89, cr.Sigmoid(), weight_init="glorot"), cr.Dense(10, weight_init="glorot")],
        cr.SoftmaxCrossEntropy(), seed=seed,
    )
    optimizer = cr.SGDMomentum(lr=0.2, momentum=0.9, final_lr=0.05, decay_type="exponential")
    history = cr.Trainer(net, optimizer, quiet=True).fit(
        X_train, y_train, X_test, y_test, epochs=epochs, eval_every=1, batch_size=60, seed=seed,
        early_stopping=False,
    )
    title = f"MNIST 784-89-10 sigmoid, SGD momentum, {len(X_train):,} training images"
    plot_history(history, out, title=title)
    print(f"test accuracy {100 * history.test_accuracy[-1]:.2f} % after {epochs} epochs; curves drawn to {out}")
    return history


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="mnist_curves.png", help="the PNG to write")
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training images")
    parser.add_argument("--samples", type=int, default=10_000, help="how many training images to use")
    parser.add_argument("--data", default=None, help="folder holding mnist/ (default: the repository's data/)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the weights and the data order")
    args = parser.parse_args()
    main(args.out, args.epochs, args.samples, args.data, args.seed)
