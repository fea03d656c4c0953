"""The benchmark suite: ms per training step for chainrule, PyTorch and hand-written NumPy.

    python benchmarks/run.py                     # every workload, 2 threads
    python benchmarks/run.py --workloads mlp --steps 200 --threads 1
    python benchmarks/run.py --before c0e15ca --workloads cnn,lstm   # chainrule of c0e15ca against this tree's

For each workload (benchmarks/workloads/*.py) it first checks that chainrule's
loss and gradients equal the hand-written NumPy's, then times one step
(forward + backward + optimizer update, float32, same initial weights and batch
for all) as the median over `--steps` steps after a warm-up, interleaving the
frameworks in rounds so that drift of the machine hits all alike. Peak resident
memory is measured for each framework in a fresh subprocess. Prints JSON lines,
then a Markdown table with the ratios chainrule/torch and chainrule/numpy.
With `--before REF`, chainrule of REF and of the working tree are timed in the
same rounds, each in a worker process of its own (benchmarks/compare.py).
"""

from __future__ import annotations

import argparse
import functools
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
from typing import Callable

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


def build_steps(module, frameworks: list[str], steps: int, threads: int) -> dict[str, Callable[[], float]]:
    """Each framework's step for the workload, built once and warmed up (caches, allocator, lazy initialisation)."""
    if "torch" in frameworks:
        import torch

        torch.set_num_threads(threads)
    step_functions = {fw: module.make(fw) for fw in frameworks}
    for step in step_functions.values():
        for _ in range(max(5, steps // 10)):
            step()
    return step_functions


def timed(step: Callable[[], float], count: int) -> list[float]:
    """Milliseconds of each of `count` calls of `step`."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1e3)
    return times


def time_rounds(runs: dict[str, Callable[[int], list[float]]], steps: int, rounds: int,
                alternate: bool = False) -> dict[str, list[float]]:
    """`runs[label](k)` runs k steps and returns their ms; the labels take turns, `steps // rounds` steps a turn.

    With `alternate`, every other round goes in reverse order, so that no label always follows the same one.
    """
    times: dict[str, list[float]] = {label: [] for label in runs}
    per_round = max(1, steps // rounds)
    for index in range(rounds):
        for label in reversed(runs) if alternate and index % 2 else runs:
            times[label] += runs[label](per_round)
    return times


def time_workload(module, frameworks: list[str], steps: int, rounds: int, threads: int) -> dict[str, list[float]]:
    step_functions = build_steps(module, frameworks, steps, threads)
    return time_rounds({fw: functools.partial(timed, step) for fw, step in step_functions.items()}, steps, rounds)


def peak_memory_mb(workload: str, framework: str, steps: int, threads: int, src: Path | None = None) -> float:
    """Peak resident memory of a fresh process that builds the framework's step and runs it.

    `src`, when given, is put first on the process's PYTHONPATH: the chainrule to measure.

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
    env = dict(os.environ) if src is None else with_chainrule(src)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return int(result.stdout.strip().splitlines()[-1]) / 1024  # VmHWM is in kB


def with_chainrule(src: Path) -> dict[str, str]:
    """This process's environment with `src` (a directory holding a `chainrule` package) first on PYTHONPATH."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")])))


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
    parser.add_argument("--before", metavar="REF", default=None,
                        help="also time chainrule of REF (a git revision, or a checkout's directory holding "
                             "src/chainrule) against the working tree's, each in a worker process of its own")
    args = parser.parse_args(argv)
    set_threads(args.threads)

    frameworks = available_frameworks()
    header = {"machine": machine(), "threads": args.threads, "steps": args.steps, "frameworks": frameworks,
              "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),  # a pinned kernel set changes GEMM speed
              "compiled_kernels": os.environ.get("CHAINRULE_KERNELS", "") not in ("", "0")}  # the optional extra
    names = args.workloads.split(",")
    if args.before:
        import compare  # the two-process comparison of chainrule versions

        rows, notes = compare.compare(names, frameworks, header, args)
        labels = ["chainrule before", "chainrule after", *frameworks[1:]]
    else:
        print(json.dumps(header))
        rows, notes, labels = [], [], frameworks
        for name in names:
            module = load_workload(name)
            module.check()
            rows += report(name, time_workload(module, frameworks, args.steps, args.rounds, args.threads), args)
    table = markdown_table(rows, labels, args.threads, notes)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    return 0


def report(name: str, times: dict[str, list[float]], args: argparse.Namespace,
           details: dict[str, dict] | None = None, srcs: dict[str, Path] | None = None) -> list[dict]:
    """Print and return a workload's JSON records: one per timed label, then the ratios per chainrule version.

    A label is a framework, or "chainrule before" / "chainrule after" when two versions are compared;
    `details[label]` adds fields to its record, `srcs[label]` is the chainrule its peak memory is measured with.
    """
    details, srcs = details or {}, srcs or {}
    rows = []
    for label, samples in times.items():
        framework, _, version = label.partition(" ")
        ordered = sorted(samples)
        record = {"workload": name, "framework": framework, **({"version": version} if version else {}),
                  "median_ms": round(statistics.median(samples), 3), "p10_ms": round(ordered[len(ordered) // 10], 3),
                  "p90_ms": round(ordered[9 * len(ordered) // 10], 3), "steps": len(samples), **details.get(label, {})}
        if not args.no_memory:
            record["peak_rss_mb"] = round(peak_memory_mb(name, framework, args.steps, args.threads, srcs.get(label)), 1)
        rows.append(record)
        print(json.dumps(record), flush=True)
    medians = {label: statistics.median(samples) for label, samples in times.items()}
    for label in medians:
        if label.startswith("chainrule"):
            rows.append(ratios(name, medians, label.partition(" ")[2]))
            print(json.dumps(rows[-1]), flush=True)
    return rows


def ratios(name: str, medians: dict[str, float], version: str = "") -> dict:
    """chainrule (of `version`, when versions are compared) over NumPy and over PyTorch; after over before."""
    chainrule = medians[f"chainrule {version}".strip()]
    record = {"workload": name, **({"version": version} if version else {}),
              "chainrule/numpy": round(chainrule / medians["numpy"], 3)}
    if "torch" in medians:
        record["chainrule/torch"] = round(chainrule / medians["torch"], 3)
    if version == "after" and "chainrule before" in medians:
        record["after/before"] = round(chainrule / medians["chainrule before"], 3)
    return record


def markdown_table(rows: list[dict], labels: list[str], threads: int, notes: list[str] = ()) -> str:
    """The records as one line per workload; `labels` are the timed columns (see `report`), `notes` go below."""
    by_workload: dict[str, dict] = {}
    for row in rows:  # keyed like the labels: "numpy", "chainrule before", and "ratios" / "ratios after"
        key = " ".join(filter(None, (row.get("framework", "ratios"), row.get("version"))))
        by_workload.setdefault(row["workload"], {})[key] = row
    versions = [label.partition(" ")[2] for label in labels if label.startswith("chainrule")]
    ratio_columns = [(f"{ratio.replace('/', ' / ')} {version}".strip(), f"ratios {version}".strip(), ratio)
                     for ratio in ("chainrule/numpy", "chainrule/torch") for version in versions]
    if "before" in versions:
        ratio_columns.append(("after / before", "ratios after", "after/before"))
    columns = [f"{label} ms/step" for label in labels] + [column for column, _, _ in ratio_columns]
    columns += [f"{label} peak MB" for label in labels]
    lines = [f"Median ms per training step, float32, {threads} threads.", "",
             "| workload | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for name, entry in by_workload.items():
        timed_rows = [entry.get(label, {}) for label in labels]
        cells = [f"{row['median_ms']:.2f}" if "median_ms" in row else "skipped" for row in timed_rows]
        cells += [f"{entry.get(key, {}).get(ratio, float('nan')):.2f}" for _, key, ratio in ratio_columns]
        cells += [str(row.get("peak_rss_mb", "—")) for row in timed_rows]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines + [""] * bool(notes) + list(notes))


if __name__ == "__main__":
    sys.exit(main())
