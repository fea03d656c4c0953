"""The command line, end to end on tiny settings."""

from pathlib import Path

import pytest

from chainrule.cli import build_parser, main

DATA = str(Path(__file__).resolve().parents[1] / "data")


def test_help_explains_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("train", "reproduce", "evaluate", "info"):
        assert command in text
    for command in ("train", "reproduce", "evaluate", "info"):
        sub = build_parser()._subparsers._group_actions[0].choices[command]
        assert all(action.help for action in sub._actions), f"an option of {command} has no help"


def test_train_info_evaluate_round_trip(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "mnist-book", "--quick", "--quiet", "--data", DATA, "--save", str(model)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "the book printed 97.46 %" in out and model.exists()
    assert main(["info", str(model)]) == 0
    assert "Dense(neurons=89" in capsys.readouterr().out
    assert main(["evaluate", str(model), "--data", DATA]) == 0
    assert "test accuracy" in capsys.readouterr().out


def test_reproduce_prints_a_table_with_the_book_column(capsys):
    assert main(["reproduce", "ch2", "--quick", "--data", DATA]) == 0
    out = capsys.readouterr().out
    assert "| experiment | metric | ours | book (printed)" in out and "3.5644" in out


def test_a_damaged_model_file_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    assert main(["info", str(bad)]) == 2
    assert "not a chainrule model file" in capsys.readouterr().err
