"""README.md's command-line section, run in order as a new user would after `make demo` and `. .venv/bin/activate`.

What runs: every `chainrule ...` line of the README's command-line block, in order, in one fresh folder
(so `runs/` starts empty and `sample`, `evaluate` and `info` read what the `train` lines above them wrote),
with no CHAINRULE_DATA and no --data. To stay cheap, `train` lines get `--quick` (the README says every
recipe takes it; char-lstm also `--epochs 1`) and `reproduce` lines `--quick --no-torch`; every other word
is as printed. The commands
run in this process through `chainrule.cli.main`, the function the `chainrule` program calls; the program
itself is run by tests/test_cli_first_hour.py. `make demo` itself is not run here (it builds a virtual
environment); tests/test_make_demo.py checks what it installs and prints.
"""

import re
import shlex
from pathlib import Path

import pytest

from chainrule.cli import build_parser, main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
SECTION = README.split("## The command line", 1)[1].split("\n## ", 1)[0]
BLOCK = re.search(r"```bash\n(.*?)```", SECTION, flags=re.S).group(1)
COMMANDS = [shlex.split(line, comments=True) for line in BLOCK.splitlines() if line.strip()]


def smoke(words):
    """The README's command with the cheap options it documents added."""
    command, *rest = words[1:]
    if command == "train":
        return [command, *rest, "--quick"] + (["--epochs", "1"] if rest[0] == "char-lstm" else [])
    if command == "reproduce":
        return [command, *rest, "--quick", "--no-torch"]
    return [command, *rest]


def test_the_readme_says_how_to_get_chainrule_on_path_after_make_demo():
    before = README.split("## The command line", 1)[0] + SECTION.split("```bash", 1)[0]
    assert ". .venv/bin/activate" in before and ".venv/bin/chainrule" in before
    assert COMMANDS and all(words[0] == "chainrule" for words in COMMANDS)


@pytest.mark.parametrize("words", COMMANDS, ids=[" ".join(w[1:3]) for w in COMMANDS])
def test_every_readme_command_parses_as_printed(words):
    build_parser().parse_args(words[1:])


def test_the_readme_commands_run_in_order_on_a_fresh_folder(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib, which make demo installs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHAINRULE_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    for words in COMMANDS:
        status = main(smoke(words))
        captured = capsys.readouterr()
        assert status == 0, f"{shlex.join(words)}\n{captured.out}\n{captured.err}"
    assert Path("toy.png").exists() and Path("toy-boundary.png").exists()
    assert sorted(p.name for p in Path("runs").glob("*.npz")) == [
        "char-gpt.npz", "char-lstm.npz", "mnist-book.npz", "mnist-cnn.npz", "mnist-mlp.npz", "toy-2d.npz"]
