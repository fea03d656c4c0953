"""Checkpoints: atomic, complete, and a run killed with SIGKILL resumes to the very same weights."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.checkpoint import checkpoint_path
from chainrule.io import read_archive, write_archive

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import chainrule as cr

    def problem():
        rng = np.random.default_rng(0)
        X = rng.standard_normal((6000, 20)).astype(np.float32)
        y = (X[:, :3].sum(axis=1) > 0).astype(np.int64)
        return X, y

    def network():
        return cr.NeuralNetwork([cr.Dense(64, "tanh"), cr.Dropout(0.2), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=5)

    def train(checkpoint_dir=None, resume=False):
        X, y = problem()
        net = network()
        optimizer = cr.SGDMomentum(lr=0.05, final_lr=0.01, decay_type="exponential")
        cr.Trainer(net, optimizer, quiet=True).fit(
            X, y, X[:500], y[:500], epochs=8, eval_every=2, batch_size=8, seed=11,
            checkpoint_dir=checkpoint_dir, resume=resume)
        return net

    if __name__ == "__main__":
        train(sys.argv[1], resume=len(sys.argv) > 2)
""")


@pytest.fixture()
def script(tmp_path):
    path = tmp_path / "train_script.py"
    path.write_text(SCRIPT)
    return path


def _load(script):
    namespace = {}
    exec(compile(script.read_text(), str(script), "exec"), namespace)
    return namespace


def _next_epoch(directory):
    try:
        return read_archive(checkpoint_path(directory))[1]["next_epoch"]
    except (FileNotFoundError, ValueError):
        return 0


def test_sigkill_mid_epoch_then_resume_gives_the_uninterrupted_weights(script, tmp_path):
    directory = tmp_path / "ckpt"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    child = subprocess.Popen([sys.executable, str(script), str(directory)], env=env)
    deadline = time.time() + 120
    while _next_epoch(directory) < 3 and time.time() < deadline and child.poll() is None:
        time.sleep(0.01)
    time.sleep(0.05)  # into the next epoch
    assert child.poll() is None, "the run finished before it could be killed; make it longer"
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed_at = _next_epoch(directory)
    assert 3 <= killed_at < 8
    assert not [p for p in directory.iterdir() if p.name.endswith(".tmp")], "a half-written checkpoint was left"

    namespace = _load(script)
    resumed = namespace["train"](str(directory), resume=True)
    uninterrupted = namespace["train"]()
    for (name, a), (_, b) in zip(resumed.named_parameters(), uninterrupted.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


def test_resume_with_different_settings_is_refused(tmp_path):
    X = np.random.default_rng(0).standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(np.int64)

    def trainer():
        net = cr.NeuralNetwork([cr.Dense(4, "tanh"), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=0)
        return cr.Trainer(net, cr.SGD(lr=0.1), quiet=True)

    trainer().fit(X, y, epochs=2, batch_size=8, checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="batch_size: 8 in the checkpoint, 10 now"):
        trainer().fit(X, y, epochs=2, batch_size=10, checkpoint_dir=tmp_path, resume=True)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        trainer().fit(X, y, epochs=2, batch_size=8, checkpoint_dir=tmp_path / "empty", resume=True)
    with pytest.raises(ValueError, match="needs checkpoint_dir"):
        trainer().fit(X, y, resume=True)


def test_a_saved_model_is_not_a_checkpoint(tmp_path):
    net = cr.NeuralNetwork([cr.Dense(2, input_size=2)], cr.MeanSquaredError())
    net.save(checkpoint_path(tmp_path))
    with pytest.raises(cr.ModelFileError, match="not a training checkpoint"):
        cr.Trainer(net, cr.SGD(lr=0.1), quiet=True).fit(np.ones((4, 2)), np.ones((4, 2)), checkpoint_dir=tmp_path,
                                                        resume=True)


def _checkpointed(tmp_path, lr=0.1, seed=0):
    X = np.random.default_rng(seed).standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(np.int64)

    def trainer(rate=lr):
        net = cr.NeuralNetwork([cr.Dense(4, "tanh"), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=0)
        return cr.Trainer(net, cr.SGD(lr=rate), quiet=True)

    trainer().fit(X, y, epochs=2, batch_size=8, checkpoint_dir=tmp_path)
    return trainer, X, y


def _edit(tmp_path, change):
    arrays, meta = read_archive(checkpoint_path(tmp_path))
    change(meta)
    write_archive(checkpoint_path(tmp_path), arrays, meta)  # a valid archive, checksums and all


@pytest.mark.parametrize("change", [
    lambda meta: meta.pop("settings"),
    lambda meta: meta.update(settings=[1, 2]),
    lambda meta: meta.pop("optimizer"),
    lambda meta: meta["optimizer"].update(steps="many"),
    lambda meta: meta.update(layer_rngs={"layers.9": {}}),
    lambda meta: meta["layer_rngs"].update({"layers.0": {"state": "x"}}),
    lambda meta: meta.update(next_epoch=10**9),
    lambda meta: meta.update(next_epoch=-1),
    lambda meta: meta.update(next_epoch="1"),
    lambda meta: meta.update(stale=None),
    lambda meta: meta.update(history={"nonsense": [1]}),
    lambda meta: meta.update(shuffle_rng={"bit_generator": "PCG64"}),
    lambda meta: meta.pop("best_loss"),
])
def test_an_edited_checkpoint_is_a_model_file_error(tmp_path, change):
    trainer, X, y = _checkpointed(tmp_path)
    _edit(tmp_path, change)
    with pytest.raises(cr.ModelFileError, match="checkpoint"):
        trainer().fit(X, y, epochs=2, batch_size=8, checkpoint_dir=tmp_path, resume=True)


def test_resuming_with_another_learning_rate_or_other_data_is_refused(tmp_path):
    trainer, X, y = _checkpointed(tmp_path)
    with pytest.raises(ValueError, match="lr: 0.1 in the checkpoint, 0.5 now"):
        trainer(0.5).fit(X, y, epochs=2, batch_size=8, checkpoint_dir=tmp_path, resume=True)
    other = X.copy()
    other[0, 0] += 1.0  # the same size, one number different
    with pytest.raises(ValueError, match="data: "):
        trainer().fit(other, y, epochs=2, batch_size=8, checkpoint_dir=tmp_path, resume=True)
    trainer().fit(X, y, epochs=2, batch_size=8, checkpoint_dir=tmp_path, resume=True)  # the same run resumes


def test_temporaries_left_by_a_killed_write_are_removed(tmp_path):
    trainer, X, y = _checkpointed(tmp_path)
    stale = tmp_path / "checkpoint.npz.ab_cd123.tmp"  # the name write_archive gives; full size, as a kill leaves it
    stale.write_bytes(checkpoint_path(tmp_path).read_bytes())
    mine = tmp_path / "notes.tmp"
    mine.write_text("not ours")
    trainer().fit(X, y, epochs=2, batch_size=8, checkpoint_dir=tmp_path, resume=True)
    assert not stale.exists() and mine.exists()
