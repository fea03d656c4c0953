"""Run a notebook cell of the book the way a reader would: only its imports changed.

A cell is kept as the book's source (written here from the cell's logic), with
the book's imports (``from lincoln.layers import Dense``, ``from lincoln
import ...``). `run_cell` swaps ``lincoln`` for ``chainrule.book`` in the
import lines — nothing else — executes the cell in a fresh namespace, and
returns what it printed and the names it defined.
"""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any

IMPORT = re.compile(r"^(\s*)(from|import)\s+lincoln\b", re.MULTILINE)


def swap_imports(source: str) -> str:
    """``from lincoln.x import y`` → ``from chainrule.book.x import y``; the other lines untouched."""
    return IMPORT.sub(lambda m: f"{m.group(1)}{m.group(2)} chainrule.book", source)


def run_cell(source: str, namespace: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """(printed text, namespace) after running the cell with its imports swapped."""
    namespace = {} if namespace is None else namespace
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(swap_imports(source), "<notebook cell>", "exec"), namespace)
    return printed.getvalue(), namespace


def numbers_after(text: str, label: str) -> list[float]:
    """Every number printed right after `label` (e.g. "is", "accuracy is:"), in order."""
    return [float(x) for x in re.findall(re.escape(label) + r"\s*(-?\d+(?:\.\d+)?)", text)]
