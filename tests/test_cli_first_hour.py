"""A new user's first hour with the command line (issue 17), each through the real `chainrule` program.

Every run is `python -m chainrule ...` in a subprocess, from a fresh folder, without CHAINRULE_DATA or
--data (the checkout's data/ must be found) and with an empty user cache.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.io import read_archive

SRC = str(Path(cr.__file__).resolve().parents[1])  # the chainrule under test


@pytest.fixture
def env(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "CHAINRULE_DATA"}
    environment.update(PYTHONPATH=SRC, XDG_CACHE_HOME=str(tmp_path / "empty-cache"))
    return environment


def chainrule(*args, cwd, env, check=0, timeout=300):
    result = subprocess.run([sys.executable, "-m", "chainrule", *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == check, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def start(*args, cwd, env):
    return subprocess.Popen([sys.executable, "-m", "chainrule", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(path, process, seconds=120):
    deadline = time.monotonic() + seconds
    while not Path(path).exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before it could be interrupted"


# ------------------------------------------------------------------ items 2, 6, 7, 8, 18


def test_boston_finds_the_checkouts_data_and_reports_mae_and_rmse_of_a_smoke_run(tmp_path, env):
    result = chainrule("train", "boston", "--quick", cwd=tmp_path, env=env)
    final = result.stdout.splitlines()[-2]
    assert re.match(r"test MAE \d+\.\d+  RMSE \d+\.\d+", final), final  # like reproduce ch2, not the MSE
    assert "quick smoke run" in result.stdout and "the book printed" not in result.stdout  # no full-run number
    assert "\r" not in result.stdout + result.stderr  # not a terminal: no progress-bar frames in the log
    assert (tmp_path / "runs" / "boston.npz").exists()
    full = chainrule("train", "boston", "--quiet", cwd=tmp_path, env=env).stdout.splitlines()[-2]
    assert full.startswith("test MAE") and "(the book printed MAE 2.60, RMSE 3.89)" in full


# ------------------------------------------------------------------ items 5, 11, 15, 16


def test_mnist_mlp_quick_learns_in_its_last_epoch_and_info_and_evaluate_describe_it(tmp_path, env):
    out = chainrule("train", "mnist-mlp", "--quick", "--seed", "7", "--save", "m.npz", cwd=tmp_path, env=env).stdout
    epochs = re.findall(r"epoch (\d)/2\s+train loss \S+\s+test loss (\S+)\s+test accuracy (\S+)", out)
    assert len(epochs) == 2 and epochs[0][1:] != epochs[1][1:], out  # epoch 2 is not spent at learning rate 0
    info = chainrule("info", "m.npz", cwd=tmp_path, env=env).stdout
    assert "seed=7" in info and "seed=20190119" not in info and "seed:       7" in info
    assert re.search(r"0  Dense\(relu\)\s+\(N, 512\)\s+401,920", info) and "total: 535,818 parameters" in info
    evaluated = chainrule("evaluate", "m.npz", cwd=tmp_path, env=env).stdout
    accuracy = re.search(r"test accuracy (\d+\.\d\d) %", evaluated)
    assert accuracy and float(accuracy.group(1)) > 50  # a percentage, as `train` prints it
    assert "confusion matrix" in evaluated
    rows = [line for line in evaluated.splitlines() if re.match(r"^\d\s", line)]
    assert len(rows) == 10 and sum(int(n) for row in rows for n in row.split()[1:11]) == 3000


# ------------------------------------------------------------------ items 2, 3, 13, 19, 20


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
def test_ctrl_c_never_replaces_a_finished_model_and_its_resume_command_can_be_pasted(tmp_path, env):
    model = tmp_path / "runs" / "toy-2d.npz"
    chainrule("train", "toy-2d", "--quick", "--quiet", "--epochs", "1", cwd=tmp_path, env=env)
    finished = model.read_bytes()
    checkpoint = tmp_path / "runs" / "toy-2d-checkpoint" / "checkpoint.npz"
    checkpoint.unlink()
    run = start("train", "toy-2d", "--epochs", "40", "--quiet", cwd=tmp_path, env=env)
    wait_for(checkpoint, run)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert model.read_bytes() == finished  # the finished model is untouched
    assert (tmp_path / "runs" / "toy-2d-interrupted.npz").exists() and "toy-2d-interrupted.npz" in err
    command = err.rstrip().splitlines()[-1]
    assert command.endswith("--resume") and not command.startswith(" ")
    pasted = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert pasted.returncode == 0, pasted.stderr
    assert "already finished" not in pasted.stdout and cr.load(model).metadata.get("interrupted") is None

    again = subprocess.run(command.replace("--quiet ", ""), shell=True, cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0 and "already finished its 40 epochs" in again.stdout
    assert "epoch 41" not in again.stdout

    info = chainrule("info", str(checkpoint), cwd=tmp_path, env=env, check=2).stderr
    assert "is a training checkpoint" in info and "--resume" in info and "'architecture'" not in info

    missing = chainrule("train", "toy-2d", "--quick", "--resume", "--checkpoint-dir", "nowhere", cwd=tmp_path,
                        env=env, check=2).stderr
    assert "--resume" in missing and "resume=True" not in missing


# ------------------------------------------------------------------ item 4 (the Trainer's side: test_checkpoint_mid_epoch.py)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
def test_a_one_epoch_run_stopped_half_way_resumes_to_the_uninterrupted_weights(tmp_path, env):
    """As `mnist-cnn` (one long epoch) would be. mnist-mlp's one epoch (469 batches, a second or two) is long
    enough for the interrupt to land mid-epoch after the first checkpoint (batch 20); toy-2d's 32 batches
    were not: on a quiet machine its epoch ended before the signal arrived."""
    options = ["train", "mnist-mlp", "--epochs", "1", "--quiet", "--checkpoint-batches", "20"]
    checkpoint = tmp_path / "runs" / "mnist-mlp-checkpoint" / "checkpoint.npz"
    run = start(*options, cwd=tmp_path, env=env)
    wait_for(checkpoint, run)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    meta = read_archive(checkpoint)[1]
    assert meta["next_epoch"] == 0 and meta["next_batch"] % 20 == 0 and meta["next_batch"] > 0
    assert f"after batch {meta['next_batch']} of epoch 1 of 1" in err
    chainrule(*options, "--resume", cwd=tmp_path, env=env)
    chainrule(*options, "--save", "straight.npz", "--checkpoint-dir", "other", cwd=tmp_path, env=env)
    resumed = cr.load(tmp_path / "runs" / "mnist-mlp.npz").state_dict()
    straight = cr.load(tmp_path / "straight.npz").state_dict()
    assert all(np.array_equal(resumed[k], straight[k]) for k in straight)


# ------------------------------------------------------------------ items 22, 23


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
def test_char_lstm_prints_each_epoch_as_it_ends_and_temperature_0_is_greedy(tmp_path, env):
    run = start("train", "char-lstm", "--quick", cwd=tmp_path, env=env)
    line = ""
    while not line.startswith("epoch 1/2") and run.poll() is None:
        line = run.stdout.readline()
    run.send_signal(signal.SIGINT)  # while epoch 2 trains: its line came as epoch 1 ended, not after training
    _, err = run.communicate(timeout=120)
    assert line.startswith("epoch 1/2") and "validation" in line
    assert run.returncode == 130 and "interrupted" in err, err
    model = str(tmp_path / "runs" / "char-lstm-interrupted.npz")
    texts = {chainrule("sample", model, "--prompt", "KING", "--length", "40", "--temperature", "0", "--seed", seed,
                       cwd=tmp_path, env=env).stdout for seed in ("1", "2")}
    assert len(texts) == 1 and texts.pop().startswith("KING")  # greedy: no draw, whatever the seed


# ------------------------------------------------------------------ items 1, 8


@pytest.mark.parametrize("chapter, full_run", [("ch4", "30 epochs"), ("ch5", None)])
def test_reproduce_quick_is_a_labelled_smoke_run_that_passes(chapter, full_run, tmp_path, env):
    result = chainrule("reproduce", chapter, "--quick", "--no-torch", cwd=tmp_path, env=env)
    table = [line for line in result.stdout.splitlines() if line.startswith("| ") and "experiment" not in line]
    assert table and all(line.split("|")[-3].strip() == "—" for line in table)  # no verdict: "met" is empty
    assert "| NO |" not in result.stdout and "quick smoke run" in result.stdout
    if full_run:
        assert full_run not in result.stdout and "2 epochs on 2,000 images (quick)" in result.stdout
    else:
        assert "quick: 300 training, 200 test images" in result.stdout
    assert result.stderr.count("done: ") == len({line.split("|")[1] for line in table})  # progress as it runs
