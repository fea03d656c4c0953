"""Which OpenBLAS kernels NumPy's GEMMs run: set before NumPy is imported, like the thread count.

NumPy's wheels bundle an OpenBLAS built for many CPUs that picks its kernels from the CPU
model at load time. A processor it does not know gets a safe older choice: on the AMD EPYC
of docs/performance.md (AVX-512 in /proc/cpuinfo) it ran the AVX2 kernels, and a (256, 2048)
by (2048, 1024) float32 product took 9.5 ms on one thread instead of 5.5 ms with the AVX-512
("SkylakeX") kernels. ``OPENBLAS_CORETYPE`` names the kernels to use instead; it must be set
before OpenBLAS loads and is only ever set here to kernels whose instructions the CPU lists.
"""

from __future__ import annotations

import os
from pathlib import Path

AVX512 = {"avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"}  # what the SkylakeX kernels use


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The instruction-set flags of the first processor in /proc/cpuinfo (empty where there is none)."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text() if path.exists() else ""
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def choose_openblas_kernels(choice: str, flags: set[str] | None = None) -> str | None:
    """Set ``OPENBLAS_CORETYPE`` and return it: "auto" picks SkylakeX where the CPU has AVX-512 and the
    variable is unset, "none" leaves OpenBLAS's own choice (returns what the environment already says),
    anything else is taken as the kernel name."""
    already = os.environ.get("OPENBLAS_CORETYPE")
    if choice == "none" or (choice == "auto" and already):
        return already
    if choice == "auto":
        if not AVX512 <= (cpu_flags() if flags is None else flags):
            return None
        choice = "SkylakeX"
    os.environ["OPENBLAS_CORETYPE"] = choice
    return choice
