"""Reusable work arrays for the large temporaries of convolution and pooling.

One training step of a small CNN allocates tens of megabytes of temporaries: padded
images, im2col matrices, per-offset gradients. Memory that the allocator has handed
back to the operating system costs a page fault per 4 KiB page when it is touched
again, and for such a step on a CPU that was about a third of the time. `take(shape,
dtype)` returns an array kept from an earlier step instead — but only one that nothing
else refers to any more. The pool counts references: an array saved for backward,
returned as an output, or seen through any view is never handed out a second time.
Arrays come uninitialised, like ``np.empty``.

Each thread has its own pool, bounded by `MAX_BYTES` (least recently used out first);
arrays smaller than `MIN_BYTES` are left to NumPy's own allocation.

Stale-memory guard (a test mode): inside ``with stale_memory_guard():``, or in a process
started with the environment variable ``CHAINRULE_STALE_MEMORY_GUARD=1``, every array
handed out by `take`, `take_like`, `empty` and `empty_like` is first filled with NaN. An
operation that reads memory it never wrote (a gradient buffer that is not fully
written) then gives NaN instead of whatever the memory held — reliably, not by chance.
Operations take their uninitialised buffers from here (never `np.empty` directly) so the
guard sees them all.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import OrderedDict
from typing import Any, Iterator

import numpy as np

MAX_BYTES = 256 << 20  # per thread
MIN_BYTES = 256 << 10


class _Pool(threading.local):
    def __init__(self) -> None:
        self.arrays: OrderedDict[int, np.ndarray] = OrderedDict()
        self.nbytes = 0


_pool = _Pool()


class _Guard(threading.local):
    enabled = os.environ.get("CHAINRULE_STALE_MEMORY_GUARD", "") not in ("", "0")


_guard = _Guard()


@contextlib.contextmanager
def stale_memory_guard(enabled: bool = True) -> Iterator[None]:
    """Test mode: every uninitialised array handed out inside is filled with NaN first (module docstring)."""
    previous = _guard.enabled
    _guard.enabled = enabled
    try:
        yield
    finally:
        _guard.enabled = previous


def is_stale_memory_guarded() -> bool:
    """Whether the stale-memory guard is on (in this thread)."""
    return _guard.enabled


def _poisoned(array: np.ndarray) -> np.ndarray:
    if _guard.enabled and array.dtype.kind == "f":
        array.fill(np.nan)
    return array


def empty(shape: Any, dtype: Any) -> np.ndarray:
    """``np.empty(shape, dtype)``, NaN-filled under the stale-memory guard: for buffers every element of which is written."""
    return _poisoned(np.empty(shape, dtype))


def empty_like(template: np.ndarray, dtype: Any = None) -> np.ndarray:
    """``np.empty_like(template)``, NaN-filled under the stale-memory guard."""
    return _poisoned(np.empty_like(template, dtype=dtype))


def _references(arrays: OrderedDict, key: int) -> int:
    """The reference count of arrays[key] seen from here: the pool's, this frame's, the call's."""
    array = arrays[key]
    return sys.getrefcount(array)


def _unreferenced_count() -> int:
    """What `_references` says of an array that only the pool holds (differs between Pythons)."""
    arrays = OrderedDict([(0, np.empty(1))])
    return _references(arrays, 0)


_FREE = _unreferenced_count()


def take(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised C-contiguous array of `shape` and `dtype`, reused when one is free."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if not MIN_BYTES <= nbytes <= MAX_BYTES // 2:
        return empty(shape, dtype)
    arrays = _pool.arrays
    for key in arrays:
        array = arrays[key]
        if array.shape == shape and array.dtype == dtype:
            del array  # drop this frame's reference before counting
            if _references(arrays, key) == _FREE:
                arrays.move_to_end(key)
                return _poisoned(arrays[key])
    array = np.empty(shape, dtype)
    arrays[id(array)] = array
    _pool.nbytes += nbytes
    while _pool.nbytes > MAX_BYTES:
        _, old = arrays.popitem(last=False)
        _pool.nbytes -= old.nbytes
    return _poisoned(array)


def take_like(template: np.ndarray, dtype: Any = None, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Like ``np.empty_like(template)``: the same shape (or `shape`) and memory order (channels-last stays so)."""
    order = sorted(range(template.ndim), key=lambda axis: -template.strides[axis])  # outermost first
    shape = template.shape if shape is None else shape
    array = take(tuple(shape[axis] for axis in order), template.dtype if dtype is None else dtype)
    return array.transpose(np.argsort(order))


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` (both at least 2-D) written into a work array from the pool instead of fresh memory."""
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    return np.matmul(a, b, out=take(shape, np.result_type(a, b)))


def clear() -> None:
    """Forget every kept array (this thread's pool); memory is freed once nothing else holds it."""
    _pool.arrays.clear()
    _pool.nbytes = 0
