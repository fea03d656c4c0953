"""Checkpoints within an epoch (every N batches or seconds): a one-epoch run interrupted half-way resumes to
the uninterrupted weights; resuming a finished run says so."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.checkpoint import checkpoint_path
from chainrule.io import read_archive


def _problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6)).astype(np.float32)
    y = (X[:, :2].sum(axis=1) > 0).astype(np.int64)
    return X, y


def _run(directory=None, resume=False, stop_after=None, epochs=1, **options):
    """Train (from a fresh net and optimizer); with `stop_after`, Ctrl-C arrives after that many steps."""
    X, y = _problem()
    net = cr.NeuralNetwork([cr.Dense(16, "tanh"), cr.Dropout(0.3), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=3)
    optimizer = cr.SGDMomentum(lr=0.05, momentum=0.9)
    if stop_after is not None:
        step, steps = optimizer.step, []

        def interrupted_step():
            if len(steps) == stop_after:
                raise KeyboardInterrupt
            steps.append(1)
            step()

        optimizer.step = interrupted_step
    trainer = cr.Trainer(net, optimizer, quiet=True)
    history = trainer.fit(X, y, X[:50], y[:50], epochs=epochs, batch_size=10, seed=4, checkpoint_dir=directory,
                          resume=resume, **options)
    return net, history


def test_a_one_epoch_run_stopped_half_way_resumes_to_the_uninterrupted_weights(tmp_path):
    reference, reference_history = _run()
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, stop_after=17, checkpoint_every_batches=5)
    meta = read_archive(checkpoint_path(tmp_path))[1]
    assert (meta["next_epoch"], meta["next_batch"]) == (0, 15)  # the last checkpoint due before the interruption
    resumed, history = _run(tmp_path, resume=True, checkpoint_every_batches=5)
    for name, value in reference.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[name], value, err_msg=name)
    assert history.train_loss == pytest.approx(reference_history.train_loss, rel=1e-6)
    assert history.batch_loss == pytest.approx(reference_history.batch_loss, rel=1e-6)


def test_time_based_checkpoints_are_written_within_the_epoch(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, stop_after=4, checkpoint_seconds=1e-9)
    assert read_archive(checkpoint_path(tmp_path))[1]["next_batch"] == 4


def test_resuming_a_finished_run_says_it_already_finished(tmp_path, capsys):
    _run(tmp_path, epochs=2)
    X, y = _problem()
    net = cr.NeuralNetwork([cr.Dense(16, "tanh"), cr.Dropout(0.3), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=3)
    cr.Trainer(net, cr.SGDMomentum(lr=0.05, momentum=0.9)).fit(
        X, y, X[:50], y[:50], epochs=2, batch_size=10, seed=4, checkpoint_dir=tmp_path, resume=True)
    out = capsys.readouterr().out
    assert "already finished its 2 epochs" in out and "epoch 3" not in out
