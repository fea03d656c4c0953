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


def test_time_to_accuracy_reports_the_epoch_and_seconds(capsys):
    import json

    import time_to_accuracy

    data = str(BENCH.parent / "data")
    assert time_to_accuracy.main(["--quick", "--data", data, "--target", "0.5", "--threads", "1"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["reached_at_epoch"] == 1 and record["epoch_accuracy"][0] >= 0.5
    assert record["training_seconds"] == record["epoch_seconds"][0] > 0
    assert time_to_accuracy.main(["--quick", "--data", data, "--target", "1.01", "--threads", "1"]) == 1
