"""Optional compiled kernels: the elementwise work of a few operations fused into single C loops.

NumPy runs an LSTM step's gate arithmetic as a dozen separate passes over memory (exp, add,
reciprocal, tanh, multiply, …), each a call of its own; a loop in C computes each element's
whole formula at once, with the compiler's vectorised exp and tanh (glibc's libmvec). This is
an optional extra, off by default, for the operations whose benchmark it wins
(docs/performance.md):

    CHAINRULE_KERNELS=1 python train.py            # for a whole run, or in code:
    with chainrule.ops.compiled.kernels():          # for a block
        ...

On first use, `kernels/NAME.c` (next to this module) is compiled with the system C compiler
(``$CC``, else ``cc``) into a shared library in a cache folder (``$CHAINRULE_CACHE``, else
``~/.cache/chainrule``), named by a hash of the source, the compiler, its flags and the
processor; later runs load the cached library with ctypes. Where there is no compiler, compiling
fails or the cache folder cannot be written, a warning says so once and every operation keeps
its NumPy path.

The NumPy code of each operation stays the reference: the operation catalogue runs each of
these operations' samples on both paths (tests/test_catalogue.py). A kernel file states its
formulas beside the NumPy code it replaces; the operation's derivation stays in the operation.

Flags: ``-O3 -march=native`` (the library is built on the machine that runs it) and, for the
files in `FAST_MATH`, ``-ffast-math``, which is what lets GCC call the vectorised expf/tanhf.
Those kernels are plain arithmetic on finite or infinite values (exp(−z) = ∞ gives
σ(z) = 1/(1 + ∞) = 0, as in NumPy), with no comparisons or NaN tests that fast-math could
change; the others compile without it. Every library is linked in a step of its own, without
-ffast-math: linked with it, GCC adds start-up code that switches the whole process to
flush-to-zero when the library loads, and NumPy would then turn every denormal number into 0
(a test checks that loading the kernels leaves 1e-40 alone).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

SOURCES = Path(__file__).resolve().parent / "kernels"
FLAGS = ["-O3", "-march=native", "-fPIC"]  # compiling only; linking is a step of its own
# the operations (chainrule.ops.NAME) with a compiled path: the catalogue runs their samples on both paths
OPERATIONS = ("attention", "conv2d", "conv_transpose2d", "gelu", "layer_norm", "lstm", "max_pool2d")
# the kernel files of plain arithmetic and exp/tanh/erfc, which GCC vectorises only under -ffast-math
FAST_MATH = {"attention", "gelu", "layer_norm", "lstm"}
SUFFIX = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}
ARGUMENT_TYPES = {"p": ctypes.c_void_p, "l": ctypes.c_long, "d": ctypes.c_double}


class _Switch(threading.local):
    on = os.environ.get("CHAINRULE_KERNELS", "") not in ("", "0")


_switch = _Switch()
_libraries: dict[str, ctypes.CDLL | None] = {}
_functions: dict[tuple[ctypes.CDLL, str], Callable[..., None]] = {}
_lock = threading.Lock()


def enabled() -> bool:
    """Whether the operations use the compiled kernels (in this thread)."""
    return _switch.on


@contextlib.contextmanager
def kernels(on: bool = True) -> Iterator[None]:
    """Use the compiled kernels inside the block (or, with on=False, the NumPy path only)."""
    previous = _switch.on
    _switch.on = on
    try:
        yield
    finally:
        _switch.on = previous


def cache_folder() -> Path:
    """Where compiled libraries are kept: $CHAINRULE_CACHE, else ~/.cache/chainrule."""
    return Path(os.environ.get("CHAINRULE_CACHE") or Path.home() / ".cache" / "chainrule")


def compiler() -> str | None:
    """The C compiler to use ($CC, else cc), or None where there is none."""
    return shutil.which(os.environ.get("CC", "cc"))


def library(name: str) -> ctypes.CDLL | None:
    """The compiled `kernels/NAME.c`, built on first use; None when the kernels are off or cannot be built."""
    if not _switch.on:
        return None
    if name not in _libraries:
        with _lock:
            if name not in _libraries:
                _libraries[name] = _build(name)
    return _libraries[name]


def kernel(name: str, function: str, signature: str, *arrays: np.ndarray,
           strided: bool = False) -> Callable[..., None] | None:
    """The C function `function`_f32 (or _f64) of `kernels/NAME.c` for the arrays it will work on, or None:
    kernels off or unavailable, or arrays that are not all C-contiguous NumPy arrays of one dtype
    (float32 or float64) — then the operation takes its NumPy path. `signature` gives the C function's
    arguments: p a pointer (``array.ctypes.data``, or an address inside a C-contiguous array), l a C
    long, d a double. The caller must pass exactly the arrays' shapes: C does not check them.
    With ``strided=True`` the arrays may have any strides that are whole elements (`element_strides`),
    which the caller passes to the C function along with the arrays."""
    if not _switch.on:  # the default: nothing to check on the NumPy path
        return None
    dtype = arrays[0].dtype if arrays and isinstance(arrays[0], np.ndarray) else None
    if dtype not in SUFFIX or not all(isinstance(a, np.ndarray) and a.dtype == dtype and (
            a.flags.c_contiguous or strided and a.flags.aligned and all(s % a.itemsize == 0 for s in a.strides))
            for a in arrays):
        return None
    lib = library(name)
    if lib is None:
        return None
    symbol = f"{function}_{SUFFIX[dtype]}"
    if (lib, symbol) not in _functions:  # declared once: ctypes then converts each call's arguments
        c_function = getattr(lib, symbol)
        c_function.argtypes, c_function.restype = [ARGUMENT_TYPES[code] for code in signature], None
        _functions[lib, symbol] = c_function
    return _functions[lib, symbol]


def element_strides(array: np.ndarray) -> tuple[int, ...]:
    """The array's strides in elements (`kernel` with strided=True checks that they are whole)."""
    return tuple(s // array.itemsize for s in array.strides)


def address(array: np.ndarray | None) -> int | None:
    """The data pointer of an array to hand a kernel; None (a null pointer) for an absent one."""
    return None if array is None else array.ctypes.data


def _processor() -> str:
    """This CPU's model and instruction-set flags (Linux), so that a cache folder shared by machines of
    different CPUs never hands one a library built with instructions it lacks."""
    try:
        with open("/proc/cpuinfo") as info:
            lines = [line for line in info if line.startswith(("model name", "flags"))]
        return "".join(sorted(set(lines)))
    except OSError:
        return platform.processor() or platform.machine()


def _build(name: str) -> ctypes.CDLL | None:
    source = SOURCES / f"{name}.c"
    cc = compiler()
    if cc is None:
        warnings.warn(f"chainrule: no C compiler ($CC or cc) for the compiled kernels; using NumPy for {name}",
                      RuntimeWarning, stacklevel=3)
        return None
    flags = FLAGS + ["-ffast-math"] * (name in FAST_MATH)
    identity = " ".join([cc, *flags, _processor()]).encode()  # -march=native: the CPU is part of what was built
    key = hashlib.blake2b(source.read_bytes() + identity, digest_size=10).hexdigest()
    target = cache_folder() / f"{name}-{key}.so"
    try:
        if not target.exists():
            error = _compile(cc, flags, source, target)
            if error:
                warnings.warn(f"chainrule: compiling {source.name} failed, using NumPy for {name}:\n{error}",
                              RuntimeWarning, stacklevel=3)
                return None
        return ctypes.CDLL(str(target))
    except OSError as error:  # a cache folder that cannot be written, a library that cannot be loaded
        warnings.warn(f"chainrule: the compiled kernels of {name} are unavailable ({error}); using NumPy. "
                      "Set CHAINRULE_CACHE to a writable folder to build them", RuntimeWarning, stacklevel=3)
        return None


def _compile(cc: str, flags: list[str], source: Path, target: Path) -> str:
    """Build `source` into the shared library `target`; the compiler's messages if it failed, else ""."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:  # then one atomic rename: no half-written file
        built, objects = Path(work) / target.name, Path(work) / f"{source.stem}.o"
        result = subprocess.run([cc, *flags, "-c", "-o", str(objects), str(source)], capture_output=True, text=True)
        if result.returncode == 0:  # linked without -ffast-math, which would add the startup code that sets
            result = subprocess.run([cc, "-shared", "-o", str(built), str(objects), "-lm"],  # flush-to-zero
                                    capture_output=True, text=True)  # for the whole process (denormals → 0)
        if result.returncode != 0:
            return result.stderr or f"{cc} exited with status {result.returncode}"
        os.replace(built, target)
    return ""
