"""Functions a backward formula may use on NumPy arrays *and* on Tensors.

A first-order backward pass runs on plain arrays (fast, no graph). With
``create_graph=True`` the same formula runs on Tensors and is recorded, so the
gradient can itself be differentiated. Operators (``+ - * / @``) and the
methods ``.reshape``, ``.transpose``, ``.swapaxes``, ``.sum``, ``.astype`` and
indexing already mean the same on both; the few functions below fill the gap.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from chainrule.tensor import Tensor

ArrayOrTensor = Any  # np.ndarray or Tensor


def value(x: ArrayOrTensor) -> np.ndarray:
    """The raw array behind `x` (for masks and other constants of a backward formula)."""
    return x.data if isinstance(x, Tensor) else x


def exp(x: ArrayOrTensor) -> ArrayOrTensor:
    return elementwise.exp(x) if isinstance(x, Tensor) else np.exp(x)


def log(x: ArrayOrTensor) -> ArrayOrTensor:
    return elementwise.log(x) if isinstance(x, Tensor) else np.log(x)


def sin(x: ArrayOrTensor) -> ArrayOrTensor:
    return elementwise.sin(x) if isinstance(x, Tensor) else np.sin(x)


def cos(x: ArrayOrTensor) -> ArrayOrTensor:
    return elementwise.cos(x) if isinstance(x, Tensor) else np.cos(x)


def sigmoid(x: ArrayOrTensor) -> ArrayOrTensor:
    return activations.sigmoid(x) if isinstance(x, Tensor) else activations.sigmoid_inplace(np.array(x))


def sum_to(x: ArrayOrTensor, shape: tuple[int, ...]) -> ArrayOrTensor:
    """Sum the broadcast axes of `x` away so that it has `shape` (the adjoint of broadcasting)."""
    if x.shape == shape:
        return x
    return reductions.sum_to(x, shape) if isinstance(x, Tensor) else reductions.sum_to_array(x, shape)


def broadcast_to(x: ArrayOrTensor, shape: tuple[int, ...]) -> ArrayOrTensor:
    if x.shape == shape:
        return x
    return shape_ops.broadcast_to(x, shape) if isinstance(x, Tensor) else np.broadcast_to(x, shape)


def concatenate(xs: Sequence[ArrayOrTensor], axis: int) -> ArrayOrTensor:
    if any(isinstance(x, Tensor) for x in xs):
        return shape_ops.concat(xs, axis)
    return np.concatenate(xs, axis=axis)


def where(condition: np.ndarray, a: ArrayOrTensor, b: ArrayOrTensor) -> ArrayOrTensor:
    """a where the constant mask `condition` holds, else b (broadcasting)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return indexing.where(condition, a, b)
    return np.where(condition, a, b)


def gate(g: ArrayOrTensor, weights: np.ndarray, out: np.ndarray | None = None) -> ArrayOrTensor:
    """g·weights for a gradient that flows only where the constant `weights` are not 0 (a selection:
    relu, where, clip, max, pooling; ½ on ties): where a weight is 0 the result is 0 even for g = ±∞ or
    NaN, which the product alone would make ∞·0 = NaN; PyTorch's selections give 0 there too. Arrays
    only pay for that when g has a non-finite element (one sum tells); Tensors (second order) get the
    plain product."""
    if isinstance(g, Tensor):
        return g * weights
    with np.errstate(invalid="ignore", over="ignore"):  # ∞·0, and ∞ − ∞ or an overflow in the sum
        product = np.multiply(g, weights, out=out)
        all_finite = np.isfinite(np.sum(g))  # the common case, told by one sum: every g is finite
    if all_finite:
        return product
    stopped = ~np.isfinite(g) & (weights == 0)  # ±∞ or NaN where the gradient does not flow
    if out is not None:
        np.copyto(out, 0, where=stopped)
        return out
    return np.where(stopped, 0, product).astype(product.dtype, copy=False)


def scatter_add(shape: tuple[int, ...], index: Any, g: ArrayOrTensor) -> ArrayOrTensor:
    """A zero array of `shape` with `g` added at `index` (repeated indices accumulate)."""
    if isinstance(g, Tensor):
        return indexing.scatter_add(g, shape, index)
    return indexing.scatter_add_array(g, shape, index)


# Imported last: these modules import this one for their own backward formulas.
from chainrule.ops import activations, elementwise, indexing, reductions  # noqa: E402
from chainrule.ops import shape as shape_ops  # noqa: E402
