"""The compiled kernels against the NumPy path, interleaved in one process (issue 22).

    OMP_NUM_THREADS=2 python benchmarks/kernels.py [--rounds 5] [--repeats 20]

Each case runs NumPy, then the kernel (`chainrule.ops.compiled.kernels()`), then NumPy again, …, for
`rounds` rounds of `repeats` calls each, and prints the median ms per call of each path: the CNN
workload's channels-last max pool (its second, 64×32×14×14), its col2im (`conv.add_windows` of the
second convolution's input gradient), and the whole CNN training step (benchmarks/workloads/cnn.py).
Needs a C compiler (else both columns time NumPy).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

from chainrule.ops import compiled
from chainrule.ops.conv import add_windows
from chainrule.ops.pooling import MaxPool2d

sys.path.insert(0, str(Path(__file__).resolve().parent))


def cases() -> dict[str, Callable[[], object]]:
    from workloads import cnn

    rng = np.random.default_rng(0)
    x = np.tanh(rng.standard_normal((64, 14, 14, 32))).astype(np.float32).transpose(0, 3, 1, 2)  # channels-last
    g = rng.standard_normal((64, 32, 7, 7)).astype(np.float32)  # from Flatten: (N, C, H, W)
    pool = MaxPool2d((2, 2), (2, 2), (0, 0))
    per_offset = rng.standard_normal((25, 64 * 14 * 14, 16)).astype(np.float32)
    return {
        "max_pool2d forward (64, 32, 14, 14) NHWC": lambda: pool.forward(x),
        "max_pool2d forward + backward": lambda: pool.backward(g, x, pool.forward(x)),
        "add_windows (25, 12544, 16) -> (64, 18, 18, 16)":
            lambda: add_windows(per_offset, (64, 18, 18, 16), (14, 14), (5, 5), (1, 1), (1, 1)),
        "cnn training step": cnn.make("chainrule"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    print("| case | NumPy ms | kernel ms |\n|---|---|---|")
    for name, run in cases().items():
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.rounds):
            for on in (False, True):
                with compiled.kernels(on):
                    run()  # warm: compile, scratch buffers
                    started = time.perf_counter()
                    for _ in range(args.repeats):
                        run()
                    times[on].append((time.perf_counter() - started) / args.repeats * 1e3)
        numpy_ms, kernel_ms = (statistics.median(times[on]) for on in (False, True))
        print(f"| {name} | {numpy_ms:.3f} | {kernel_ms:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
