"""The benchmark workloads compute what they claim (their own check), and the runner runs."""

import importlib
import importlib.util
import os
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


@pytest.mark.parametrize("ref", ["HEAD", "checkout"])  # a git revision, a checkout's directory
def test_runner_times_chainrule_before_and_after_in_two_worker_processes(ref, tmp_path, capsys):
    import json
    import shutil
    import subprocess
    import tempfile

    import run

    src = (BENCH.parent / "src").resolve()
    if ref == "HEAD":  # exported into a temporary directory, removed at the end
        if subprocess.run(["git", "-C", str(BENCH.parent), "rev-parse", "HEAD"], capture_output=True).returncode:
            pytest.skip("not a git checkout")
        before_home = Path(tempfile.gettempdir()).resolve()
    else:
        shutil.copytree(src / "chainrule", tmp_path / "src" / "chainrule", ignore=shutil.ignore_patterns("__pycache__"))
        ref, before_home = str(tmp_path), tmp_path.resolve()
    assert run.main(["--before", ref, "--workloads", "mlp", "--steps", "4", "--rounds", "2",
                     "--threads", "1", "--no-memory"]) == 0
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    chainrule = {r["version"]: r for r in records if r.get("framework") == "chainrule"}
    ratios = {r["version"]: r for r in records if "chainrule/numpy" in r}
    expected_ratios = {"chainrule/numpy", *(["chainrule/torch"] if "torch" in records[0]["frameworks"] else [])}
    for version in ("before", "after"):
        assert {"median_ms", "p10_ms", "p90_ms", "pid", "chainrule_file"} <= chainrule[version].keys()
        assert expected_ratios <= ratios[version].keys()
    assert "after/before" in ratios["after"]
    assert len({chainrule["before"]["pid"], chainrule["after"]["pid"], os.getpid()}) == 3
    before_file, after_file = (Path(chainrule[version]["chainrule_file"]) for version in ("before", "after"))
    assert after_file.is_relative_to(src) and before_file.is_relative_to(before_home)
    assert not before_file.is_relative_to(src) and before_file.exists() == (ref != "HEAD")
    assert "| mlp |" in out and "chainrule before ms/step" in out and "chainrule / numpy after" in out


def test_time_to_accuracy_reports_the_epoch_and_seconds(capsys):
    import json

    import time_to_accuracy

    data = str(BENCH.parent / "data")
    assert time_to_accuracy.main(["--quick", "--data", data, "--target", "0.5", "--threads", "1"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["reached_at_epoch"] == 1 and record["epoch_accuracy"][0] >= 0.5
    assert record["training_seconds"] == record["epoch_seconds"][0] > 0
    assert time_to_accuracy.main(["--quick", "--data", data, "--target", "1.01", "--threads", "1"]) == 1


def test_scaling_reports_samples_per_second_and_the_all_reduce_share(capsys):
    import json
    import shutil

    import scaling

    if importlib.util.find_spec("mpi4py") is None or shutil.which(
            "mpiexec", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}") is None:
        pytest.skip("needs mpi4py and mpiexec: pip install 'chainrule[mpi]'")
    assert scaling.main(["--workloads", "mlp", "--ranks", "1,2", "--steps", "3", "--warmup", "1"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{\"workload")]
    assert [r["ranks"] for r in records] == [1, 2]
    assert all(r["samples_per_s"] > 0 and 0 <= r["allreduce_share"] < 1 for r in records)
    assert records[1]["ring_bytes_sent_per_rank"] == records[1]["gradient_bytes"]  # 2·(N−1)/N = 1 for N = 2


def test_kernels_benchmark_prints_both_paths_for_the_cases_asked(capsys):
    import kernels

    assert kernels.main(["--rounds", "1", "--repeats", "1", "--only", "gelu"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| gelu")]
    assert len(rows) == 1 and all(float(cell) > 0 for cell in rows[0].strip("| ").split("|")[1:])
