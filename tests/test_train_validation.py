"""Trainer.fit's teaching method: a validation set taken from the training data, the test set scored once,
early stopping opt-in with a patience above 1, and the book's four-array call still working."""

import inspect

import numpy as np
import pytest

import chainrule as cr
from test_train import _data, _net


def _spy_on_evaluate(net):
    """Record the number of samples of every set `net.evaluate` scores."""
    seen = []
    original = net.evaluate

    def evaluate(X, y, batch_size=256):
        seen.append(len(X))
        return original(X, y, batch_size)

    net.evaluate = evaluate
    return seen


def test_early_stopping_is_opt_in_and_its_patience_is_not_one():
    parameters = inspect.signature(cr.Trainer.fit).parameters
    assert parameters["early_stopping"].default is False
    assert parameters["patience"].default > 1


def test_the_books_call_trains_every_epoch_even_when_the_test_loss_jumps_about():
    X, y = _data(100)
    X_test, y_test = _data(100, seed=1)
    history = cr.Trainer(_net(), cr.SGD(lr=5.0), quiet=True).fit(X, y, X_test, y_test, epochs=20, eval_every=1,
                                                                 batch_size=10)
    rises = sum(b > a for a, b in zip(history.test_loss, history.test_loss[1:]))
    assert rises > 0, "the test loss never rose: the test proves nothing"
    assert not history.stopped_early and len(history.train_loss) == 20 and len(history.test_loss) == 20
    assert history.final_test_loss == pytest.approx(history.test_loss[-1])  # the last weights are returned


def test_validation_split_holds_out_the_tail_and_the_test_set_is_scored_once():
    X, y = _data(200)
    X_test, y_test = _data(77, seed=1)
    net = _net()
    seen = _spy_on_evaluate(net)
    history = cr.Trainer(net, cr.SGDMomentum(lr=0.1), quiet=True).fit(
        X, y, X_test, y_test, epochs=12, eval_every=3, batch_size=20, validation_split=0.25,
        early_stopping=True, patience=2)
    assert seen[:-1] == [50] * len(history.eval_epochs) and seen[-1] == 77  # validation each time, test once
    assert len(history.validation_loss) == len(history.validation_accuracy) == len(history.eval_epochs)
    assert history.test_loss == [] and history.final_test_accuracy == net.evaluate(X_test, y_test)["accuracy"]


def test_validation_data_is_watched_by_early_stopping():
    X, y = _data(100)
    X_val, y_val = _data(60, seed=2)
    X_test, y_test = _data(40, seed=3)
    net = _net()
    seen = _spy_on_evaluate(net)
    history = cr.Trainer(net, cr.SGD(lr=5.0), quiet=True).fit(
        X, y, X_test, y_test, epochs=40, eval_every=1, batch_size=10, validation_data=(X_val, y_val),
        early_stopping=True, patience=3)
    assert set(seen[:-1]) == {60} and seen[-1] == 40
    best = int(np.argmin(history.validation_loss))
    assert history.best_epoch == history.eval_epochs[best]
    np.testing.assert_allclose(net.evaluate(X_val, y_val)["loss"], history.validation_loss[best], rtol=1e-6)


def test_validation_arguments_are_checked():
    X, y = _data(20)
    trainer = cr.Trainer(_net(), cr.SGD(lr=0.1), quiet=True)
    with pytest.raises(ValueError, match="between 0 and 1"):
        trainer.fit(X, y, validation_split=1.5)
    with pytest.raises(ValueError, match="not both"):
        trainer.fit(X, y, validation_split=0.1, validation_data=(X, y))


def test_early_stopping_on_the_test_set_says_it_is_the_books_method(capsys):
    X, y = _data(40)
    cr.Trainer(_net(), cr.SGD(lr=0.1)).fit(X, y, X, y, epochs=1, batch_size=20, early_stopping=True)
    assert "watches the test set" in capsys.readouterr().out
