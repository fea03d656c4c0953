"""Every script in examples/ runs, as a user would run it, on small settings.

Each example gets its own process (``python examples/NAME.py ARGS``) in a temporary working
folder, so it also proves the script needs nothing from the test's environment. A new example
must be added to SMALL with the arguments that make it finish in a few seconds.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

# name: (arguments, {TMP} standing for the temporary folder; what the output must contain; what it needs)
SMALL: dict[str, tuple[list[str], list[str], list[str]]] = {
    "backprop_basics.py": (["--steps", "50"], ["∂f/∂w = 3", "∂f/∂y = 3", "equal the classes': True"], []),
    "fc_sigmoid_mse.py": (["--steps", "200"], ["gradients: True", "chainrule loss"], []),
    "mnist_curves.py": (["--out", "{TMP}/curves.png", "--epochs", "1", "--samples", "600"],
                        ["test accuracy", "curves drawn to"], ["matplotlib", "mnist"]),
    "sigmoid_graph.py": (["--out-dir", "{TMP}"], ["σ(1) = 0.7311, dσ/dx = 0.1966"], []),
    "toy_2d_boundaries.py": (["--out", "{TMP}/boundaries.png", "--epochs", "20"], ["decision boundaries drawn"],
                             ["matplotlib"]),
    "toy_network.py": (["--steps", "20"], ["equals the tutorial's −δW1: True", "equals the tutorial's −δW2: True"], []),
}


def test_every_example_has_small_settings():
    missing = sorted({p.name for p in EXAMPLES} - set(SMALL))
    assert not missing, f"add small settings for {missing} to SMALL in tests/test_examples.py"


def _missing(needs: list[str]) -> str | None:
    for need in needs:
        if need == "mnist":
            if not (ROOT / "data" / "mnist").is_dir() and not os.environ.get("CHAINRULE_DATA"):
                return "the MNIST files (data/mnist or $CHAINRULE_DATA)"
        elif importlib.util.find_spec(need) is None:
            return need
    return None


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_on_small_settings(example, tmp_path):
    if example.name not in SMALL:
        pytest.fail(f"no small settings for {example.name}")
    arguments, expected, needs = SMALL[example.name]
    missing = _missing(needs)
    if missing:
        pytest.skip(f"{example.name} needs {missing}")
    env = dict(os.environ, MPLBACKEND="Agg")
    command = [sys.executable, str(example), *(a.replace("{TMP}", str(tmp_path)) for a in arguments)]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    for text in expected:
        assert text in result.stdout, f"{example.name}: expected {text!r} in its output:\n{result.stdout}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_says_how_to_run_it(example):
    """The module docstring tells the reader the command line."""
    head = example.read_text().split('"""')[1]
    assert f"python examples/{example.name}" in head, f"{example.name}: say 'Run: python examples/{example.name} ...'"
