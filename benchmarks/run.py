"""The benchmark suite: ms per training step for chainrule, PyTorch and hand-written NumPy.

    python benchmarks/run.py                     # every workload, 2 threads
    python benchmarks/run.py --workloads mlp --steps 200 --threads 1

For each workload (benchmarks/workloads/*.py) it first checks that chainrule's
loss and gradients equal the hand-written NumPy's, then times one step
(forward + backward + optimizer update, float32, same initial weights and batch
for all) as the median over `--steps` steps after a warm-up, interleaving the
frameworks in rounds so that drift of the machine hits all alike. Peak resident
memory is measured for each framework in a fresh subprocess. Prints JSON lines,
then a Markdown table with the ratios chainrule/torch and chainrule/numpy.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FRAMEWORKS = ("chainrule", "numpy", "torch")


def set_threads(threads: int) -> None:
    """Same thread count for every framework; must run before NumPy or torch is imported."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


def available_frameworks() -> list[str]:
    found = ["chainrule", "numpy"]
    if importlib.util.find_spec("torch") is not None:
        found.append("torch")
    return found


def load_workload(name: str):
    sys.path.insert(0, str(HERE))
    return importlib.import_module(f"workloads.{name}")


def time_workload(module, frameworks: list[str], steps: int, rounds: int, threads: int) -> dict[str, list[float]]:
    if "torch" in frameworks:
        import torch

        torch.set_num_threads(threads)
    step_functions = {fw: module.make(fw) for fw in frameworks}
    for step in step_functions.values():  # warm-up: caches, allocator, lazy initialisation
        for _ in range(max(5, steps // 10)):
            step()
    times: dict[str, list[float]] = {fw: [] for fw in frameworks}
    per_round = max(1, steps // rounds)
    for _ in range(rounds):
        for fw, step in step_functions.items():
            for _ in range(per_round):
                started = time.perf_counter()
                step()
                times[fw].append((time.perf_counter() - started) * 1e3)
    return times


def peak_memory_mb(workload: str, framework: str, steps: int, threads: int) -> float:
    """Peak resident memory of a fresh process that builds the framework's step and runs it.

    Read from /proc/self/status (VmHWM, the high-water mark of this process's own memory):
    Linux's ru_maxrss would carry over the parent's peak into the child, so every
    framework would show the runner's memory.
    """
    code = (
        "import sys; sys.path.insert(0, {here!r});"
        "from workloads import {w} as m; step = m.make({fw!r});"
        "[step() for _ in range({n})];"
        "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')))"
    ).format(here=str(HERE), w=workload, fw=framework, n=min(steps, 20))
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return int(result.stdout.strip().splitlines()[-1]) / 1024  # VmHWM is in kB


def machine() -> dict[str, str]:
    import numpy as np

    info = {"python": platform.python_version(), "numpy": np.__version__, "cpu": platform.processor() or platform.machine()}
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        pass
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(sorted(p.stem for p in (HERE / "workloads").glob("[a-z]*.py"))),
                        help="comma-separated workload names (default: all in benchmarks/workloads)")
    parser.add_argument("--steps", type=int, default=120, help="timed steps per framework (median reported)")
    parser.add_argument("--rounds", type=int, default=6, help="interleaving rounds")
    parser.add_argument("--threads", type=int, default=2, help="threads for BLAS and torch")
    parser.add_argument("--markdown", default=None, help="also write the table to this file")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    args = parser.parse_args(argv)
    set_threads(args.threads)

    frameworks = available_frameworks()
    header = {"machine": machine(), "threads": args.threads, "steps": args.steps, "frameworks": frameworks,
              "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}  # a pinned kernel set changes GEMM speed
    print(json.dumps(header))
    rows = []
    for name in args.workloads.split(","):
        module = load_workload(name)
        module.check()
        times = time_workload(module, frameworks, args.steps, args.rounds, args.threads)
        medians = {fw: statistics.median(t) for fw, t in times.items()}
        for fw in frameworks:
            record = {"workload": name, "framework": fw, "median_ms": round(medians[fw], 3),
                      "p10_ms": round(sorted(times[fw])[len(times[fw]) // 10], 3),
                      "p90_ms": round(sorted(times[fw])[9 * len(times[fw]) // 10], 3), "steps": len(times[fw])}
            if not args.no_memory:
                record["peak_rss_mb"] = round(peak_memory_mb(name, fw, args.steps, args.threads), 1)
            print(json.dumps(record), flush=True)
            rows.append(record)
        ratios = {"workload": name, "chainrule/numpy": round(medians["chainrule"] / medians["numpy"], 3)}
        if "torch" in medians:
            ratios["chainrule/torch"] = round(medians["chainrule"] / medians["torch"], 3)
        print(json.dumps(ratios), flush=True)
        rows.append(ratios)
    table = markdown_table(rows, frameworks, args.threads)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    return 0


def markdown_table(rows: list[dict], frameworks: list[str], threads: int) -> str:
    by_workload: dict[str, dict] = {}
    for row in rows:
        entry = by_workload.setdefault(row["workload"], {})
        if "framework" in row:
            entry[row["framework"]] = row
        else:
            entry["ratios"] = row
    columns = [f"{fw} ms/step" for fw in frameworks] + ["chainrule / numpy", "chainrule / torch"]
    columns += [f"{fw} peak MB" for fw in frameworks]
    lines = [f"Median ms per training step, float32, {threads} threads.", "",
             "| workload | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for name, entry in by_workload.items():
        ratios = entry["ratios"]
        cells = [f"{entry[fw]['median_ms']:.2f}" for fw in frameworks]
        cells += [f"{ratios['chainrule/numpy']:.2f}", f"{ratios.get('chainrule/torch', float('nan')):.2f}"]
        cells += [str(entry[fw].get("peak_rss_mb", "—")) for fw in frameworks]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
