"""Engine micro-benchmarks: the cost of the graph machinery itself, and how it grows.

    python benchmarks/micro.py

* per-operation overhead: a chain of small elementwise operations (4 floats),
  forward and backward, in µs per operation;
* backward on a wide graph (one input used by n branches summed pairwise in a
  tree) and on a deep chain, at several sizes up to 100,000 and 10,000 nodes;
  the slope of log(time) against log(size) says how it grows (1.0 = linear).

Prints JSON lines, then a short Markdown summary.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

import chainrule as cr


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def per_op_overhead_us(chain: int = 2000, repeats: int = 7) -> dict[str, float]:
    x = cr.Tensor(np.ones(4), requires_grad=True)

    def forward():
        y = x
        for _ in range(chain):
            y = y * 1.0001
        return y

    def both():
        forward().sum().backward()

    forward_s = best_of(repeats, forward)
    both_s = best_of(repeats, both)
    return {"forward_us_per_op": forward_s / chain * 1e6, "forward_backward_us_per_op": both_s / chain * 1e6}


def wide_graph(n: int) -> cr.Tensor:
    x = cr.Tensor(np.ones(4), requires_grad=True)
    level = [x * float(i % 5) for i in range(n // 2)]
    while len(level) > 1:  # pairwise sums: a tree of about n nodes
        level = [level[i] + level[i + 1] if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    return level[0].sum()


def deep_chain(n: int) -> cr.Tensor:
    y = cr.Tensor(np.ones(4), requires_grad=True)
    for _ in range(n):
        y = y * 1.0
    return y.sum()


def backward_seconds(build, n: int, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        root = build(n)
        started = time.perf_counter()
        root.backward()
        times.append(time.perf_counter() - started)
    return min(times)


def slope(sizes: list[int], seconds: list[float]) -> float:
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def main() -> int:
    results = {"per_op": per_op_overhead_us()}
    print(json.dumps({"benchmark": "per_op_overhead", **results["per_op"]}), flush=True)
    for name, build, sizes in (("wide", wide_graph, [1_000, 10_000, 100_000]), ("deep", deep_chain, [100, 1_000, 10_000])):
        seconds = [backward_seconds(build, n) for n in sizes]
        results[name] = {"sizes": sizes, "backward_s": seconds, "slope": slope(sizes, seconds),
                         "us_per_node": [s / n * 1e6 for s, n in zip(seconds, sizes)]}
        print(json.dumps({"benchmark": f"{name}_backward", **results[name]}), flush=True)
    print()
    print("| measure | value |\n|---|---|")
    print(f"| overhead per op, forward + backward | {results['per_op']['forward_backward_us_per_op']:.1f} µs |")
    for name in ("wide", "deep"):
        r = results[name]
        print(f"| {name} graph backward, {r['sizes'][-1]:,} nodes | {r['backward_s'][-1] * 1e3:.0f} ms "
              f"({statistics.mean(r['us_per_node']):.1f} µs/node), growth exponent {r['slope']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
