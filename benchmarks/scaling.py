"""Data-parallel scaling: samples/s of the MLP and CNN workloads on 1 and 2 MPI ranks, one thread each.

    python benchmarks/scaling.py                       # mlp and cnn, 1 and 2 ranks
    python benchmarks/scaling.py --ranks 1,2,4 --steps 100

For each workload (benchmarks/workloads: the MNIST-shaped MLP, batch 128, and the
small CNN, batch 64) and each rank count N it launches ``mpiexec -n N`` on this
file, each rank with one BLAS thread and the workload's batch as its per-rank
batch (so a step of N ranks trains on N times the samples: weak scaling). Every
rank times its steps — forward and backward, a barrier (the time spent waiting
for the slower rank, shown apart), the all-reduce of the gradients
(`chainrule.distributed`, what the Trainer does), then the optimizer update — as
the median over `--steps` after a warm-up. Prints one JSON line per run
(samples/s, ms per step, the medians of each part, the all-reduce's share of the
step, the gradient bytes each rank sends), then the speed-up of N ranks over
one and a Markdown table. Needs ``pip install 'chainrule[mpi]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def worker(name: str, steps: int, warmup: int) -> dict:
    """One rank's part: time `steps` data-parallel steps of workload `name`; rank 0's record."""
    sys.path.insert(0, str(HERE))
    import importlib

    import numpy as np

    from chainrule.distributed import world

    module = importlib.import_module(f"workloads.{name}")
    communicator = world()
    net, optimizer = module._chainrule(seed=0)
    X, y = module.batch(seed=communicator.rank)  # each rank its own batch of the workload's size
    share = 1 / communicator.size
    params = optimizer.parameters()
    barrier = getattr(communicator, "comm", None)  # to tell waiting for the slower rank from reducing
    compute, wait, reduce, update = [], [], [], []
    for step in range(warmup + steps):
        started = time.perf_counter()
        optimizer.zero_grad()
        loss = net.loss(net(X), y)
        loss.backward(np.asarray(share, dtype=loss.dtype))
        computed = time.perf_counter()
        if barrier is not None:
            barrier.Barrier()
        reduced = time.perf_counter()
        communicator.reduce_gradients(params, loss.item() * share)
        stepped = time.perf_counter()
        optimizer.step()
        done = time.perf_counter()
        if step >= warmup:
            compute.append(computed - started)
            wait.append(reduced - computed)
            reduce.append(stepped - reduced)
            update.append(done - stepped)
    totals = [sum(parts) for parts in zip(compute, wait, reduce, update)]
    step_s = statistics.median(totals)
    gradient_bytes = sum(p.data.nbytes for p in params)
    return {
        "workload": name, "ranks": communicator.size, "threads_per_rank": int(os.environ.get("OMP_NUM_THREADS", 0)),
        "per_rank_batch": len(X), "steps": steps, "median_step_ms": round(1e3 * step_s, 3),
        "samples_per_s": round(communicator.size * len(X) / step_s, 1),
        "compute_ms": round(1e3 * statistics.median(compute), 3),
        "wait_ms": round(1e3 * statistics.median(wait), 3),
        "allreduce_ms": round(1e3 * statistics.median(reduce), 3),
        "allreduce_share": round(statistics.median(reduce) / step_s, 4),
        "gradient_bytes": gradient_bytes,
        "ring_bytes_sent_per_rank": round(2 * (communicator.size - 1) / communicator.size * gradient_bytes),
    }


def launch(mpiexec: str, name: str, ranks: int, steps: int, warmup: int) -> dict:
    env = dict(os.environ, **{variable: "1" for variable in THREAD_VARIABLES})
    src = str(HERE.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    command = [mpiexec, "-n", str(ranks), sys.executable, str(Path(__file__).resolve()), "--worker", name,
               "--steps", str(steps), "--warmup", str(warmup)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="mlp,cnn", help="comma-separated workloads (default mlp,cnn)")
    parser.add_argument("--ranks", default="1,2", help="comma-separated rank counts (default 1,2)")
    parser.add_argument("--steps", type=int, default=100, help="timed steps per run (median reported)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        record = worker(args.worker, args.steps, args.warmup)
        from chainrule.distributed import world

        if world().is_root:
            print(json.dumps(record), flush=True)
        return 0
    mpiexec = shutil.which("mpiexec", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    if mpiexec is None:
        print("mpiexec not found: pip install 'chainrule[mpi]'", file=sys.stderr)
        return 2
    print(json.dumps({"cores": os.cpu_count(), "python": sys.version.split()[0], "mpiexec": mpiexec}))
    rows = []
    for name in args.workloads.split(","):
        single = None
        for ranks in map(int, args.ranks.split(",")):
            record = launch(mpiexec, name, ranks, args.steps, args.warmup)
            if ranks == 1:
                single = record["samples_per_s"]
            if single:
                record["speedup_over_1_rank"] = round(record["samples_per_s"] / single, 3)
            print(json.dumps(record), flush=True)
            rows.append(record)
    print(markdown_table(rows))
    return 0


def markdown_table(rows: list[dict]) -> str:
    lines = ["| workload | ranks | per-rank batch | samples/s | ms/step | compute ms | wait ms | all-reduce ms | "
             "all-reduce share | speed-up |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['workload']} | {r['ranks']} | {r['per_rank_batch']} | {r['samples_per_s']:.0f} | "
                     f"{r['median_step_ms']:.2f} | {r['compute_ms']:.2f} | {r['wait_ms']:.2f} | {r['allreduce_ms']:.3f} | {100 * r['allreduce_share']:.1f} % | "
                     f"{r.get('speedup_over_1_rank', float('nan')):.2f}× |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
