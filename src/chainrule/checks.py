"""Argument checks shared by the public entry points, so every one words its errors alike."""

from __future__ import annotations

import os
import stat
from typing import Any, BinaryIO

import numpy as np


def check_count(who: str, name: str, value: Any, minimum: int = 1) -> int:
    """`value` as an int of at least `minimum` (0 or 1), else a ValueError naming `who` and `name`.

    Python and NumPy integers pass; bools and floats (even 3.0) do not.

    >>> check_count("batches", "batch_size", np.int64(32))
    32
    >>> check_count("sample", "length", -1, minimum=0)
    Traceback (most recent call last):
    ValueError: sample: length must be a non-negative integer, got -1
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        kind = "positive" if minimum == 1 else "non-negative" if minimum == 0 else f"at least {minimum}"
        raise ValueError(f"{who}: {name} must be a {kind} integer, got {value!r}")
    return int(value)


def check_seed(who: str, seed: Any) -> int | None:
    """A seed for `np.random.default_rng`: None or a non-negative integer, else a ValueError naming `who`."""
    return None if seed is None else check_count(who, "seed", seed, minimum=0)


def as_batch(who: str, what: str, value: Any) -> np.ndarray:
    """`value` as an array with a first axis of samples, else a ValueError or TypeError saying what is wrong.

    >>> as_batch("predict", "X", [[1, 2], [3]])
    Traceback (most recent call last):
    ValueError: predict: X must be a rectangular array (every row the same length), got a ragged nested list
    """
    try:
        array = np.asarray(value)
    except ValueError:
        raise ValueError(f"{who}: {what} must be a rectangular array (every row the same length), "
                         "got a ragged nested list") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise TypeError(f"{who}: {what} must be numeric input (an array of numbers), got {type(value).__name__} of dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{who}: {what} must be a batch, an array whose first axis counts the samples, got the "
                         f"single number {value!r}; wrap it: np.array([[{value!r}]])")
    return array


def open_regular_file(path: str | os.PathLike, error: type[Exception]) -> BinaryIO:
    """Open `path` for reading in binary, refusing (with `error`) anything but a regular file.

    The file is opened without blocking and checked before a byte is read, so a FIFO with no
    writer, /dev/zero or a directory is refused at once instead of hanging or filling memory.
    A missing file raises FileNotFoundError, as `open` does.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else \
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file"
            raise error(f"{path}: {kind}, not a regular file; give the path of a file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
