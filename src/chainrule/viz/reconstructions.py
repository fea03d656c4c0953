"""Autoencoder reconstructions: each input image above what the network made of it.

Needs matplotlib (``pip install -e ".[plot]"`` in a checkout; ``make demo`` installs it).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from chainrule.viz._figure import as_array, new_figure, save


def plot_reconstructions(
    originals: Any,
    reconstructions: Any,
    path: str | os.PathLike | None = None,
    n: int = 8,
    title: str | None = None,
) -> Any:
    """Draw the first `n` inputs in the top row and their reconstructions below, each with its error.

    Args:
        originals: images of shape (N, 1, H, W), (N, 3, H, W), (N, H, W), or
            flattened (N, H·W) with a square H = W (such as MNIST's 784).
        reconstructions: the autoencoder's outputs for them, the same shape.
        path: where to save the figure, if given.
        n: how many pairs to draw (fewer if there are fewer images).
        title: the figure's title (default: the mean squared error of the drawn pairs).

    Both rows share one grey scale (the originals' range), so a washed-out
    reconstruction looks washed out. Under each reconstruction is its mean
    squared error against the original.

    Returns the matplotlib Figure.
    """
    top = _images(originals, "originals")
    bottom = _images(reconstructions, "reconstructions")
    if top.shape != bottom.shape:
        raise ValueError(f"plot_reconstructions: originals {top.shape} and reconstructions {bottom.shape} "
                         "must have the same shape")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"plot_reconstructions: n must be a positive integer, got {n!r}")
    count = min(int(n), len(top))
    top, bottom = top[:count], bottom[:count]
    errors = ((top - bottom) ** 2).reshape(count, -1).mean(axis=1)
    low, high = float(top.min()), float(top.max())
    if high <= low:
        high = low + 1.0
    figure = new_figure(max(1.1 * count, 3.0) + 0.9, 3.0)
    axes_grid = figure.subplots(2, count, squeeze=False)
    for column in range(count):
        for row, images in enumerate((top, bottom)):
            ax = axes_grid[row, column]
            picture = images[column]
            if picture.ndim == 3:  # colour, (H, W, 3)
                ax.imshow(np.clip((picture - low) / (high - low), 0, 1), interpolation="nearest")
            else:
                ax.imshow(picture, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes_grid[1, column].set_xlabel(f"{errors[column]:.3f}", fontsize=7)
    axes_grid[0, 0].set_ylabel("input", fontsize=9)
    axes_grid[1, 0].set_ylabel("output", fontsize=9)
    figure.suptitle(title or f"reconstructions (mean squared error {errors.mean():.4f})", fontsize=10)
    figure.tight_layout()
    save(figure, path)
    return figure


def _images(values: Any, what: str) -> np.ndarray:
    """Images as (N, H, W) for grey or (N, H, W, 3) for colour."""
    images = as_array(values, f"plot_reconstructions({what})").astype(np.float64)
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(f"plot_reconstructions: {what} of shape {images.shape} are flat, and "
                             f"{images.shape[1]} is not a square number of pixels; pass (N, H, W) images")
        return images.reshape(len(images), side, side)
    if images.ndim == 3:
        return images
    if images.ndim == 4 and images.shape[1] == 1:
        return images[:, 0]
    if images.ndim == 4 and images.shape[1] == 3:
        return images.transpose(0, 2, 3, 1)
    raise ValueError(f"plot_reconstructions: {what} must be images of shape (N, 1, H, W), (N, 3, H, W), "
                     f"(N, H, W) or (N, H·W), got {images.shape}")
