"""Chapter 7, "PyTorch": the book's MNIST CNN and its convolutional autoencoder, built with chainrule.

The book's PyTorch CNN (07_PyTorch): ConvLayer(1 → 14, 5×5, padding 2, tanh, dropout 0.2)
→ ConvLayer(14 → 7, 5×5, padding 2, tanh, flatten, dropout 0.2) → DenseLayer(7·28·28 → 32,
tanh, dropout 0.2) → DenseLayer(32 → 10); cross-entropy; SGD lr 0.01 momentum 0.9;
batches of 60; one epoch. Its inputs are normalised with the MNIST mean and standard
deviation (here those of the training pixels). The book printed 96.98 % test accuracy.

The autoencoder (07_PyTorch_Unsupervised): encoder ConvLayer(1 → 14, tanh), ConvLayer(14
→ 7, tanh, flatten), DenseLayer(5488 → 28, tanh); decoder DenseLayer(28 → 5488, tanh),
view as (7, 28, 28), ConvLayer(7 → 14, tanh), ConvLayer(14 → 1, tanh), all kernels 5×5
with padding 2; mean squared error against the input itself, scaled to [−1, 1] with the
training set's minimum and maximum (the last tanh's range); SGD lr 0.01 momentum 0.9;
batches of 60; one epoch. The book reported a test MSE of 0.0693.

Beside the book's autoencoder, which keeps 28×28 maps throughout, a second one decodes with
learned upsampling (not in the book): encoder Conv2D(1 → 14, 5×5, stride 2, padding 2, tanh)
→ 14×14, Conv2D(14 → 7, same, → 7×7, tanh), flatten, Dense(343 → 28, tanh); decoder
Dense(28 → 343, tanh), view as (7, 7, 7), ConvTranspose2D(7 → 14, 4×4, stride 2, padding 1,
tanh) → 14×14, ConvTranspose2D(14 → 1, same, tanh) → 28×28. The same 28-number code, loss,
optimiser and epoch; both test MSEs are printed side by side.

All of these models start from PyTorch's default initialisation, which draws
weights and biases from U(−1/√fan_in, 1/√fan_in); so do ours (`chainrule.book.pytorch.pytorch_default_init`),
and the PyTorch run of the same call starts from a copy of our weights (see `ch5`).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import chainrule as cr
from chainrule.book.pytorch import pytorch_default_init
from chainrule.layers import Conv2D, ConvTranspose2D, Flatten, Layer
from chainrule.reproduce.ch5 import (
    has_torch, run_classifier, standardized_mnist, torch_mirror, torch_predictor, train_ours, train_torch,
)
from chainrule.reproduce.table import Row

SEED = 20190325
CODE_SIZE = 28
BOOK = {"cnn": 0.9698, "autoencoder": 0.0693}


class Unflatten(Layer):
    """(N, d) → (N, *shape): the decoder's ``x.view(-1, 7, 28, 28)``."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.shape = tuple(int(n) for n in shape)

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        return x.reshape((x.shape[0], *self.shape))

    def torch_module(self) -> Any:
        import torch

        return torch.nn.Unflatten(1, self.shape)

    def config(self) -> dict[str, Any]:
        return {"shape": self.shape}


def _conv(out_channels: int) -> Conv2D:
    return Conv2D(out_channels, 5, padding=2, activation="tanh")


def book_cnn() -> cr.NeuralNetwork:
    net = cr.NeuralNetwork(
        [_conv(14), cr.Dropout(0.2), _conv(7), Flatten(), cr.Dropout(0.2), cr.Dense(32, "tanh"), cr.Dropout(0.2),
         cr.Dense(10)],
        cr.SoftmaxCrossEntropy(), seed=SEED,
    )
    net.predict(np.zeros((1, 1, 28, 28), np.float32))  # build, then draw the book's initial weights
    return pytorch_default_init(net)


def autoencoder() -> cr.NeuralNetwork:
    net = cr.NeuralNetwork(
        [_conv(14), _conv(7), Flatten(), cr.Dense(CODE_SIZE, "tanh"), cr.Dense(7 * 28 * 28, "tanh"),
         Unflatten((7, 28, 28)), _conv(14), _conv(1)],
        cr.MeanSquaredError(), seed=SEED,
    )
    net.predict(np.zeros((1, 1, 28, 28), np.float32))
    return pytorch_default_init(net)


def upsampling_autoencoder() -> cr.NeuralNetwork:
    """The autoencoder with strided convolutions down and `ConvTranspose2D` up (module docstring)."""
    down = dict(kernel_size=5, stride=2, padding=2, activation="tanh")
    up = dict(kernel_size=4, stride=2, padding=1, activation="tanh")
    net = cr.NeuralNetwork(
        [Conv2D(14, **down), Conv2D(7, **down), Flatten(), cr.Dense(CODE_SIZE, "tanh"), cr.Dense(7 * 7 * 7, "tanh"),
         Unflatten((7, 7, 7)), ConvTranspose2D(14, **up), ConvTranspose2D(1, **up)],
        cr.MeanSquaredError(), seed=SEED,
    )
    net.predict(np.zeros((1, 1, 28, 28), np.float32))
    return pytorch_default_init(net)


def train_autoencoder(make: Any, X_train: np.ndarray, X_test: np.ndarray, with_torch: bool) -> tuple:
    """One epoch of SGD 0.01 momentum 0.9 on the images themselves: (net, our test MSE, PyTorch's or None, s)."""
    net = make()
    mirror = torch_mirror(net) if with_torch and has_torch() else None
    seconds = train_ours(net, cr.SGDMomentum(lr=0.01, momentum=0.9), X_train, X_train)
    theirs = None
    if mirror is not None:
        train_torch(mirror, 0.01, "mse", X_train, X_train)
        theirs = mse_of(torch_predictor(mirror), X_test)
    return net, mse_of(net.predict, X_test), theirs, seconds


def scaled_to_unit_range(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(X − min)/(max − min)·2 − 1 with the training set's min and max: values in [−1, 1] like tanh's."""
    low, high = X_train.min(), X_train.max()
    scale = (high - low) / 2
    return ((X_train - low) / scale - 1).astype(np.float32), ((X_test - low) / scale - 1).astype(np.float32)


def mse_of(predict: Any, X: np.ndarray, batch: int = 500) -> float:
    errors = [np.mean((predict(X[i : i + batch]) - X[i : i + batch]) ** 2) * len(X[i : i + batch])
              for i in range(0, len(X), batch)]
    return float(np.sum(errors) / len(X))


def save_reconstructions(path: str, inputs: np.ndarray, outputs: np.ndarray) -> bool:
    """Write a PNG: test images (top row) above their reconstructions; False without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return False
    count = len(inputs)
    figure = Figure(figsize=(count, 2.2))
    FigureCanvasAgg(figure)
    for column in range(count):
        for row, images in enumerate((inputs, outputs)):
            axes = figure.add_subplot(2, count, row * count + column + 1)
            axes.imshow(images[column].reshape(28, 28), cmap="gray", vmin=-1, vmax=1)
            axes.set_axis_off()
    figure.suptitle("test images (top) and their reconstructions from a 28-number code (bottom)", fontsize=8)
    figure.savefig(path, dpi=80)
    return True


QUICK = "each network on 300 training images, tested on 200"


def run(root: str | None = None, quick: bool = False, with_torch: bool = True, png: str | None = None) -> list[Row]:
    data = standardized_mnist(root, quick)
    rows = []

    result = run_classifier(book_cnn, 0.01, data, with_torch)
    rows.append(Row("chapter 7 CNN (conv 14 → conv 7 → dense 32 → 10; tanh, dropout 0.2), SGD 0.01 momentum, 1 epoch",
                    "test accuracy %", result["ours"], BOOK["cnn"], result["torch"], "within 0.5 % of the book's 96.98 %",
                    abs(result["ours"] - BOOK["cnn"]) <= 0.005, result["seconds"]))

    X_train, X_test = scaled_to_unit_range(data[0], data[2])
    net, ours, theirs, seconds = train_autoencoder(autoencoder, X_train, X_test, with_torch)
    if png is not None:
        save_reconstructions(png, X_test[:10], net.predict(X_test[:10]))
    rows.append(Row(f"convolutional autoencoder ({CODE_SIZE}-number code, tanh), SGD 0.01 momentum, 1 epoch",
                    "test MSE", ours, BOOK["autoencoder"], theirs, "≤ 0.07", ours <= 0.07, seconds))
    _, up, up_torch, up_seconds = train_autoencoder(upsampling_autoencoder, X_train, X_test, with_torch)
    mean_image = X_train.mean(axis=0, keepdims=True)  # the best constant output: what "learned nothing" scores
    floor = mse_of(lambda X: np.broadcast_to(mean_image, X.shape), X_test)
    rows.append(Row(f"the same with a learned-upsampling decoder (strided Conv2D down, ConvTranspose2D up; "
                    f"{CODE_SIZE}-number code), 1 epoch", "test MSE", up, None, up_torch,
                    f"< {floor:.4f}, the mean image's (not in the book)", up < floor, up_seconds))
    return rows
