"""A progress bar for long work: tqdm when it is installed, a plain text line otherwise.

On a terminal the bar redraws itself in place (``\r``). When the output is not a
terminal (a log file, a pipe, CI), nothing is redrawn: a whole line is written
every `log_every` seconds instead, so logs stay readable.

>>> with Progress(total=3, description="demo", enabled=False) as bar:
...     for _ in range(3):
...         bar.update(1, loss=0.5)
"""

from __future__ import annotations

import importlib.util
import sys
import time
from typing import Any, TextIO


class Progress:
    """Counts work done out of `total`, showing a description, rate and key numbers (loss, …)."""

    log_every = 10.0  # seconds between two lines when the output is not a terminal

    def __init__(self, total: int, description: str = "", enabled: bool = True, unit: str = "it",
                 stream: TextIO | None = None) -> None:
        self.total, self.description, self.enabled, self.unit = total, description, enabled, unit
        self.stream = stream or sys.stderr
        self.count = 0
        self.values: dict[str, float] = {}
        self._start = time.perf_counter()
        self._last_draw = self._start
        self._tqdm = None
        isatty = getattr(self.stream, "isatty", None)
        self._terminal = bool(isatty and isatty())
        if enabled and self._terminal and importlib.util.find_spec("tqdm") is not None:
            from tqdm import tqdm

            self._tqdm = tqdm(total=total, desc=description, unit=unit, file=self.stream, leave=False,
                              dynamic_ncols=True)

    def update(self, n: int = 1, **values: float) -> None:
        self.count += n
        self.values.update(values)
        if not self.enabled:
            return
        if self._tqdm is not None:
            self._tqdm.update(n)
            if values:
                self._tqdm.set_postfix({k: f"{v:.4g}" for k, v in self.values.items()}, refresh=False)
            return
        now = time.perf_counter()
        if self._terminal and (now - self._last_draw >= 0.2 or self.count >= self.total):
            self._last_draw = now
            self.stream.write("\r" + self.line())
            self.stream.flush()
        elif not self._terminal and now - self._last_draw >= self.log_every and self.count < self.total:
            self._last_draw = now
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def line(self) -> str:
        elapsed = max(time.perf_counter() - self._start, 1e-9)
        width = 24
        filled = int(width * self.count / max(self.total, 1))
        bar = "=" * filled + (">" if filled < width else "") + " " * max(width - filled - 1, 0)
        shown = "  ".join(f"{k} {v:.4g}" for k, v in self.values.items())
        return (f"{self.description} [{bar}] {self.count}/{self.total} {shown}  "
                f"{self.count / elapsed:.1f} {self.unit}/s")

    def close(self) -> None:
        if not self.enabled:
            return
        if self._tqdm is not None:
            self._tqdm.close()
        elif self._terminal:
            self.stream.write("\r" + " " * len(self.line()) + "\r")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
