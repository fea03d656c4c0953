"""Rows of a reproduction table: our number beside the book's (and PyTorch's), against a bar."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable


@dataclass
class Row:
    """One experiment's result. Numbers are printed as given; None prints as "—".

    `bar` describes the target (e.g. "≤ 2.65"); `passed` says whether ours meets it.
    """

    experiment: str
    metric: str
    ours: float | None
    book: float | None = None
    torch: float | None = None
    bar: str = ""
    passed: bool | None = None
    seconds: float | None = None


def progress(what: str, seconds: float | None = None) -> None:
    """Say on stderr that an experiment is done (and how long it took), while the chapter runs."""
    print(f"  done: {what}" + ("" if seconds is None else f"  [{seconds:.1f} s]"), file=sys.stderr, flush=True)


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    if metric.endswith("%"):
        return f"{100 * value:.2f}"
    return f"{value:.4f}"


def format_table(title: str, rows: list[Row]) -> str:
    """A Markdown table: experiment, metric, ours, the book's (printed in the book), PyTorch's, bar, met."""
    header = ["experiment", "metric", "ours", "book (printed)", "PyTorch (same config, this run)", "bar", "met", "time (s)"]
    lines = [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        met = "—" if r.passed is None else ("yes" if r.passed else "NO")
        seconds = "—" if r.seconds is None else f"{r.seconds:.1f}"
        cells = [r.experiment, r.metric, _fmt(r.ours, r.metric), _fmt(r.book, r.metric), _fmt(r.torch, r.metric), r.bar, met, seconds]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def at_most(limit: float) -> tuple[str, Callable[[float], bool]]:
    return f"≤ {limit:g}", lambda value: value <= limit


def at_least(limit: float, percent: bool = False) -> tuple[str, Callable[[float], bool]]:
    shown = f"{100 * limit:g} %" if percent else f"{limit:g}"
    return f"≥ {shown}", lambda value: value >= limit


def within(reference: float, tolerance: float, percent: bool = False) -> tuple[str, Callable[[float], bool]]:
    shown = f"{100 * tolerance:g} %" if percent else f"{tolerance:g}"
    return f"within {shown} of {100 * reference if percent else reference:.4g}", lambda value: abs(value - reference) <= tolerance
