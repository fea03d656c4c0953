"""The compiled kernels against the NumPy path, interleaved in one process (issue 22).

    OMP_NUM_THREADS=2 python benchmarks/kernels.py [--rounds 5] [--repeats 20]

Each case runs NumPy, then the kernel (`chainrule.ops.compiled.kernels()`), then NumPy again, …, for
`rounds` rounds of `repeats` calls each, and prints the median ms per call of each path: each
operation with a kernel, forward and backward, on the shapes of the benchmark workloads (the CNN's
channels-last max pool, its second, 64×32×14×14, and its col2im, `conv.add_windows` of the second
convolution's input gradient; the LSTM workload's LSTM; the GPT workload's GELU, LayerNorm and
causal attention), and the CNN, LSTM and GPT training steps (benchmarks/workloads/). `--only TEXT`
keeps the cases whose name contains TEXT. Needs a C compiler (else both columns time NumPy).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops import compiled
from chainrule.ops.attention import Attention, causal_mask
from chainrule.ops.conv import add_windows
from chainrule.ops.gelu import GELU
from chainrule.ops.normalization import LayerNorm
from chainrule.ops.pooling import MaxPool2d
from chainrule.ops.recurrent import LSTM

sys.path.insert(0, str(Path(__file__).resolve().parent))


def cases() -> dict[str, Callable[[], object]]:
    from workloads import cnn, gpt, lstm

    rng = np.random.default_rng(0)
    lstm_shapes = [(32, 64, 65), (32, 256), (32, 256), (65, 1024), (256, 1024), (1024,), (1024,)]
    x = np.tanh(rng.standard_normal((64, 14, 14, 32))).astype(np.float32).transpose(0, 3, 1, 2)  # channels-last
    g = rng.standard_normal((64, 32, 7, 7)).astype(np.float32)  # from Flatten: (N, C, H, W)
    pool = MaxPool2d((2, 2), (2, 2), (0, 0))
    per_offset = rng.standard_normal((25, 64 * 14 * 14, 16)).astype(np.float32)
    return {
        "max_pool2d forward (64, 32, 14, 14) NHWC": lambda: pool.forward(x),
        "max_pool2d forward + backward": lambda: pool.backward(g, x, pool.forward(x)),
        "add_windows (25, 12544, 16) -> (64, 18, 18, 16)":
            lambda: add_windows(per_offset, (64, 18, 18, 16), (14, 14), (5, 5), (1, 1), (1, 1)),
        "lstm forward + backward (N 32, T 64, F 65, H 256)": _forward_backward(
            LSTM(), [rng.standard_normal(s).astype(np.float32) for s in lstm_shapes], range(3, 7)),
        "gelu forward + backward (768, 512)": _forward_backward(GELU(), [rng.standard_normal((768, 512))], [0]),
        "layer_norm forward + backward (12, 64, 128)": _forward_backward(
            LayerNorm((2,), 1e-5, True, True), [rng.standard_normal(s) for s in ((12, 64, 128), (128,), (128,))],
            [0, 1, 2]),
        "attention forward + backward (12, 4, 64, 32), causal": _forward_backward(
            Attention(32 ** -0.5, causal_mask(64, 64), None), [rng.standard_normal((12, 4, 64, 32))] * 3, [0, 1, 2]),
        "cnn training step": cnn.make("chainrule"),
        "lstm training step": lstm.make("chainrule"),
        "gpt training step": gpt.make("chainrule"),
    }


def _forward_backward(op: Operation, inputs: list[np.ndarray], wanted: Iterable[int]) -> Callable[[], object]:
    """One call of op's forward and backward on float32 inputs, the gradient of every output all ones."""
    inputs = [np.asarray(a, np.float32) for a in inputs]
    wanted = set(wanted)
    op.needs_grad = tuple(i in wanted for i in range(len(inputs)))

    def run() -> object:
        outputs = op.forward(*inputs)
        grads = tuple(np.ones_like(o) for o in outputs) if isinstance(outputs, tuple) else np.ones_like(outputs)
        return op.backward(grads, *inputs, outputs)

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    args = parser.parse_args(argv)
    print("| case | NumPy ms | kernel ms |\n|---|---|---|")
    for name, run in cases().items():
        if args.only not in name:
            continue
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
