"""Argument checks shared by the public entry points, so every one words its errors alike."""

from __future__ import annotations

from typing import Any

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
