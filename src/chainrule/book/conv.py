"""Chapter 5: the book's `Conv2D` layer and its 1-D convolution functions, on chainrule's convolution.

The 1-D functions are the chapter's worked example: a "same" convolution of a
sequence with an odd-length filter (zero padding of ``len(param) // 2`` on
each side), ``out[o] = Σ_p param[p] · input_pad[o + p]``, and the gradients of
``Σ out`` (or of any ``output_grad``) with respect to the input and the filter.
Here they run on chainrule's 2-D convolution (one image row of height 1) and
its backward pass, so the gradients the chapter derives by hand are the
engine's:

>>> import numpy as np
>>> input_1d, param_1d = np.array([1, 2, 3, 4, 5]), np.array([1, 1, 1])
>>> float(conv_1d_sum(input_1d, param_1d))
39.0
>>> _input_grad_1d(input_1d, param_1d).tolist(), _param_grad_1d(input_1d, param_1d).tolist()
([2.0, 3.0, 3.0, 3.0, 2.0], [10.0, 15.0, 14.0])

(The book's code for the full layer had two bugs that these functions do not
share: its weight gradient was right only for a batch of one image, and its
input gradient did not flip the kernel. See `chainrule.book.layers.Conv2D`.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.book.layers import Conv2D
from chainrule.book.utils.np_utils import assert_dim, assert_same_shape
from chainrule.ops.conv import conv2d
from chainrule.tensor import Tensor

__all__ = [
    "Conv2D", "conv_1d", "conv_1d_sum", "_input_grad_1d", "_param_grad_1d", "_pad_1d", "_pad_1d_batch",
    "conv_1d_batch", "conv_1d_batch_sum", "input_grad_1d_batch", "param_grad_1d_batch",
]


def _pad_1d(inp: np.ndarray, num: int) -> np.ndarray:
    """`num` zeros on each side of a 1-D array."""
    assert_dim(inp, 1)
    return np.concatenate([np.zeros(num, dtype=inp.dtype), inp, np.zeros(num, dtype=inp.dtype)])


def _pad_1d_batch(inp: np.ndarray, num: int) -> np.ndarray:
    """`num` zeros on each side of every row of a (batch, length) array."""
    assert_dim(inp, 2)
    return np.stack([_pad_1d(row, num) for row in inp])


def _run(inp: Any, param: Any, output_grad: Any = None) -> tuple[Tensor, Tensor, Tensor]:
    """The 1-D convolution of a batch (N, L) with a filter (k,), as chainrule's conv2d; backward if asked."""
    param = np.asarray(param, dtype=np.float64)
    if param.ndim != 1 or param.shape[0] % 2 == 0:
        raise ValueError(f"the book's 1-D convolution needs a 1-D filter of odd length, got shape {param.shape}")
    x = Tensor(np.asarray(inp, dtype=np.float64)[:, None, None, :], dtype=np.float64, requires_grad=True)
    w = Tensor(param[None, None, None, :], dtype=np.float64, requires_grad=True)
    out = conv2d(x, w, padding=(0, param.shape[0] // 2))
    if output_grad is not None:
        g = np.asarray(output_grad, dtype=np.float64)
        assert_same_shape(out.data[:, 0, 0, :], g)
        out.backward(g[:, None, None, :])
    return x, w, out


def conv_1d(inp: np.ndarray, param: np.ndarray) -> np.ndarray:
    """out[o] = Σ_p param[p]·input_pad[o + p]: the same length as `inp`."""
    assert_dim(inp, 1)
    assert_dim(param, 1)
    return _run(inp[None], param)[2].data[0, 0, 0]


def conv_1d_sum(inp: np.ndarray, param: np.ndarray) -> float:
    """Σ_o conv_1d(inp, param)[o], the chapter's scalar "loss"."""
    return np.sum(conv_1d(inp, param))


def _input_grad_1d(inp: np.ndarray, param: np.ndarray, output_grad: np.ndarray | None = None) -> np.ndarray:
    """∂L/∂input for L = Σ output_grad·conv_1d(inp, param) (output_grad = ones: L = conv_1d_sum)."""
    grad = np.ones(len(inp)) if output_grad is None else output_grad
    return _run(np.asarray(inp)[None], param, np.asarray(grad)[None])[0].grad.data[0, 0, 0]


def _param_grad_1d(inp: np.ndarray, param: np.ndarray, output_grad: np.ndarray | None = None) -> np.ndarray:
    """∂L/∂param for L = Σ output_grad·conv_1d(inp, param) (output_grad = ones: L = conv_1d_sum)."""
    grad = np.ones(len(inp)) if output_grad is None else output_grad
    return _run(np.asarray(inp)[None], param, np.asarray(grad)[None])[1].grad.data[0, 0, 0]


def conv_1d_batch(inp: np.ndarray, param: np.ndarray) -> np.ndarray:
    """conv_1d of every row of a (batch, length) array: (batch, length)."""
    assert_dim(inp, 2)
    return _run(inp, param)[2].data[:, 0, 0]


def conv_1d_batch_sum(inp: np.ndarray, param: np.ndarray) -> float:
    """Σ over the batch and the positions of conv_1d_batch(inp, param)."""
    return np.sum(conv_1d_batch(inp, param))


def input_grad_1d_batch(inp: np.ndarray, param: np.ndarray, output_grad: np.ndarray | None = None) -> np.ndarray:
    """∂L/∂inp (batch, length) for L = Σ output_grad·conv_1d_batch(inp, param)."""
    grad = np.ones(np.shape(inp)) if output_grad is None else output_grad
    return _run(inp, param, grad)[0].grad.data[:, 0, 0]


def param_grad_1d_batch(inp: np.ndarray, param: np.ndarray, output_grad: np.ndarray | None = None) -> np.ndarray:
    """∂L/∂param (k,) for L = Σ output_grad·conv_1d_batch(inp, param): summed over the batch."""
    grad = np.ones(np.shape(inp)) if output_grad is None else output_grad
    return _run(inp, param, grad)[1].grad.data[0, 0, 0]
