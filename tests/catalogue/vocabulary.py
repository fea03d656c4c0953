"""The shared edge-case vocabulary every catalogue entry draws its samples from.

Shapes: 0-d, size-0 and size-1 axes, and broadcasting both ways (0-d against n-d too).
Axes: None, negative, tuple, each with and without keepdims. Layouts: contiguous,
transposed and reversed (negative strides) views. Values: normal, positive, away from
zero, with ties, at singular points (0 for pow/log/sqrt/abs) and saturating (±1000).
Geometries for 2-D windows that tile, overlap, skip rows (stride > kernel), pad and dilate.
Empty batches. Everything is a function of a `np.random.Generator`, so samples are seeded.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Callable, Iterable

import numpy as np

from catalogue import Sample

HAS_TORCH = importlib.util.find_spec("torch") is not None

# ----------------------------------------------------------------- shapes
SHAPES = [(), (1,), (5,), (0,), (2, 3), (1, 4), (0, 3), (2, 1, 3)]
"""Unary shapes: 0-d, size-1, plain, size-0 axes."""

BROADCAST_PAIRS = [
    ((2, 3), (2, 3)), ((), (2, 3)), ((2, 3), ()), ((), ()), ((2, 1), (1, 3)), ((3,), (2, 3)),
    ((2, 3), (3,)), ((0, 3), (1, 3)), ((1,), ()), ((2, 1, 3), (4, 1)),
]
"""Binary shape pairs: equal, 0-d against n-d both ways, outer, leading-axis, size-0."""

AXES_3D = [None, 0, -1, (0, 2), (-1, 0), ()]
"""Axis arguments for a reduction over a 3-d tensor: all, first, negative, tuples, empty tuple."""

LAYOUTS = ("contiguous", "transposed", "reversed")

# (H, W, kernel, stride, padding): tiling, overlapping, stride > kernel (rows no window covers),
# not dividing the size, padded, rectangular.
POOL_GEOMETRIES = [
    (4, 4, 2, 2, 0), (5, 5, 2, 2, 0), (8, 8, 2, 3, 0), (5, 6, 3, 1, 0), (5, 5, 3, 2, 1),
    (6, 7, (2, 3), (3, 2), (1, 1)), (4, 4, 1, 2, 0),
]
# (H, W, kernel, stride, padding, dilation) for convolution.
CONV_GEOMETRIES = [
    (5, 5, 3, 1, 0, 1), (5, 6, 3, 2, 1, 1), (7, 7, 2, 3, 0, 1), (6, 6, 3, 1, 2, 2), (4, 5, (2, 3), (1, 2), (1, 0), 1),
]


# ----------------------------------------------------------------- values
def values(rng: np.random.Generator, shape: tuple[int, ...], kind: str = "normal") -> np.ndarray:
    """float64 values of one kind:

    normal; positive (in [0.2, 3]); unit (in (0.05, 0.95): probabilities); away (|x| ≥ 0.2, for kinks);
    ties (few distinct values: equal maxima); saturating (±1000 mixed with ordinary values);
    zeros (the singular point of pow, log, sqrt, abs).
    """
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "positive":
        return rng.uniform(0.2, 3.0, shape)
    if kind == "unit":
        return rng.uniform(0.05, 0.95, shape)
    if kind == "away":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)
    if kind == "ties":
        return rng.integers(-1, 2, shape).astype(np.float64)
    if kind == "saturating":
        return rng.choice([-1000.0, -40.0, 0.5, 40.0, 1000.0], shape)
    if kind == "zeros":
        return np.zeros(shape)
    raise ValueError(f"unknown kind of values {kind!r}")


def laid_out(array: np.ndarray, layout: str) -> np.ndarray:
    """The same values and shape in another memory layout: a transposed or a reversed (negative-stride) view."""
    if layout == "contiguous" or array.ndim == 0:
        return array
    if layout == "transposed":
        return np.ascontiguousarray(array.T).T
    if layout == "reversed":
        return np.ascontiguousarray(array[..., ::-1])[..., ::-1]
    raise ValueError(f"unknown layout {layout!r}")


def shape_id(shape: tuple[int, ...]) -> str:
    return "0d" if shape == () else "x".join(map(str, shape))


# ---------------------------------------------------------------- samples
def unary(rng: np.random.Generator, kind: str = "normal", shapes: Iterable = SHAPES, **kwargs: Any) -> list[Sample]:
    """One sample per shape, plus a transposed and a reversed view of a 2-d input."""
    samples = [Sample([values(rng, s, kind)], dict(kwargs), shape_id(s)) for s in shapes]
    for layout in LAYOUTS[1:]:
        samples.append(Sample([laid_out(values(rng, (3, 4), kind), layout)], dict(kwargs), layout))
    return samples


def binary(rng: np.random.Generator, kinds: tuple[str, str] = ("normal", "normal"),
           pairs: Iterable = BROADCAST_PAIRS) -> list[Sample]:
    """One sample per broadcast pair, plus both operands non-contiguous."""
    samples = [
        Sample([values(rng, a, kinds[0]), values(rng, b, kinds[1])], id=f"{shape_id(a)}-{shape_id(b)}")
        for a, b in pairs
    ]
    samples.append(Sample([laid_out(values(rng, (3, 4), kinds[0]), "transposed"),
                           laid_out(values(rng, (3, 4), kinds[1]), "reversed")], id="noncontiguous"))
    return samples


def reductions(rng: np.random.Generator, kind: str = "normal", axes: Iterable = AXES_3D) -> list[Sample]:
    """axis × keepdims over a (2, 3, 4) tensor; 0-d; size-0 axes reduced and kept; a transposed view."""
    samples = []
    for axis in axes:
        for keepdims in (False, True):
            samples.append(Sample([values(rng, (2, 3, 4), kind)], {"axis": axis, "keepdims": keepdims},
                                  f"axis={axis}-keepdims={keepdims}"))
    samples.append(Sample([values(rng, (), kind)], {"axis": None, "keepdims": False}, "0d"))
    samples.append(Sample([values(rng, (0, 4), kind)], {"axis": 1, "keepdims": True}, "0x4-axis=1"))
    samples.append(Sample([values(rng, (3, 0), kind)], {"axis": 0, "keepdims": False}, "3x0-axis=0"))
    samples.append(Sample([laid_out(values(rng, (3, 4), kind), "reversed")], {"axis": -1, "keepdims": False},
                          "reversed"))
    return samples


def singular(points: Iterable[float], extra: Iterable[np.ndarray] = (), **kwargs: Any) -> list[Sample]:
    """Samples at the singular points of a function: compared with PyTorch, not by finite differences."""
    return [Sample([np.array(p), *[np.array(e) for e in extra]], dict(kwargs), f"at-{p}", fd=False) for p in points]


def pool_samples(rng: np.random.Generator, kind: str = "normal") -> list[Sample]:
    """One (N, C, H, W) batch per pooling geometry; an empty batch; a channels-last view."""
    samples = []
    for h, w, k, s, p in POOL_GEOMETRIES:
        kw = {"kernel_size": k, "stride": s, "padding": p}
        samples.append(Sample([values(rng, (2, 2, h, w), kind)], kw, f"{h}x{w}-k{k}-s{s}-p{p}"))
    samples.append(Sample([values(rng, (0, 2, 4, 4), kind)], {"kernel_size": 2, "stride": 2, "padding": 0},
                          "empty-batch"))
    channels_last = np.ascontiguousarray(values(rng, (2, 5, 5, 3), kind)).transpose(0, 3, 1, 2)
    samples.append(Sample([channels_last], {"kernel_size": 2, "stride": 1, "padding": 0}, "channels-last"))
    return samples


# ------------------------------------------------------------------ torch
def torch() -> Any:
    """The torch module (import only inside `theirs`, so the catalogue loads without it)."""
    import torch as _torch

    return _torch


def to_torch(x: Any) -> Any:
    """A NumPy constant (targets, labels, running statistics) as a torch tensor."""
    return torch().from_numpy(np.array(x))


def torch_axis(axis: Any, ndim: int) -> Any:
    """Our `axis` as torch's `dim`: None means every axis (an empty tuple means none)."""
    return tuple(range(ndim)) if axis is None else axis


def each(fn: Callable[[np.random.Generator], list[Sample]], *more: Callable) -> Callable:
    """Samples from several generators at once: each(lambda rng: unary(rng), lambda rng: singular([0.0]))."""
    return lambda rng: [s for f in (fn, *more) for s in f(rng)]
