"""plot_history for short runs (per batch, integer ticks) and for runs with a validation set."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import chainrule as cr  # noqa: E402
from chainrule.viz import plot_history  # noqa: E402


def test_a_one_epoch_run_is_drawn_per_batch_with_integer_ticks():
    batches = list(np.linspace(2.3, 0.3, 400) + 0.05 * np.sin(np.arange(400)))
    history = cr.History(train_loss=[float(np.mean(batches))], lr=[0.01], epoch_seconds=[1.0], eval_epochs=[1],
                         test_loss=[0.35], test_accuracy=[0.9], batch_loss=batches)
    figure = plot_history(history)
    loss_axes = figure.axes[0]
    training = loss_axes.get_lines()[0]
    assert len(training.get_xdata()) > 100  # a curve, not the one point of one epoch
    assert loss_axes.get_xlabel() == "batch"
    assert loss_axes.get_lines()[1].get_xdata()[0] == 400  # the evaluation after the epoch's last batch
    for axes in figure.axes:
        ticks = axes.get_xticks()
        assert np.allclose(ticks, np.round(ticks)), ticks


def test_a_run_with_a_validation_set_draws_the_validation_curve():
    X = np.random.default_rng(0).normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    net = cr.NeuralNetwork([cr.Dense(4, "tanh"), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=0)
    history = cr.Trainer(net, cr.SGD(lr=0.1), quiet=True).fit(X, y, X[:50], y[:50], epochs=6, eval_every=2,
                                                              validation_split=0.2)
    figure = plot_history(history)
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert "validation loss" in labels and figure.axes[-1].get_title().startswith("validation accuracy")
