"""2-D transposed convolution ("deconvolution", learned upsampling), as ``torch.nn.functional.conv_transpose2d``.

Shapes (NCHW): input x (N, C, H, W), weight w (C, O, kh, kw) (PyTorch's layout: input
channels first), bias b (O,), output y (N, O, Ho, Wo) with, for stride s, padding p,
output padding q and dilation d (per axis),

    Ho = (H − 1)·s − 2p + d·(kh − 1) + q + 1        (the same for Wo)

Forward. Every input pixel stamps the kernel, scaled by its value, onto the output; the
stamps sit s pixels apart and overlapping stamps add. With ỹ the output before the p
border rows and columns are cut away (so ỹ is (Ho + 2p) × (Wo + 2p)),

    ỹ[n, o, s·i + d·a, s·j + d·e] += Σ_c x[n, c, i, j] · w[c, o, a, e],     y = ỹ[p : p + Ho] + b

Computed as one stacked GEMM, for each kernel offset (a, e): X (N·H·W, C) · w[:, :, a, e]
(C, O), then kh·kw strided additions into ỹ (col2im, `chainrule.ops.conv.add_windows`).

Why "transposed". conv2d(z, w) with this weight read as conv2d's (O_conv = C, C_conv = O)
is a linear map K from (N, O, Ho, Wo) to (N, C, H, W):

    K(z)[n, c, i, j] = Σ_{o, a, e} w[c, o, a, e] · z̃[n, o, s·i + d·a, s·j + d·e]   (z̃: z padded by p)

Reading the forward above, y = Kᵀx: the transposed convolution is the adjoint of the
convolution with the same weight, stride, padding and dilation (which is how conv2d's own
backward uses it for ∂L/∂x).

Backward, with g = ∂L/∂y and g̃ = g zero-padded by p. y is linear in x, y = Kᵀx, so

    ∂L/∂x = K g:   ∂L/∂x[n, c, i, j] = Σ_{o, a, e} w[c, o, a, e] · g̃[n, o, s·i + d·a, s·j + d·e]

a plain *convolution* of g with w (stride s, padding p, dilation d), done as im2col: the
windows of g̃ as the rows of G (N·H·W, kh·kw·O), times w flattened to (kh·kw·O, C). And

    ∂L/∂w[c, o, a, e] = Σ_{n, i, j} x[n, c, i, j] · g̃[n, o, s·i + d·a, s·j + d·e] = Xᵀ·G
    ∂L/∂b[o]          = Σ_{n, i, j} g[n, o, i, j]

(∂L/∂w is the weight gradient of that same convolution, with x in the role of its output
gradient.) q only adds zeros at the far edge of ỹ that no window reads, so it appears in
the shapes alone. ``backward`` is NumPy; for second derivatives (create_graph=True) the forward
is rebuilt from einsum and scatter-add (`ConvTranspose2d.definition`) and differentiated.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from chainrule.autograd import Operation, composite_backward
from chainrule.ops.conv import (
    Pair, _gather_windows, _padded_channels_last, add_windows, as_pair, check_image_batch,
)
from chainrule.ops.einsum import einsum
from chainrule.ops.indexing import scatter_add
from chainrule.tensor import Tensor


def transposed_output_size(size: int, kernel: int, stride: int, padding: int, output_padding: int,
                           dilation: int = 1) -> int:
    """(size − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1, as PyTorch."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


class ConvTranspose2d(Operation):
    """y = Kᵀx + b, the adjoint of a convolution; ∂L/∂x = conv2d(g, w) (module docstring).

    ``backward`` is NumPy; with create_graph=True it differentiates `definition` instead.
    """

    def __init__(self, stride: Pair, padding: Pair, output_padding: Pair, dilation: Pair) -> None:
        self.stride, self.padding, self.output_padding, self.dilation = stride, padding, output_padding, dilation

    def _out_size(self, h: int, w: int, kernel: Pair) -> Pair:
        return tuple(transposed_output_size(n, k, s, p, q, d) for n, k, s, p, q, d in zip(
            (h, w), kernel, self.stride, self.padding, self.output_padding, self.dilation))

    def forward(self, x, w, b=None):
        n, c, h, wd = x.shape
        _, o, kh, kw = w.shape
        (ph, pw), (ho, wo) = self.padding, self._out_size(h, wd, (kh, kw))
        rows = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).reshape(n * h * wd, c)  # X (N·H·W, C)
        per_offset = np.matmul(rows, w.transpose(2, 3, 0, 1).reshape(kh * kw, c, o))  # (kh·kw, N·H·W, O)
        yp = add_windows(per_offset, (n, ho + 2 * ph, wo + 2 * pw, o), (h, wd), (kh, kw), self.stride,
                         self.dilation)
        y = yp[:, ph : ph + ho, pw : pw + wo, :]
        if b is not None:
            y += b
        return y.transpose(0, 3, 1, 2)

    def definition(self, x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
        """The forward from differentiable operations (for second order): one stamp per kernel offset,
        x contracted with w[:, :, a, e] and added into ỹ at rows s·i + d·a, columns s·j + d·e."""
        n, c, h, wd = x.shape
        _, o, kh, kw = w.shape
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        ho, wo = self._out_size(h, wd, (kh, kw))
        y = None
        for a in range(kh):
            for e in range(kw):
                stamp = einsum("nchw,co->nohw", x, w[:, :, a, e])
                at = (slice(None), slice(None), slice(a * dh, a * dh + sh * (h - 1) + 1, sh),
                      slice(e * dw, e * dw + sw * (wd - 1) + 1, sw))
                part = scatter_add(stamp, (n, o, ho + 2 * ph, wo + 2 * pw), at)
                y = part if y is None else y + part
        y = y[:, :, ph : ph + ho, pw : pw + wo]
        return y if b is None else y + b.reshape(1, o, 1, 1)

    def backward(self, g, x, w, *b_and_y):
        if isinstance(g, Tensor):  # create_graph=True
            return composite_backward(self.definition, (x, w, *b_and_y[:-1]), g)
        n, c, h, wd = x.shape
        _, o, kh, kw = w.shape
        ph, pw = self.padding
        gp = _padded_channels_last(g, ph, pw)  # g̃ (N, Ho + 2p, Wo + 2p, O)
        cols = _gather_windows(gp, (h, wd), (kh, kw), self.stride, self.dilation)  # G (N·H·W, kh·kw·O)
        gx = gw = gb = None
        if self.needs_grad[0]:
            gx = (cols @ w.transpose(2, 3, 1, 0).reshape(kh * kw * o, c)).reshape(n, h, wd, c).transpose(0, 3, 1, 2)
        if self.needs_grad[1]:
            rows = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).reshape(n * h * wd, c)
            gw = np.ascontiguousarray((rows.T @ cols).reshape(c, kh, kw, o).transpose(0, 3, 1, 2))
        if len(b_and_y) == 2 and self.needs_grad[2]:
            gb = g.sum(axis=(0, 2, 3))
        return (gx, gw) if len(b_and_y) == 1 else (gx, gw, gb)


def conv_transpose2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> Tensor:
    """Transposed convolution (learned upsampling), as ``torch.nn.functional.conv_transpose2d``.

    ỹ[n, o, s·i + d·a, s·j + d·e] += Σ_c x[n, c, i, j]·w[c, o, a, e], y = ỹ without the p border + b;
    ∂L/∂x = conv2d(g, w, stride, padding, dilation) (its backward is a convolution),
    ∂L/∂w[c, o, a, e] = Σ_{n,i,j} x[n, c, i, j]·g̃[n, o, s·i + d·a, s·j + d·e], ∂L/∂b = Σ g.
    Derivation: module docstring.

    Args:
        x: (N, C, H, W); weight: (C, O, kh, kw); bias: (O,) or None.
        stride, padding, output_padding, dilation: an int or a (height, width) pair.

    Returns:
        (N, O, Ho, Wo), Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1.

    >>> conv_transpose2d(Tensor(np.ones((1, 1, 2, 2))), Tensor(np.ones((1, 1, 2, 2))), stride=2).numpy()[0, 0]
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
    """
    who = "conv_transpose2d"
    stride_, padding_ = as_pair(stride, f"{who}: stride", 1), as_pair(padding, f"{who}: padding", 0)
    out_pad, dilation_ = as_pair(output_padding, f"{who}: output_padding", 0), as_pair(dilation, f"{who}: dilation", 1)
    x_shape, w_shape = np.shape(getattr(x, "data", x)), np.shape(getattr(weight, "data", weight))
    check_image_batch(x_shape, who)
    if len(w_shape) != 4:
        raise ValueError(f"{who}: weight must have shape (C_in, C_out, kH, kW), got {w_shape}")
    if x_shape[1] != w_shape[0]:
        raise ValueError(
            f"{who}: the input has {x_shape[1]} channels (shape {x_shape}) but the weight {w_shape} expects "
            f"{w_shape[0]}; a transposed convolution's weight has the input channels FIRST, (C_in, C_out, kH, kW)"
        )
    for q, s, d in zip(out_pad, stride_, dilation_):
        if q >= max(s, d):
            raise ValueError(f"{who}: output_padding {out_pad} must be smaller than the stride {stride_} or the "
                             f"dilation {dilation_} on each axis (it only resolves which output size is meant)")
    op = ConvTranspose2d(stride_, padding_, out_pad, dilation_)
    size = op._out_size(x_shape[2], x_shape[3], tuple(w_shape[2:]))
    if min(size) < 1:
        raise ValueError(f"{who}: the output would be {size} for input {x_shape} and padding {padding_}; "
                         "use less padding")
    if bias is not None and np.shape(getattr(bias, "data", bias)) != (w_shape[1],):
        raise ValueError(f"{who}: bias must have shape ({w_shape[1]},), got {np.shape(getattr(bias, 'data', bias))}")
    return op(x, weight) if bias is None else op(x, weight, bias)
