"""Training curves: the loss and accuracy per epoch that `Trainer.fit` records in its `History`.

    history = Trainer(net, optimizer).fit(X_train, y_train, X_test, y_test, epochs=20, eval_every=1)
    plot_history(history, "curves.png")

Needs matplotlib (``pip install -e ".[plot]"`` in a checkout; ``make demo`` installs it).
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np

from chainrule.train import History
from chainrule.viz._figure import new_figure, save

FEW_EPOCHS = 3  # up to this many epochs, a history with every batch's loss is drawn per batch
TRAIN_COLOUR = "#2563eb"
TEST_COLOUR = "#ea580c"


def plot_history(history: History | Mapping[str, Any], path: str | os.PathLike | None = None,
                 title: str | None = None) -> Any:
    """Draw the training loss per epoch, the validation (or test) loss and accuracy at each evaluation.

    Args:
        history: what `Trainer.fit` returned, or its ``as_dict()`` (e.g. read back from JSON).
        path: where to save the picture (PNG unless the suffix says otherwise), if given.
        title: a title above the panels.

    The loss panel is on the left; the accuracy panel appears on the right when
    the history has accuracies (classifiers); when the learning rate changed during
    training (a schedule), a small panel under the loss shows it. The training loss
    is the mean over each epoch's batches (in training mode, so with dropout); the
    test values are measured after the epoch. When fit held out a validation set,
    the evaluations are on it, and so are the curves.

    A run of few epochs (at most `FEW_EPOCHS`) whose history has every batch's
    loss is drawn per batch instead — the training loss smoothed over a few
    batches, the evaluations at the batch that ended their epoch — so a one-epoch
    run shows how it learned, not a single point.

    Returns the matplotlib Figure.
    """
    record = _as_record(history)
    epochs = np.arange(1, len(record["train_loss"]) + 1)
    eval_epochs = record["eval_epochs"]
    which = "validation" if record["validation_loss"] else "test"
    record["test_loss"], record["test_accuracy"] = record[f"{which}_loss"], record[f"{which}_accuracy"]
    has_accuracy = len(record["test_accuracy"]) > 0
    lr = record["lr"]
    lr_varies = len(lr) > 1 and not np.allclose(lr, lr[0])
    unit, lr_x = "epoch", epochs
    per_batch = 0 < len(epochs) <= FEW_EPOCHS and len(record["batch_loss"]) > len(epochs)
    if per_batch:  # x counts batches: each epoch ends at a multiple of the batches per epoch
        per_epoch = len(record["batch_loss"]) // len(epochs)
        unit, lr_x = "batch", (epochs - 1) * per_epoch + 1
        eval_epochs = [e * per_epoch for e in eval_epochs]

    columns = 2 if has_accuracy else 1
    figure = new_figure(5.0 * columns, 4.5 if lr_varies else 3.6)
    grid = figure.add_gridspec(2 if lr_varies else 1, columns, height_ratios=[3, 1] if lr_varies else None)
    loss_axes = figure.add_subplot(grid[0, 0])
    if per_batch:
        window = max(1, len(record["batch_loss"]) // 50)
        smoothed = np.convolve(record["batch_loss"], np.ones(window) / window, mode="valid")
        loss_axes.plot(np.arange(window, len(record["batch_loss"]) + 1), smoothed, color=TRAIN_COLOUR,
                       label=f"training loss (mean of {window} batches)" if window > 1 else "training loss")
    elif len(epochs):
        loss_axes.plot(epochs, record["train_loss"], color=TRAIN_COLOUR, label="training loss")
    if len(eval_epochs):
        loss_axes.plot(eval_epochs, record["test_loss"], "o-", color=TEST_COLOUR, markersize=3, label=f"{which} loss")
    best = record.get("best_epoch")
    if best is not None and best in record["eval_epochs"] and best != record["eval_epochs"][-1] and not per_batch:
        loss_axes.axvline(best, color="#6b7280", linestyle=":", linewidth=1, label=f"lowest {which} loss (epoch {best})")
    loss_axes.set_ylabel("loss")
    loss_axes.set_title("loss")
    loss_axes.legend(frameon=False)
    loss_axes.grid(alpha=0.3)
    if _spans_decades(record["train_loss"] + record["test_loss"]):
        loss_axes.set_yscale("log")

    if lr_varies:
        lr_axes = figure.add_subplot(grid[1, 0], sharex=loss_axes)
        lr_axes.plot(lr_x, lr, color="#6b7280", drawstyle="steps-post")
        lr_axes.set_ylabel("learning rate")
        lr_axes.set_xlabel(unit)
        lr_axes.grid(alpha=0.3)
        loss_axes.tick_params(labelbottom=False)
    else:
        loss_axes.set_xlabel(unit)

    if has_accuracy:
        accuracy_axes = figure.add_subplot(grid[:, 1])
        accuracy = 100 * np.asarray(record["test_accuracy"], dtype=float)
        accuracy_axes.plot(eval_epochs, accuracy, "o-", color=TEST_COLOUR, markersize=3)
        accuracy_axes.set_title(f"{which} accuracy (last {accuracy[-1]:.2f} %)")
        accuracy_axes.set_ylabel("accuracy (%)")
        accuracy_axes.set_xlabel(unit)
        accuracy_axes.grid(alpha=0.3)
    from matplotlib.ticker import MaxNLocator

    for axes in figure.axes:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs and batches are whole numbers
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    save(figure, path)
    return figure


def _as_record(history: Any) -> dict[str, Any]:
    """The history's fields as a dict of lists, checked for the lengths that belong together."""
    if isinstance(history, History):
        record = history.as_dict()
    elif isinstance(history, Mapping):
        record = dict(history)
    else:
        raise TypeError(
            f"plot_history: expected the History that Trainer.fit returns (or its as_dict()), "
            f"got {type(history).__name__}"
        )
    for key in ("train_loss", "eval_epochs", "test_loss", "test_accuracy", "lr", "validation_loss",
                "validation_accuracy", "batch_loss"):
        record[key] = [float(v) for v in record.get(key) or []]
    if not record["train_loss"] and not record["test_loss"] and not record["validation_loss"]:
        raise ValueError("plot_history: the history is empty (no epoch was trained): nothing to plot")
    evaluations = len(record["eval_epochs"])
    if len(record["validation_loss"] or record["test_loss"]) != evaluations:
        raise ValueError(
            f"plot_history: {len(record['validation_loss'] or record['test_loss'])} evaluations for {evaluations} eval_epochs; "
            "the two lists must have the same length"
        )
    accuracies = record["validation_accuracy"] or record["test_accuracy"]
    if accuracies and len(accuracies) != evaluations:
        raise ValueError(
            f"plot_history: {len(accuracies)} accuracies for {evaluations} eval_epochs; "
            "the two lists must have the same length"
        )
    if record["lr"] and len(record["lr"]) != len(record["train_loss"]):
        record["lr"] = []  # a learning rate per epoch or none at all
    return record


def _spans_decades(values: list[float]) -> bool:
    """True when the positive finite losses cover more than two powers of ten (a log axis reads better)."""
    finite = np.asarray([v for v in values if np.isfinite(v)])
    return bool(len(finite)) and bool(finite.min() > 0) and finite.max() / finite.min() > 100
