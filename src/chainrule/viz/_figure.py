"""The one place the plots meet matplotlib: a lazily imported, screen-free figure and its saving.

matplotlib is an optional extra (``pip install -e ".[plot]"`` in a checkout; ``make demo`` installs it); nothing here
imports it until a plot is asked for. Figures are made with
``matplotlib.figure.Figure`` on an Agg canvas, not with ``pyplot``: no window,
no global list of open figures, so a script or a server can draw thousands.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.tensor import Tensor

DPI = 100  # pixels per inch of every saved PNG: a figure of 6.4×4.8 inches gives 640×480 pixels

# Into the very environment running chainrule (`make demo`'s .venv installs it already); from a checkout,
# `pip install -e ".[plot]"` does the same (`pip install 'chainrule[plot]'` would fetch another chainrule).
INSTALL_HINT = f"{shlex.quote(sys.executable)} -m pip install matplotlib  (from a checkout: pip install -e \".[plot]\")"


def require_matplotlib() -> None:
    """Raise an ImportError that says how to install matplotlib, if it is missing.

    Call it before long work whose result you mean to plot, so a missing
    extra is reported before the work and not after.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError(f"chainrule's plots need matplotlib, which is not installed: {INSTALL_HINT}") from error


def new_figure(width: float, height: float) -> Any:
    """A matplotlib Figure of width × height inches on the non-interactive Agg canvas."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def save(figure: Any, path: str | os.PathLike | None) -> None:
    """Write `figure` to `path` (PNG unless the suffix names another format), at `DPI`."""
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, format=path.suffix[1:].lower() or "png")


def as_array(values: Any, what: str) -> np.ndarray:
    """`values` (a Tensor, a Parameter, a torch tensor or anything array-like) as a NumPy array."""
    if isinstance(values, Tensor):
        return values.data
    if hasattr(values, "detach") and hasattr(values, "cpu"):  # a torch tensor
        return values.detach().cpu().numpy()
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what}: expected numbers (an array or a Tensor), got {type(values).__name__}")
    return array
