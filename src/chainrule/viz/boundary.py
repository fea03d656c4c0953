"""Decision boundaries: what a classifier of 2-D points has learned, drawn over the plane.

Every point of a fine grid over the data is classified; its colour is the colour
of the predicted class, pale where the network hesitates (probability near
chance) and strong where it is sure. The training points are drawn on top.

`tutorial_boundaries` is the second tutorial's convnetjs demo: the same data
learned by three small networks, side by side.

Needs matplotlib (``pip install 'chainrule[plot]'``).
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

from chainrule.autograd import no_grad
from chainrule.data.toy import make_toy
from chainrule.layers import Dense
from chainrule.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from chainrule.network import NeuralNetwork
from chainrule.optim import Adam
from chainrule.tensor import Tensor
from chainrule.train import Trainer
from chainrule.viz._figure import as_array, new_figure, save

CLASS_COLOURS = ("#2563eb", "#ea580c", "#16a34a", "#9333ea", "#db2777", "#0891b2", "#ca8a04", "#4b5563")


def class_probabilities(model: NeuralNetwork | Callable[[np.ndarray], Any], points: np.ndarray) -> np.ndarray:
    """The model's probability of each class at each point: shape (M, C), rows summing to 1.

    How outputs become probabilities:

    * a `NeuralNetwork` trained with `SoftmaxCrossEntropy`: softmax of its C outputs;
    * with `BinaryCrossEntropy` (one output, from logits): σ(output) for class 1, 1 − σ for class 0
      (with ``from_logits=False`` the output already is the probability of class 1);
    * anything else (another loss, or a plain function of an (M, 2) array):
      several outputs are treated as scores (softmax); one output as the
      probability of class 1, clipped to [0, 1] (a network fitted with squared
      error to 0/1 labels, as in the tutorials).
    """
    if isinstance(model, NeuralNetwork):
        output = model.predict(points)
        loss = model.loss
    elif callable(model):
        with no_grad():
            output = model(points)
        loss = None
    else:
        raise TypeError(f"expected a NeuralNetwork or a function of an (M, 2) array, got {type(model).__name__}")
    output = np.asarray(output.data if isinstance(output, Tensor) else output, dtype=np.float64)
    if output.ndim == 1:
        output = output[:, None]
    if output.ndim != 2 or len(output) != len(points):
        raise ValueError(f"the classifier gave outputs of shape {output.shape} for {len(points)} points; "
                         f"expected ({len(points)}, C)")
    if output.shape[1] == 1:
        if isinstance(loss, BinaryCrossEntropy) and loss.from_logits:
            p = 1 / (1 + np.exp(-np.clip(output[:, 0], -500, 500)))
        else:
            p = np.clip(output[:, 0], 0.0, 1.0)
        return np.stack([1 - p, p], axis=1)
    if isinstance(loss, SoftmaxCrossEntropy) or not _are_probabilities(output):
        shifted = np.exp(output - output.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    return output


def _are_probabilities(output: np.ndarray) -> bool:
    return bool((output >= 0).all() and np.allclose(output.sum(axis=1), 1.0, atol=1e-4))


def plot_decision_boundary(
    net: NeuralNetwork | Callable[[np.ndarray], Any],
    X: Any,
    y: Any,
    ax: Any = None,
    resolution: int = 200,
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Any:
    """Colour the plane by the class `net` predicts, shaded by its probability, with the points on top.

    Args:
        net: a trained classifier of 2-D points: a `NeuralNetwork` (see
            `class_probabilities` for how its outputs are read) or a function
            mapping an (M, 2) array to outputs (M, C) or (M,).
        X: the points, shape (N, 2).
        y: their classes, (N,) integer labels or (N, C) one-hot rows.
        ax: a matplotlib Axes to draw into (a new figure when None).
        resolution: grid points along each axis.
        path: where to save the figure, if given.
        title: the panel's title.

    Returns the matplotlib Figure holding the panel.
    """
    X = as_array(X, "plot_decision_boundary(X)").astype(np.float64)
    labels = as_array(y, "plot_decision_boundary(y)")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must be 2-D points of shape (N, 2), got {X.shape}")
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    labels = labels.reshape(-1).astype(np.int64)
    if len(labels) != len(X):
        raise ValueError(f"plot_decision_boundary: {len(X)} points but {len(labels)} labels")
    if not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"plot_decision_boundary: resolution must be an integer ≥ 2, got {resolution!r}")

    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-6)
    low, high = low - margin, high + margin
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    if isinstance(net, NeuralNetwork):
        points = points.astype(_input_dtype(net))
    probabilities = class_probabilities(net, points)
    classes = max(probabilities.shape[1], int(labels.max()) + 1)
    predicted = probabilities.argmax(axis=1)
    confidence = (probabilities.max(axis=1) - 1 / classes) / (1 - 1 / classes)  # 0 at chance, 1 when sure
    palette = np.array([_rgb(CLASS_COLOURS[c % len(CLASS_COLOURS)]) for c in range(classes)])
    strength = (0.08 + 0.4 * np.clip(confidence, 0, 1))[:, None]
    image = 1 - strength * (1 - palette[predicted])  # white blended towards the class's colour

    if ax is None:
        figure = new_figure(4.5, 4.2)
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    ax.imshow(image.reshape(resolution, resolution, 3), origin="lower", interpolation="bilinear",
              extent=(low[0], high[0], low[1], high[1]), aspect="auto")
    if len(np.unique(predicted)) > 1:
        ax.contour(grid_x, grid_y, predicted.reshape(resolution, resolution), levels=np.arange(classes) + 0.5,
                   colors="#111827", linewidths=0.8)
    for c in range(classes):
        mine = labels == c
        if mine.any():
            ax.scatter(X[mine, 0], X[mine, 1], s=14, color=CLASS_COLOURS[c % len(CLASS_COLOURS)],
                       edgecolors="#111827", linewidths=0.4, label=f"class {c}")
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    if path is not None:
        figure.tight_layout()
        save(figure, path)
    return figure


def _input_dtype(net: NeuralNetwork) -> np.dtype:
    for parameter in net.parameters():
        return parameter.dtype
    return np.dtype(np.float32)


def _rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


# ------------------------------------------------------------- the tutorial's demo

TUTORIAL_NETWORKS = (("6 tanh", 6, "tanh"), ("2 tanh", 2, "tanh"), ("6 ReLU", 6, "relu"))


def tutorial_boundaries(path: str | os.PathLike | None = None, seed: int = 0, epochs: int = 300,
                        n: int = 200, noise: float = 0.08) -> Any:
    """The second tutorial's convnetjs demo: three networks, one data set, three decision boundaries.

    The data: ``make_toy("circles", n, noise, seed)`` — class 1 inside a circle of
    radius 0.5, class 0 on a ring around it (chainrule's toy set, like convnetjs's
    "circle data"). The networks: 2 inputs → one hidden layer of 6 tanh, 2 tanh or
    6 ReLU units → 2 outputs, softmax cross-entropy, Adam (lr 0.02), batches of
    20, `epochs` passes, all from the same `seed`. Each panel is titled with its
    architecture and its accuracy on the training points.

    What to see: 6 tanh units bend a smooth closed boundary around the inner
    class; 2 units give only two lines' worth of bending and cannot enclose it;
    6 ReLU units make a polygon of straight pieces.

    Returns the matplotlib Figure (about a second of training on one core).
    """
    X, y = make_toy("circles", n=n, noise=noise, seed=seed)
    X = X.astype(np.float32)
    figure = new_figure(12.0, 4.3)
    for index, (label, units, activation) in enumerate(TUTORIAL_NETWORKS):
        net = NeuralNetwork([Dense(units, activation), Dense(2)], SoftmaxCrossEntropy(), seed=seed)
        Trainer(net, Adam(lr=0.02), quiet=True).fit(X, y, epochs=epochs, batch_size=20, seed=seed,
                                                     early_stopping=False)
        accuracy = net.evaluate(X, y)["accuracy"]
        ax = figure.add_subplot(1, len(TUTORIAL_NETWORKS), index + 1)
        plot_decision_boundary(net, X, y, ax=ax, title=f"2 → {label} → 2: training accuracy {100 * accuracy:.0f} %")
    figure.suptitle(f'one data set (make_toy("circles"), {n} points), three networks with one hidden layer',
                    fontsize=11)
    figure.tight_layout()
    save(figure, path)
    return figure
