"""The command line, end to end on tiny settings."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from harness import interrupt_class_step

import chainrule as cr
from chainrule.cli import build_parser, main
from chainrule.io import read_archive
from chainrule.language_model import load_model

DATA = str(Path(__file__).resolve().parents[1] / "data")


def test_help_explains_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("train", "reproduce", "evaluate", "sample", "info"):
        assert command in text
    for command in ("train", "reproduce", "evaluate", "sample", "info"):
        sub = build_parser()._subparsers._group_actions[0].choices[command]
        assert all(action.help for action in sub._actions), f"an option of {command} has no help"


def test_train_info_evaluate_round_trip(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "mnist-book", "--quick", "--quiet", "--data", DATA, "--save", str(model)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "the book printed" not in out and model.exists()  # a smoke run: no bar
    assert main(["info", str(model)]) == 0
    assert "Dense(neurons=89" in capsys.readouterr().out
    assert main(["evaluate", str(model), "--data", DATA]) == 0
    assert "test accuracy" in capsys.readouterr().out


def test_reproduce_prints_a_table_with_the_book_column(capsys):
    assert main(["reproduce", "ch2", "--quick", "--data", DATA]) == 0
    out = capsys.readouterr().out
    assert "| experiment | metric | ours | book (printed)" in out and "3.5644" in out


def test_reproduce_ch7_saves_its_reconstructions_in_the_figures_folder(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed: pip install 'chainrule[plot]'")
    figures = tmp_path / "figures"
    assert main(["reproduce", "ch7", "--quick", "--no-torch", "--data", DATA, "--figures", str(figures)]) in (0, 1)
    assert f"figure saved to {figures / 'ch7.png'}" in capsys.readouterr().out
    assert (figures / "ch7.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_damaged_model_file_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    assert main(["info", str(bad)]) == 2
    assert "not a chainrule model file" in capsys.readouterr().err


# ------------------------------------------------------------------ every recipe

EVALUATED = {"mnist-mlp": "test accuracy", "mnist-cnn": "test accuracy", "fashion-cnn": "test accuracy",
             "toy-2d": "test accuracy", "boston": "test MAE", "char-lstm": "nats/char"}
ARCHITECTURE = {"mnist-mlp": "Dense(neurons=512", "mnist-cnn": "Conv2D(", "fashion-cnn": "Conv2D(",
                "toy-2d": "Dense(neurons=32, activation=Tanh()", "boston": "Dense(neurons=13",
                "char-lstm": "CharLanguageModel(vocab_size=65, hidden_size=64, cell='lstm'"}


@pytest.mark.parametrize("name", sorted(EVALUATED))
def test_each_recipe_trains_quickly_saves_and_can_be_evaluated_and_described(name, tmp_path, capsys):
    model = tmp_path / f"{name}.npz"
    assert main(["train", name, "--quick", "--quiet", "--data", DATA, "--save", str(model)]) == 0
    assert model.exists() and f"saved to {model}" in capsys.readouterr().out
    assert main(["info", str(model)]) == 0
    assert ARCHITECTURE[name] in capsys.readouterr().out
    assert main(["evaluate", str(model), "--data", DATA]) == 0
    assert EVALUATED[name] in capsys.readouterr().out


def test_evaluate_scores_the_test_set_train_reported_on(tmp_path, capsys):
    model = tmp_path / "toy.npz"
    assert main(["train", "toy-2d", "--quick", "--quiet", "--seed", "3", "--save", str(model)]) == 0
    trained = float(capsys.readouterr().out.split("test accuracy ")[1].split(" %")[0])
    assert main(["evaluate", str(model)]) == 0
    assert f"test accuracy {trained:.2f} %" in capsys.readouterr().out


# ------------------------------------------------------------------ sample


@pytest.fixture(scope="module")
def char_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("char") / "char.npz"
    assert main(["train", "char-lstm", "--quick", "--quiet", "--data", DATA, "--save", str(path)]) == 0
    return str(path)


def test_sample_prints_the_prompt_and_the_requested_number_of_characters(char_model, capsys):
    assert main(["sample", char_model, "--prompt", "KING", "--length", "120", "--temperature", "0.8",
                 "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("KING") and text.endswith("\n") and len(text) == len("KING") + 120 + 1


def test_sample_is_deterministic_for_a_seed(char_model, capsys):
    texts = []
    for seed in ("7", "7", "8"):
        assert main(["sample", char_model, "--prompt", "To be", "--length", "80", "--seed", seed]) == 0
        texts.append(capsys.readouterr().out)
    assert texts[0] == texts[1] != texts[2]


def test_a_prompt_outside_the_vocabulary_is_a_clean_error(char_model, capsys):
    assert main(["sample", char_model, "--prompt", "KING@", "--length", "10"]) == 2
    err = capsys.readouterr().err
    assert "'@'" in err and "not among the model's 65 characters" in err and "Traceback" not in err


def test_sample_refuses_a_model_that_is_not_a_character_model(tmp_path, capsys):
    model = tmp_path / "toy.npz"
    assert main(["train", "toy-2d", "--quick", "--quiet", "--epochs", "1", "--save", str(model)]) == 0
    capsys.readouterr()
    assert main(["sample", str(model), "--prompt", "KING"]) == 2
    assert "not a character model" in capsys.readouterr().err


def test_python_m_chainrule_sample_runs_as_a_program(char_model):
    import subprocess

    result = subprocess.run([sys.executable, "-m", "chainrule", "sample", char_model, "--prompt", "KING", "--length",
                             "30", "--seed", "0"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("KING") and len(result.stdout) == 4 + 30 + 1


# ------------------------------------------------------------------ --plot

needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib not installed")
PNG = b"\x89PNG\r\n\x1a\n"


@needs_matplotlib
def test_plot_writes_the_curves_and_for_toy_2d_the_decision_boundary(tmp_path, capsys):
    picture = tmp_path / "toy.png"
    assert main(["train", "toy-2d", "--quick", "--quiet", "--save", str(tmp_path / "m.npz"),
                 "--plot", str(picture)]) == 0
    boundary = tmp_path / "toy-boundary.png"
    for path in (picture, boundary):
        assert path.read_bytes().startswith(PNG) and path.stat().st_size > 1000
    assert f"decision boundary saved to {boundary}" in capsys.readouterr().out


@needs_matplotlib
def test_plot_of_a_character_model_shows_nats_per_character_per_epoch(tmp_path):
    picture = tmp_path / "char.png"
    assert main(["train", "char-lstm", "--quick", "--quiet", "--data", DATA, "--save", str(tmp_path / "c.npz"),
                 "--plot", str(picture)]) == 0
    assert picture.read_bytes().startswith(PNG) and picture.stat().st_size > 1000


def test_plot_without_matplotlib_fails_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    model = tmp_path / "m.npz"
    assert main(["train", "toy-2d", "--quick", "--quiet", "--save", str(model), "--plot", str(tmp_path / "p.png")]) == 2
    captured = capsys.readouterr()
    assert "-m pip install matplotlib" in captured.err and "Traceback" not in captured.err
    assert captured.out == "" and not model.exists()


# ------------------------------------------------------------------ Ctrl-C and --resume


def interrupt_epoch(monkeypatch, epoch):
    """Make the Trainer raise KeyboardInterrupt (as Ctrl-C does) when it starts epoch `epoch` (from 1)."""
    original = cr.Trainer._train_epoch

    def train_epoch(self, X, y, batch_size, index, *args):
        if index + 1 == epoch:
            raise KeyboardInterrupt
        return original(self, X, y, batch_size, index, *args)

    monkeypatch.setattr(cr.Trainer, "_train_epoch", train_epoch)


def test_ctrl_c_keeps_the_last_checkpoint_and_resume_ends_as_an_uninterrupted_run(tmp_path, capsys, monkeypatch):
    options = ["--quick", "--quiet", "--epochs", "4"]
    assert main(["train", "toy-2d", *options, "--save", str(tmp_path / "straight.npz")]) == 0
    interrupt_epoch(monkeypatch, 3)
    model = tmp_path / "m.npz"
    assert main(["train", "toy-2d", *options, "--save", str(model)]) == 130
    err = capsys.readouterr().err
    checkpoint = tmp_path / "m-checkpoint" / "checkpoint.npz"
    interrupted = tmp_path / "m-interrupted.npz"  # beside the model, never over it
    assert f"the weights trained so far are saved in {interrupted}" in err and "Traceback" not in err
    assert f"after epoch 2 of 4, is {checkpoint}" in err and "--resume" in err
    assert read_archive(checkpoint)[1]["next_epoch"] == 2
    assert cr.load(interrupted).metadata["interrupted"] is True and not model.exists()

    monkeypatch.undo()
    assert main(["train", "toy-2d", *options, "--save", str(model), "--resume"]) == 0
    assert "resuming from" not in capsys.readouterr().out  # --quiet
    resumed, straight = cr.load(model).state_dict(), cr.load(tmp_path / "straight.npz").state_dict()
    assert all(np.array_equal(resumed[k], straight[k]) for k in straight)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
def test_a_real_ctrl_c_stops_python_m_chainrule_train_cleanly(tmp_path):
    import signal
    import subprocess
    import time

    model, checkpoint = tmp_path / "m.npz", tmp_path / "m-checkpoint" / "checkpoint.npz"
    run = subprocess.Popen([sys.executable, "-m", "chainrule", "train", "toy-2d", "--epochs", "100000", "--quiet",
                            "--save", str(model)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert "Traceback" not in err and f"saved in {tmp_path / 'm-interrupted.npz'}" in err
    assert "chainrule train toy-2d --epochs 100000 --quiet --save" in err and err.rstrip().endswith("--resume")
    assert read_archive(checkpoint)[1]["kind"] == "checkpoint" and (tmp_path / "m-interrupted.npz").exists()


def test_ctrl_c_in_the_first_epoch_says_there_is_no_checkpoint(tmp_path, capsys, monkeypatch):
    interrupt_epoch(monkeypatch, 1)
    assert main(["train", "toy-2d", "--quick", "--quiet", "--save", str(tmp_path / "m.npz")]) == 130
    assert "no checkpoint was due yet" in capsys.readouterr().err


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path, capsys):
    assert main(["train", "toy-2d", "--quick", "--quiet", "--save", str(tmp_path / "m.npz"), "--resume"]) == 2
    assert "no checkpoint at" in capsys.readouterr().err


def test_ctrl_c_while_training_a_character_model_keeps_a_checkpoint_and_resume_finishes_the_run(
        tmp_path, capsys, monkeypatch):
    from chainrule.optim import Adam

    model, straight = tmp_path / "c.npz", tmp_path / "straight.npz"
    options = ["train", "char-lstm", "--quick", "--quiet", "--data", DATA]
    original = interrupt_class_step(monkeypatch, Adam, 60)  # after the checkpoint at iteration 50
    assert main(options + ["--save", str(model)]) == 130
    err = capsys.readouterr().err
    interrupted = tmp_path / "c-interrupted.npz"
    assert f"saved in {interrupted}" in err and "after iteration 50 of 104" in err and err.rstrip().endswith("--resume")
    assert main(["sample", str(interrupted), "--prompt", "KING", "--length", "5", "--seed", "0"]) == 0
    assert capsys.readouterr().out.startswith("KING")  # the interrupted weights are a usable model
    monkeypatch.setattr(Adam, "step", original)
    assert main(options + ["--save", str(model), "--resume"]) == 0
    assert main(options + ["--save", str(straight)]) == 0
    resumed, uninterrupted = load_model(model)[0].state_dict(), load_model(straight)[0].state_dict()
    assert all(np.array_equal(resumed[k], uninterrupted[k]) for k in uninterrupted)


def test_char_gpt_trains_samples_with_top_k_and_resumes_exactly_after_ctrl_c(tmp_path, capsys, monkeypatch):
    from chainrule.optim import AdamW

    model, straight = tmp_path / "g.npz", tmp_path / "straight.npz"
    options = ["train", "char-gpt", "--quick", "--quiet", "--data", DATA]
    assert main(options + ["--save", str(straight)]) == 0
    out = capsys.readouterr().out
    assert "validation" in out and "mean of 8 held-out batches" in out and "s/iteration" in out
    assert main(["info", str(straight)]) == 0
    assert "CharGPT(vocab_size=65, block_size=32, n_layer=1" in capsys.readouterr().out
    assert main(["evaluate", str(straight), "--data", DATA]) == 0
    assert "nats/char" in capsys.readouterr().out
    assert main(["sample", str(straight), "--prompt", "KING", "--length", "20", "--top-k", "3", "--seed", "0"]) == 0
    assert capsys.readouterr().out.startswith("KING")
    original = interrupt_class_step(monkeypatch, AdamW, 55)  # after the checkpoint at iteration 50
    assert main(options + ["--save", str(model)]) == 130
    assert "after iteration 50 of 60" in capsys.readouterr().err
    monkeypatch.setattr(AdamW, "step", original)
    assert main(options + ["--save", str(model), "--resume"]) == 0
    resumed, uninterrupted = load_model(model)[0].state_dict(), load_model(straight)[0].state_dict()
    assert all(np.array_equal(resumed[k], uninterrupted[k]) for k in uninterrupted)
