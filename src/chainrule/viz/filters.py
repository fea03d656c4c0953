"""Convolution filters as little pictures: what the first layer of a CNN looks for.

A first-layer kernel is applied directly to image patches, so drawing its
weights as an image shows the pattern it responds to most (an edge, a stroke,
a blob). Weights are drawn with a diverging colour map centred on zero: red
pixels add to the response, blue ones subtract, white ones are ignored.

Needs matplotlib (``pip install -e ".[plot]"`` in a checkout; ``make demo`` installs it).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from chainrule.viz._figure import as_array, new_figure, save


def plot_conv_filters(
    layer_or_weights: Any,
    path: str | os.PathLike | None = None,
    max_filters: int = 64,
    cmap: str = "RdBu_r",
    title: str | None = None,
) -> Any:
    """Draw convolution kernels of shape (C_out, C_in, kh, kw) as a grid of small images.

    Args:
        layer_or_weights: a `Conv2D` layer (anything with a ``.weight``), a network
            (its first layer with 4-D weights is used), or the weights themselves as
            an array or Tensor of shape (C_out, C_in, kh, kw).
        path: where to save the figure, if given.
        max_filters: draw at most this many output channels.
        cmap: a matplotlib colour map; the default is diverging around zero.
        title: the figure's title (default: the weights' shape).

    With one input channel (grey images) each filter is one square of the grid;
    with three (RGB images) each is drawn in colour, rescaled to [0, 1]; with any
    other number, row i holds filter i's kernel for each input channel. All
    squares share one colour scale, so strong and weak filters can be compared.

    Returns the matplotlib Figure.
    """
    weights = _conv_weights(layer_or_weights).astype(np.float64)
    total, channels = weights.shape[:2]
    if not isinstance(max_filters, (int, np.integer)) or max_filters < 1:
        raise ValueError(f"plot_conv_filters: max_filters must be a positive integer, got {max_filters!r}")
    shown = weights[:max_filters]
    count = len(shown)
    limit = float(np.abs(shown).max()) or 1.0
    style = {"cmap": cmap, "vmin": -limit, "vmax": limit, "interpolation": "nearest"}
    heading = title or f"{total} filters of {channels}×{weights.shape[2]}×{weights.shape[3]}" + (
        f" (first {count} shown)" if count < total else "")

    if channels in (1, 3):
        columns = math.ceil(math.sqrt(count))
        rows = math.ceil(count / columns)
        figure = new_figure(max(1.0 * columns, 3.0) + (0.6 if channels == 1 else 0), 1.0 * rows + 0.6)
        axes_grid = figure.subplots(rows, columns, squeeze=False)
        image = None
        for index, ax in enumerate(axes_grid.ravel()):
            ax.set_axis_off()
            if index >= count:
                continue
            if channels == 1:
                image = ax.imshow(shown[index, 0], **style)
            else:
                kernel = shown[index].transpose(1, 2, 0)
                spread = kernel.max() - kernel.min()
                ax.imshow((kernel - kernel.min()) / (spread or 1.0), interpolation="nearest")
            ax.set_title(str(index), fontsize=7, pad=2)
        if image is not None:
            figure.colorbar(image, ax=axes_grid.ravel().tolist(), shrink=0.8, label="weight")
    else:
        columns = min(channels, 16)
        figure = new_figure(0.8 * columns + 1.4, 0.8 * count + 0.6)
        axes_grid = figure.subplots(count, columns, squeeze=False)
        for (index, channel), ax in np.ndenumerate(axes_grid):
            image = ax.imshow(shown[index, channel], **style)
            ax.set_xticks([])
            ax.set_yticks([])
            if channel == 0:
                ax.set_ylabel(f"filter {index}", fontsize=7)
            if index == 0:
                ax.set_title(f"in {channel}", fontsize=7)
        figure.colorbar(image, ax=axes_grid.ravel().tolist(), shrink=0.8, label="weight")
    figure.suptitle(heading, fontsize=10)
    save(figure, path)
    return figure


def _conv_weights(source: Any) -> np.ndarray:
    """The (C_out, C_in, kh, kw) kernel array of a layer, a network or an array."""
    if hasattr(source, "layers") and not hasattr(source, "weight"):  # a network: its first conv layer
        for layer in source.layers:
            weight = getattr(layer, "weight", None)
            if weight is not None and np.ndim(as_array(weight, "plot_conv_filters")) == 4:
                source = layer
                break
        else:
            raise ValueError("plot_conv_filters: this network has no layer with 4-D convolution weights "
                             "(or its layers are not built yet: run a batch through it first)")
    if hasattr(source, "weight"):
        if source.weight is None:
            raise ValueError(f"plot_conv_filters: this {type(source).__name__} has no weights yet: they are "
                             "created on its first call, so run a batch through it first")
        source = source.weight
    weights = as_array(source, "plot_conv_filters")
    if weights.ndim != 4:
        raise ValueError(f"plot_conv_filters: expected kernels of shape (C_out, C_in, kh, kw), got {weights.shape}")
    if 0 in weights.shape:
        raise ValueError(f"plot_conv_filters: the kernels are empty (shape {weights.shape})")
    return weights
