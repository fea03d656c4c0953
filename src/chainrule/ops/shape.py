"""Shape operations: reshape, transpose, broadcast, flatten, squeeze, unsqueeze, concat, stack, split,
pad, repeat, tile.

None of them changes a value, they only move values around, so each backward
moves the gradient back the inverse way: reshape back, transpose by the
inverse permutation, sum what was broadcast, slice what was joined, join what
was split, cut the padding off, and add up the copies that repeat and tile made.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops.dual import concatenate, scatter_add, sum_to
from chainrule.tensor import Tensor


class Reshape(Operation):
    """y = x with a new shape (same elements, C order).   ∂L/∂x = g reshaped to x's shape."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x):
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into {self.shape}; the number of elements must stay the same"
            ) from None

    def backward(self, g, x, y):
        return g.reshape(x.shape)


class Transpose(Operation):
    """y = x with its axes permuted by `axes`.   ∂L/∂x = g permuted by the inverse permutation."""

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, x):
        axes = tuple(reversed(range(x.ndim))) if self.axes is None else self.axes
        if sorted(a % x.ndim if x.ndim else a for a in axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of {x.shape}")
        self.axes = tuple(a % x.ndim for a in axes)
        return x.transpose(self.axes)

    def backward(self, g, x, y):
        return g.transpose(tuple(np.argsort(self.axes)))


class BroadcastTo(Operation):
    """y = x repeated along new or length-1 axes to `shape`.   ∂L/∂x = sum_to(g, x.shape)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x):
        try:
            return np.broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {self.shape}") from None

    def backward(self, g, x, y):
        return sum_to(g, x.shape)


class Concat(Operation):
    """y = [x₀, x₁, …] joined along `axis`.   ∂L/∂xᵢ = the slice of g that xᵢ filled."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        _check_same_shape_except(xs, self.axis, "concat")
        return np.concatenate(xs, axis=self.axis)

    def backward(self, g, *xs_and_y):
        xs = xs_and_y[:-1]
        axis = self.axis % g.ndim
        bounds = np.cumsum([0] + [x.shape[axis] for x in xs])
        lead = (slice(None),) * axis
        return tuple(g[lead + (slice(int(lo), int(hi)),)] for lo, hi in zip(bounds[:-1], bounds[1:]))


class Stack(Operation):
    """y = [x₀, x₁, …] stacked along a new `axis`.   ∂L/∂xᵢ = g taken at index i of that axis."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        if len({x.shape for x in xs}) != 1:
            raise ValueError(f"stack: all tensors need the same shape, got {[x.shape for x in xs]}")
        return np.stack(xs, axis=self.axis)

    def backward(self, g, *xs_and_y):
        axis = self.axis % g.ndim
        lead = (slice(None),) * axis
        return tuple(g[lead + (i,)] for i in range(len(xs_and_y) - 1))


class Split(Operation):
    """(y₀, y₁, …) = x cut along `axis` at `indices`.   ∂L/∂x = the gᵢ joined back."""

    multiple_outputs = True

    def __init__(self, indices: list[int], axis: int) -> None:
        self.indices, self.axis = indices, axis

    def forward(self, x):
        return tuple(np.split(x, self.indices, axis=self.axis))

    def backward(self, gs, x, ys):
        length = x.shape[self.axis]
        if all(0 <= a <= b <= length for a, b in zip([0, *self.indices], [*self.indices, length])):
            return concatenate(list(gs), self.axis)  # the pieces tile x in order
        # cuts out of order or past the end: pieces overlap or miss parts of x, as in np.split;
        # each piece is x[..., start:stop] (slice semantics), so its gradient is added back there
        lead = (slice(None),) * (self.axis % x.ndim)
        bounds = [0, *self.indices, None]
        total = None
        for start, stop, g in zip(bounds[:-1], bounds[1:], gs):
            part = scatter_add(x.shape, lead + (slice(start, stop),), g)
            total = part if total is None else total + part
        return total


class Pad(Operation):
    """y = x surrounded by `value`: (before, after) elements per axis.

    Every element of x appears once in y, at its index shifted by `before`; the padding is
    constant. So ∂L/∂x = g with the padding cut off: g[before₀ : before₀ + n₀, …].
    """

    def __init__(self, widths: tuple[tuple[int, int], ...], value: float) -> None:
        self.widths, self.value = widths, value

    def forward(self, x):
        return np.pad(x, self.widths, constant_values=x.dtype.type(self.value))

    def backward(self, g, x, y):
        return g[tuple(slice(lo, lo + n) for (lo, _), n in zip(self.widths, x.shape))]


class Repeat(Operation):
    """y = x with each element repeated r times in a row along `axis` ([a, b] → [a, a, b, b]).

    y has x's shape with axis length n·r, and y[…, i·r + k, …] = x[…, i, …] for k < r: viewed as
    (…, n, r, …), y is x broadcast along the new r axis, so ∂L/∂x = g reshaped to (…, n, r, …)
    and summed over r.
    """

    def __init__(self, repeats: int, axis: int) -> None:
        self.repeats, self.axis = repeats, axis

    def forward(self, x):
        return np.repeat(x, self.repeats, axis=self.axis)

    def backward(self, g, x, y):
        a = self.axis
        return g.reshape(x.shape[: a + 1] + (self.repeats,) + x.shape[a + 1 :]).sum(axis=a + 1)


class Tile(Operation):
    """y = x laid out r_k times side by side along each axis k ([a, b] → [a, b, a, b]).

    y[…, j·n + i, …] = x[…, i, …]: viewed as (r₀, n₀, r₁, n₁, …), y is x broadcast along every
    r axis, so ∂L/∂x = g reshaped that way and summed over the r axes.
    """

    def __init__(self, reps: tuple[int, ...]) -> None:
        self.reps = reps

    def forward(self, x):
        return np.tile(x, self.reps)

    def backward(self, g, x, y):
        interleaved = tuple(n for r, m in zip(self.reps, x.shape) for n in (r, m))
        return g.reshape(interleaved).sum(axis=tuple(range(0, 2 * x.ndim, 2)))


def _check_same_shape_except(xs: Sequence[np.ndarray], axis: int, name: str) -> None:
    if not xs:
        raise ValueError(f"{name}: needs at least one tensor")
    ndim = xs[0].ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for tensors with {ndim} axes")
    axis %= ndim
    others = {x.shape[:axis] + x.shape[axis + 1 :] if x.ndim == ndim else None for x in xs}
    if len(others) != 1 or None in others:
        raise ValueError(
            f"{name}: all shapes must agree except along axis {axis}, got {[x.shape for x in xs]}"
        )


def reshape(x: Any, shape: Sequence[int]) -> Tensor:
    """The same elements in a new shape (one entry may be -1).   ∂L/∂x = g reshaped to x's shape."""
    return Reshape(tuple(int(n) for n in shape))(x)


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them by default; a matrix's transpose).

    y = x with axes permuted by π;  ∂L/∂x = g permuted by π⁻¹ (for a matrix: ∂L/∂X = Gᵀ).
    """
    return Transpose(None if axes is None else tuple(int(a) for a in axes))(x)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes (a transpose).   ∂L/∂x = g with the same two axes exchanged back."""
    ndim = getattr(x, "ndim", np.ndim(x))
    axes = list(range(ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return Transpose(tuple(axes))(x)


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """Repeat `x` along new or length-1 axes to `shape`.   ∂L/∂x = sum_to(g, x.shape): every copy's gradient adds up."""
    return BroadcastTo(tuple(shape))(x)


def flatten(x: Any, start_axis: int = 0, end_axis: int = -1) -> Tensor:
    """Merge the axes from `start_axis` to `end_axis` (inclusive) into one.

    ``flatten(x, 1)`` turns a batch (N, C, H, W) into (N, C·H·W). A reshape, so ∂L/∂x = g reshaped back.

    >>> flatten(Tensor(np.zeros((2, 3, 4, 5))), 1).shape
    (2, 60)
    """
    shape = tuple(getattr(x, "shape", np.shape(x)))
    ndim = len(shape)
    if ndim == 0:
        return reshape(x, (1,))
    start, end = start_axis % ndim, end_axis % ndim
    if start > end:
        raise ValueError(f"flatten: start_axis {start_axis} comes after end_axis {end_axis}")
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(x, shape[:start] + (merged,) + shape[end + 1 :])


def concat(xs: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.   y = [x₀, x₁, …];  ∂L/∂xᵢ = the slice of g that xᵢ filled."""
    return Concat(axis)(*xs)


def stack(xs: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of equal shape along a new axis.   ∂L/∂xᵢ = g taken at index i of that axis."""
    if not xs:
        raise ValueError("stack: needs at least one tensor")
    return Stack(axis)(*xs)


def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> tuple[Tensor, ...]:
    """Cut `x` along `axis` into equal sections (an int) or at the given indices.

    (y₀, y₁, …) = the pieces;  ∂L/∂x = concat(g₀, g₁, …) along the same axis.

    >>> [t.shape for t in split(Tensor(np.zeros((6, 2))), 3)]
    [(2, 2), (2, 2), (2, 2)]
    """
    shape = tuple(getattr(x, "shape", np.shape(x)))
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"split: axis {axis} is out of range for shape {shape}")
    length = shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or length % sections:
            raise ValueError(f"split: axis {axis} of length {length} does not split into {sections} equal parts")
        step = length // sections
        indices = [step * i for i in range(1, sections)]  # an empty axis gives `sections` empty pieces
    else:
        indices = [int(i) for i in indices_or_sections]
    return Split(indices, axis)(x)


def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> Tensor:
    """Remove length-1 axes (all of them, or those in `axis`). A reshape: ∂L/∂x = g reshaped back."""
    shape = tuple(getattr(x, "shape", np.shape(x)))
    if axis is None:
        drop = {i for i, n in enumerate(shape) if n == 1}
    else:
        drop = set()
        for a in (axis,) if isinstance(axis, (int, np.integer)) else axis:
            if not -len(shape) <= a < len(shape):
                _bad_axis("squeeze", a, shape)
            if shape[a] != 1:
                raise ValueError(f"squeeze: axis {a} of shape {shape} has length {shape[a]}, not 1")
            drop.add(int(a) % len(shape))
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in drop))


def unsqueeze(x: Any, axis: int) -> Tensor:
    """Insert a length-1 axis at position `axis` (as ``torch.unsqueeze``). A reshape: ∂L/∂x = g reshaped back.

    >>> unsqueeze(Tensor(np.zeros((2, 3))), -1).shape
    (2, 3, 1)
    """
    shape = tuple(getattr(x, "shape", np.shape(x)))
    ndim = len(shape) + 1
    if not -ndim <= axis < ndim:
        _bad_axis("unsqueeze", axis, shape)
    axis %= ndim
    return reshape(x, shape[:axis] + (1,) + shape[axis:])


def expand_dims(x: Any, axis: int) -> Tensor:
    """NumPy's name for `unsqueeze`: a new length-1 axis at `axis`. A reshape: ∂L/∂x = g reshaped back."""
    return unsqueeze(x, axis)


def _bad_axis(name: str, axis: Any, shape: tuple[int, ...]) -> Any:
    raise ValueError(f"{name}: axis {axis} is out of range for shape {shape}")


def pad(x: Any, pad_width: int | Sequence[int] | Sequence[Sequence[int]], value: float = 0.0) -> Tensor:
    """Pad with a constant, NumPy-style widths: n (every side of every axis), (before, after) for every
    axis, or one (before, after) pair per axis.   ∂L/∂x = g with the padding cut off.

    >>> pad(Tensor([1.0, 2.0]), (1, 2)).numpy()
    array([0., 1., 2., 0., 0.], dtype=float32)
    """
    ndim = getattr(x, "ndim", np.ndim(x))
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not give (before, after) for each of {ndim} axes") from None
    if (widths < 0).any():
        raise ValueError(f"pad: widths must not be negative, got {pad_width!r}")
    return Pad(tuple((int(lo), int(hi)) for lo, hi in widths), float(value))(x)


def repeat(x: Any, repeats: int, axis: int | None = None) -> Tensor:
    """Repeat each element `repeats` times along `axis` (of the flattened tensor when None), as
    ``np.repeat`` / ``torch.repeat_interleave``.   ∂L/∂x = the gradients of each element's copies, added."""
    if not isinstance(repeats, (int, np.integer)) or repeats < 0:
        raise ValueError(f"repeat: repeats must be a non-negative int, got {repeats!r}")
    if axis is None:
        x, axis = flatten(x), 0
    shape = tuple(getattr(x, "shape", np.shape(x)))
    if not -len(shape) <= axis < len(shape):
        _bad_axis("repeat", axis, shape)
    return Repeat(int(repeats), axis % len(shape))(x)


def tile(x: Any, reps: int | Sequence[int]) -> Tensor:
    """Lay copies of `x` side by side, `reps` times along each axis, as ``np.tile`` (and ``torch.Tensor.repeat``).

    ∂L/∂x = the sum of the gradients of all the copies.
    """
    reps_ = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(int(r) for r in reps)
    if any(r < 0 for r in reps_):
        raise ValueError(f"tile: reps must not be negative, got {reps!r}")
    shape = tuple(getattr(x, "shape", np.shape(x)))
    ndim = max(len(shape), len(reps_))
    x = reshape(x, (1,) * (ndim - len(shape)) + shape)
    return Tile((1,) * (ndim - len(reps_)) + reps_)(x)
