"""Trainer: learning, evaluation schedule, early stopping that restores the best weights, seeds."""

import numpy as np
import pytest

import chainrule as cr


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64)
    return X, y


def _net(seed=0):
    return cr.NeuralNetwork([cr.Dense(16, "tanh"), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=seed)


def test_fit_learns_and_records_history():
    X, y = _data()
    history = cr.Trainer(_net(), cr.SGDMomentum(lr=0.1), quiet=True).fit(X, y, X, y, epochs=30, eval_every=10, batch_size=20)
    assert history.eval_epochs == [10, 20, 30]
    assert len(history.train_loss) == 30 and history.train_loss[-1] < history.train_loss[0]
    assert history.test_accuracy[-1] > 0.85


def test_same_seeds_same_result_and_different_seed_differs():
    X, y = _data()

    def run(fit_seed):
        net = _net()
        cr.Trainer(net, cr.SGD(lr=0.1), quiet=True).fit(X, y, epochs=2, batch_size=32, seed=fit_seed)
        return net.parameters()[0].data.copy()

    np.testing.assert_array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))


def test_book_decay_sets_the_learning_rate_of_each_epoch():
    X, y = _data(60)
    optimizer = cr.SGDMomentum(lr=0.2, final_lr=0.05, decay_type="exponential")
    history = cr.Trainer(_net(), optimizer, quiet=True).fit(X, y, epochs=5, batch_size=30)
    np.testing.assert_allclose(history.lr, 0.2 * (0.25 ** (np.arange(5) / 4)))


def test_early_stopping_really_restores_the_best_weights():
    X, y = _data(100)
    X_test, y_test = _data(100, seed=1)
    net = _net()
    trainer = cr.Trainer(net, cr.SGD(lr=5.0), quiet=True)  # a rate high enough to make the test loss jump about
    snapshots = {}
    original = net.evaluate

    def evaluate_and_remember(X_, y_, batch_size=1000):
        scores = original(X_, y_, batch_size)
        snapshots[len(snapshots) + 1] = (scores["loss"], net.state_dict())
        return scores

    net.evaluate = evaluate_and_remember
    history = trainer.fit(X, y, X_test, y_test, epochs=40, eval_every=1, batch_size=10, patience=3)
    best = min(snapshots, key=lambda k: snapshots[k][0])
    assert history.best_epoch == best
    for name, value in snapshots[best][1].items():
        np.testing.assert_array_equal(net.state_dict()[name], value, err_msg=name)


def test_without_early_stopping_the_last_weights_stay():
    X, y = _data(80)
    net = _net()
    history = cr.Trainer(net, cr.SGD(lr=0.05), quiet=True).fit(X, y, X, y, epochs=3, eval_every=1, early_stopping=False)
    assert not history.stopped_early and len(history.test_loss) == 3


def test_bad_data_is_explained():
    X, y = _data(10)
    trainer = cr.Trainer(_net(), cr.SGD(lr=0.1), quiet=True)
    with pytest.raises(ValueError, match="10 samples but the targets have 9"):
        trainer.fit(X, y[:9])
    with pytest.raises(ValueError, match="empty"):
        trainer.fit(X[:0], y[:0])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        trainer.fit(bad, y)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        trainer.fit(X, y, batch_size=0)


def test_trainer_prints_progress_lines(capsys):
    X, y = _data(40)
    cr.Trainer(_net(), cr.SGD(lr=0.1)).fit(X, y, X, y, epochs=2, eval_every=1, batch_size=20)
    out = capsys.readouterr().out
    assert "epoch 1/2" in out and "test accuracy" in out
