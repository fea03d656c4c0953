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
    assert len(history.epoch_seconds) == 30 and all(s > 0 for s in history.epoch_seconds)
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
    history = trainer.fit(X, y, X_test, y_test, epochs=40, eval_every=1, batch_size=10, early_stopping=True,
                          patience=3)
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


def test_non_finite_loss_stops_with_the_place_and_keeps_the_last_good_weights():
    X, _ = _data(64)
    y = X @ np.ones((4, 1))
    net = cr.NeuralNetwork([cr.Dense(1)], cr.MeanSquaredError(), seed=0)
    trainer = cr.Trainer(net, cr.SGD(lr=50.0), quiet=True)  # far too large: the weights blow up geometrically
    with pytest.raises(cr.NonFiniteError, match=r"epoch \d+, batch \d+ of 4: the (loss|gradient)") as caught:
        trainer.fit(X, y, epochs=50, batch_size=16)
    assert all(np.all(np.isfinite(p.data)) for p in net.parameters())
    assert len(caught.value.history.lr) >= 1


def test_non_finite_gradient_names_the_parameter():
    class Spike(cr.Layer):  # sqrt at 0 has an infinite derivative: 0·∞ gives NaN
        def __init__(self):
            super().__init__()
            self.scale = cr.Parameter([1.0])

        def forward(self, x):
            return cr.sqrt(x * self.scale * 0.0) + x

    net = cr.NeuralNetwork([Spike(), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=0)
    X, y = _data(16)
    with pytest.raises(cr.NonFiniteError, match="the gradient of layers.0.scale is not finite"):
        cr.Trainer(net, cr.SGD(lr=0.1), quiet=True).fit(X, y, epochs=1, batch_size=8)


def test_skip_mode_drops_bad_batches_and_goes_on():
    X, _ = _data(64)
    y = X[:, :1].copy()
    y[5] = 1e30  # one poisoned target: the squared error of its batch overflows float32
    net = cr.NeuralNetwork([cr.Dense(8, "tanh"), cr.Dense(1)], cr.MeanSquaredError(), seed=0)
    history = cr.Trainer(net, cr.SGD(lr=0.05), quiet=True).fit(X, y, epochs=2, batch_size=16, on_nonfinite="skip")
    assert len(history.skipped_batches) == 2 and history.skipped_batches[0].startswith("epoch 1, batch")
    assert all(np.all(np.isfinite(p.data)) for p in net.parameters())


def test_memory_stays_flat_over_10000_mnist_sized_steps():
    """10,000 training steps of a 784-89-10 MLP: resident memory after warm-up must not grow."""

    def resident_kib():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

    rng = np.random.default_rng(0)
    X = rng.standard_normal((600, 784)).astype(np.float32)
    y = rng.integers(0, 10, 600)
    net = cr.NeuralNetwork([cr.Dense(89, "sigmoid"), cr.Dense(10)], cr.SoftmaxCrossEntropy(), seed=0)
    trainer = cr.Trainer(net, cr.SGDMomentum(lr=0.01), quiet=True)
    trainer.fit(X, y, epochs=20, batch_size=60)  # 200 steps of warm-up
    before = resident_kib()
    trainer.fit(X, y, epochs=980, batch_size=60, early_stopping=False)  # 9,800 more steps
    growth = resident_kib() - before
    assert growth < 4096, f"resident memory grew by {growth} KiB over 9,800 steps"


def test_bad_arguments_of_fit_are_explained():
    X, y = _data(10)
    trainer = cr.Trainer(_net(), cr.SGD(lr=0.1), quiet=True)
    with pytest.raises(ValueError, match="X_test and y_test go together"):
        trainer.fit(X, y, X)
    for seed in (-1, 1.5, "abc"):
        with pytest.raises(ValueError, match="fit: seed must be a non-negative integer"):
            trainer.fit(X, y, seed=seed)
    with pytest.raises(ValueError, match="fit: epochs must be a positive integer, got True"):
        trainer.fit(X, y, epochs=True)
    with pytest.raises(ValueError, match="fit: the training inputs must be a rectangular array"):
        trainer.fit([[1.0, 2.0, 3.0, 4.0], [1.0]], [0, 1])


def test_an_optimizer_of_another_network_is_refused():
    X, y = _data(20)
    other = cr.NeuralNetwork([cr.Dense(16, "tanh", input_size=4), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=1)
    net = cr.NeuralNetwork([cr.Dense(16, "tanh", input_size=4), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=0)
    before = [p.data.copy() for p in other.parameters()]
    with pytest.raises(ValueError, match="updates none of this network's parameters"):
        cr.Trainer(net, cr.SGD(other.parameters(), lr=0.1), quiet=True).fit(X, y, epochs=1)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, other.parameters()))  # nor was the other touched


def test_zero_eps_is_refused():
    for make in (cr.Adam, cr.AdamW, cr.RMSProp, cr.AdaGrad):
        with pytest.raises(ValueError, match=r"eps must be in \(0"):
            make(eps=0.0)


@pytest.mark.parametrize("mode", ["stop", "skip"])
def test_a_step_that_writes_non_finite_weights_is_undone(mode):
    """Finite loss and gradients, but an update that overflows float32: caught at that batch, weights kept."""
    X, y = _data(40)
    net = _net()
    net.predict(X[:1])
    initial = net.state_dict()
    trainer = cr.Trainer(net, cr.SGD(lr=1e300), quiet=True)  # the rate is inf in float32
    if mode == "stop":
        with pytest.raises(cr.NonFiniteError, match=r"epoch 1, batch 1 of 2: the update wrote non-finite values into "
                                                    r"layers\.0\.weight\. The weights are those before this batch"):
            trainer.fit(X, y, epochs=1, batch_size=20)
    else:
        history = trainer.fit(X, y, epochs=2, batch_size=20, on_nonfinite="skip")
        assert len(history.skipped_batches) == 4
    assert all(np.array_equal(initial[k], v) for k, v in net.state_dict().items())
