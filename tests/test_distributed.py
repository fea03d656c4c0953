"""Data-parallel training (chainrule.distributed): two ranks on loopback train like one process.

Each test launches ``mpiexec -n 2`` on a small script (below) in a subprocess with a
timeout, and compares what rank 0 saved with one process trained in this test. They
are skipped where mpi4py or mpiexec is missing (`.ci/run` installs ``chainrule[mpi]``).
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from chainrule.distributed import Communicator

SRC = str(Path(__file__).resolve().parents[1] / "src")

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import chainrule as cr
    from chainrule.layers import BatchNorm, Conv2D, MaxPool2D

    # (samples, global batch, epochs): the MLP's last batch has 1 row, so rank 1's shard of it is empty;
    # the CNN's has 5 rows, split 3 + 2. About 220 and 200 optimizer steps.
    SIZES = {"mlp": (201, 20, 20), "cnn": (117, 16, 25), "cnn-bn": (117, 16, 10)}

    def problem(kind, bad_row=None):
        rng = np.random.default_rng(0)
        n = SIZES[kind][0]
        X = rng.standard_normal((n, 6) if kind == "mlp" else (n, 1, 8, 8))
        if kind == "cnn-bn":
            X = 3 + 2 * X  # statistics far from (0, 1)
        y = (X.reshape(n, -1)[:, :3].sum(axis=1) > 0).astype(np.int64) + (X.reshape(n, -1)[:, 3] > 1)
        if bad_row is not None:
            y[bad_row] = 7  # a label out of range: the rank whose shard holds it fails
        return X, y

    def network(kind, dtype):
        if kind == "mlp":
            layers = [cr.Dense(16, "tanh"), cr.Dense(3)]
        elif kind == "cnn":
            layers = [Conv2D(4, 3, padding=1, activation="tanh"), MaxPool2D(2), cr.Flatten(), cr.Dense(3)]
        else:  # statistics of the whole batch, summed over the ranks (no bias before it: its gradient is 0)
            layers = [Conv2D(4, 3, padding=1, bias=False), BatchNorm(sync=True), cr.Tanh(), MaxPool2D(2), cr.Flatten(),
                      cr.Dense(3)]
        return cr.NeuralNetwork(layers, cr.SoftmaxCrossEntropy(), seed=5).to(dtype)

    def train(kind, dtype="float64", checkpoint_dir=None, resume=False, stop_at=None, bad_row=None):
        X, y = problem(kind, bad_row)
        X = X.astype(dtype)
        net = network(kind, dtype)
        if kind == "mlp":  # momentum and a decaying rate
            optimizer = cr.SGDMomentum(lr=0.1, final_lr=0.02, decay_type="exponential")
        else:  # Adam, with clipping by the norm of the whole batch's gradient
            optimizer = cr.Adam(lr=0.01, clip_norm=1.0)
        if stop_at is not None:  # an interruption at the start of epoch `stop_at`, on every rank
            start_epoch = optimizer.start_epoch
            def stopping(epoch, total):
                if epoch == stop_at:
                    raise KeyboardInterrupt
                start_epoch(epoch, total)
            optimizer.start_epoch = stopping
        samples, batch, epochs = SIZES[kind]
        cr.Trainer(net, optimizer, quiet=True).fit(
            X, y, X[:50], y[:50], epochs=epochs, eval_every=3, batch_size=batch, seed=3, patience=100,
            checkpoint_dir=checkpoint_dir, resume=resume)
        return net

    KINDS = ("mlp", "cnn", "cnn-bn")

    def weights(net):  # parameters and buffers (BatchNorm's running averages)
        return net.state_dict()

    if __name__ == "__main__":
        from chainrule.distributed import world
        mode, out = sys.argv[1], sys.argv[2]
        if mode == "equivalence":
            runs = {f"{kind}-{dtype}": train(kind, dtype) for kind in KINDS for dtype in ("float64", "float32")}
            if world().is_root:
                np.savez(out, **{f"{run}/{k}": v for run, net in runs.items() for k, v in weights(net).items()})
        elif mode == "interrupted":
            try:
                train("mlp", checkpoint_dir=out, stop_at=8)
            except KeyboardInterrupt:
                pass
        elif mode == "resume":
            net = train("mlp", checkpoint_dir=out, resume=True)
            if world().is_root:
                np.savez(out + "/final.npz", **weights(net))
        elif mode == "bad-shard":
            train("mlp", bad_row=int(sys.argv[3]))
""")


def _mpiexec() -> str | None:
    found = shutil.which("mpiexec", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return found if found and importlib.util.find_spec("mpi4py") is not None else None


MPIEXEC = _mpiexec()
needs_mpi = pytest.mark.skipif(MPIEXEC is None, reason="needs mpi4py and mpiexec: pip install 'chainrule[mpi]'")


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    path = tmp_path_factory.mktemp("mpi") / "job.py"
    path.write_text(SCRIPT)
    namespace = {}
    exec(compile(SCRIPT, str(path), "exec"), namespace)
    namespace["path"] = path
    return namespace


def run_ranks(ranks, *args, timeout=120):
    """`mpiexec -n ranks python args…` with this checkout on the path; the finished process."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")])))
    for name in [k for k in env if k.startswith(("PMI_", "OMPI_", "MV2_", "PMIX_"))]:
        del env[name]  # never inherit a launcher's variables (pytest itself run under mpiexec)
    command = [MPIEXEC, "-n", str(ranks), sys.executable, *map(str, args)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def assert_same_weights(got, expected, rtol, atol, what):
    assert got.keys() == expected.keys()
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=rtol, atol=atol, err_msg=f"{what}: {name}")


def test_shards_are_disjoint_cover_the_batch_and_weigh_it_exactly():
    rows = np.arange(23)
    for size in (1, 2, 3, 4, 30):
        parts = [_shard(rows, rank, size) for rank in range(size)]
        np.testing.assert_array_equal(np.concatenate([p for p, _ in parts]), rows)
        assert sum(share for _, share in parts) == pytest.approx(1.0)
        assert all(share == len(p) / len(rows) for p, share in parts)
        assert max(len(p) for p, _ in parts) - min(len(p) for p, _ in parts) <= 1


def _shard(rows, rank, size, synchronised=False):
    communicator = Communicator()
    communicator.rank, communicator.size, communicator._synchronised = rank, size, synchronised
    return communicator.shard(rows)


def test_synchronised_batchnorm_refuses_a_batch_that_leaves_a_rank_without_rows():
    assert len(_shard(np.arange(1), 1, 2)[0]) == 0  # an empty shard is fine without it
    with pytest.raises(ValueError, match=r"BatchNorm\(sync=True\).*batch_size"):
        _shard(np.arange(1), 1, 2, synchronised=True)


@needs_mpi
def test_two_ranks_end_with_the_weights_of_one_process_with_the_same_global_batch(script, tmp_path):
    """A small MLP, a small CNN and a CNN with BatchNorm(sync=True), in float64 and float32."""
    out = tmp_path / "weights.npz"
    job = run_ranks(2, script["path"], "equivalence", out)
    assert job.returncode == 0, job.stderr
    saved = np.load(out)
    for kind in script["KINDS"]:
        for dtype, rtol, atol in (("float64", 1e-9, 1e-11), ("float32", 2e-4, 2e-5)):
            expected = script["weights"](script["train"](kind, dtype))
            got = {name: saved[f"{kind}-{dtype}/{name}"] for name in expected}
            assert got[next(iter(got))].dtype == np.dtype(dtype)
            assert_same_weights(got, expected, rtol, atol, f"{kind} in {dtype}")


@needs_mpi
def test_checkpoint_under_two_ranks_resumes_under_one_to_the_uninterrupted_weights(script, tmp_path):
    job = run_ranks(2, script["path"], "interrupted", tmp_path)
    assert job.returncode == 0, job.stderr
    resumed = script["weights"](script["train"]("mlp", checkpoint_dir=str(tmp_path), resume=True))
    uninterrupted = script["weights"](script["train"]("mlp"))
    assert_same_weights(resumed, uninterrupted, 1e-9, 1e-11, "2 ranks, then 1")


@needs_mpi
def test_checkpoint_of_one_process_resumes_under_two_ranks_to_the_uninterrupted_weights(script, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        script["train"]("mlp", checkpoint_dir=str(tmp_path), stop_at=8)
    job = run_ranks(2, script["path"], "resume", tmp_path)
    assert job.returncode == 0, job.stderr
    resumed = dict(np.load(tmp_path / "final.npz"))
    assert_same_weights(resumed, script["weights"](script["train"]("mlp")), 1e-9, 1e-11, "1 process, then 2 ranks")


@needs_mpi
def test_a_rank_that_fails_ends_the_job_with_its_error_instead_of_hanging(script):
    started = time.perf_counter()
    job = run_ranks(2, script["path"], "bad-shard", "-", 150, timeout=60)  # a hang would take the whole timeout
    seconds = time.perf_counter() - started
    assert job.returncode != 0
    assert "labels must be in 0..2" in job.stderr
    assert "chainrule: rank" in job.stderr and "of 2 failed: ValueError" in job.stderr
    assert seconds < 30, f"the job took {seconds:.0f} s to end after one rank failed"


@needs_mpi
def test_mpiexec_chainrule_train_prints_and_saves_once_with_the_per_rank_batch(tmp_path):
    model = tmp_path / "toy.npz"
    job = run_ranks(2, "-m", "chainrule", "train", "toy-2d", "--quick", "--epochs", "2", "--quiet",
                    "--per-rank-batch", "16", "--save", model)
    assert job.returncode == 0, job.stderr
    assert job.stdout.count("2 ranks, global batch 32") == 1, job.stdout
    assert job.stdout.count(f"saved to {model}") == 1
    assert model.exists() and (tmp_path / "toy-checkpoint" / "checkpoint.npz").exists()


@needs_mpi
def test_each_rank_gets_one_blas_thread_unless_told():
    # one write per rank (print writes its pieces one by one when unbuffered, and the ranks' pieces interleave)
    code = ("import os, sys, chainrule; "
            "sys.stdout.write(os.environ['OPENBLAS_NUM_THREADS'] + ' ' + os.environ['OMP_NUM_THREADS'] + '\\n')")
    env_names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
    saved = {name: os.environ.pop(name) for name in env_names if name in os.environ}
    try:
        job = run_ranks(2, "-c", code)
        os.environ["OMP_NUM_THREADS"] = "2"
        told = run_ranks(2, "-c", "import os, sys, chainrule; "
                                  "sys.stdout.write(str(os.environ.get('OPENBLAS_NUM_THREADS')) + '\\n')")
    finally:
        os.environ.pop("OMP_NUM_THREADS", None)
        os.environ.update(saved)
    assert job.returncode == 0, job.stderr
    assert job.stdout.split() == ["1", "1", "1", "1"]
    assert told.stdout.split() == ["None", "None"]


def test_outside_mpiexec_chainrule_never_imports_mpi4py_and_trains_alone(tmp_path):
    code = ("import sys, numpy as np, chainrule as cr\n"
            "net = cr.NeuralNetwork([cr.Dense(1)], cr.MeanSquaredError(), seed=0)\n"
            "trainer = cr.Trainer(net, cr.SGD(lr=0.1), quiet=True)\n"
            "trainer.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, batch_size=2)\n"
            "print(type(trainer.communicator).__name__, 'mpi4py' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_", "MV2_", "PMIX_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Communicator", "False"]
