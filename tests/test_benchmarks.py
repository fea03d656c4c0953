"""The benchmark workloads compute what they claim (their own check), and the runner runs."""

import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))
WORKLOADS = sorted(p.stem for p in (BENCH / "workloads").glob("[a-z]*.py"))


@pytest.mark.parametrize("name", WORKLOADS)
def test_workload_chainrule_matches_hand_written_numpy(name):
    module = importlib.import_module(f"workloads.{name}")
    module.check()
    loss = module.make("chainrule")()
    assert loss == pytest.approx(module.make("numpy")(), rel=1e-4)


def test_runner_prints_a_table(capsys):
    import run

    assert run.main(["--workloads", "mlp", "--steps", "6", "--rounds", "2", "--no-memory"]) == 0
    out = capsys.readouterr().out
    assert '"chainrule/numpy"' in out and "| mlp |" in out
