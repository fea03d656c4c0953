"""2-D convolution as one matrix product over strided windows, with a hand-derived backward.

Shapes (NCHW, as in PyTorch): input x (N, C, H, W), weight w (O, C, kh, kw), bias b (O,),
output y (N, O, Ho, Wo) with, for stride s, padding p and dilation d (per axis),

    Ho = ⌊(H + 2p − d·(kh − 1) − 1) / s⌋ + 1        (the same for Wo)

Forward. With x̃ the input zero-padded by p on each side,

    y[n, o, i, j] = b[o] + Σ_{c, a, e} w[o, c, a, e] · x̃[n, c, s·i + d·a, s·j + d·e]

Copy every window into one row of a matrix X of shape (M, K), M = N·Ho·Wo windows and
K = kh·kw·C numbers each ("im2col": a strided view of x̃, then one copy), and flatten the
kernel into Wm of shape (K, O). Then the whole convolution is one GEMM: Y = X·Wm + b.

Backward. G = ∂L/∂Y has the layout of Y, (M, O). Y = X·Wm is a matrix product, so

    ∂L/∂Wm = Xᵀ·G            (K, O): one GEMM; summed over every window of every image
    ∂L/∂b  = Σ_rows G        (O,)
    ∂L/∂X  = G·Wmᵀ           (M, K)

and each entry of X is a copy of one pixel of x̃, so ∂L/∂x̃ adds up ∂L/∂X over every place
the pixel was copied to ("col2im"). Grouped by kernel offset (a, e), the pixels read at that
offset form the strided slice x̃[:, :, a·d + s·i, e·d + s·j] over all (i, j), and they receive
G·w[:, :, a, e]; so ∂L/∂x̃ is kh·kw strided additions (a loop over kernel offsets only),
and ∂L/∂x is its un-padded middle. Written out, ∂L/∂x is G zero-dilated by the stride and
convolved with the kernel flipped in both axes with its channel axes swapped: the
"transposed convolution". It is skipped when x needs no gradient (the input images).

Memory layout. Inside, images are channels-last (NHWC): the zero-padded copy of x is made
channels-last, so a window row of X is kh runs of kw·C contiguous numbers (a fast copy),
and the GEMM's result (M, O) *is* y in NHWC order. y is returned as an (N, O, Ho, Wo)
view of it (no copy); activations and pooling work on any strides, and the next
convolution reads it channels-last without transposing. With a single input channel and
stride 1 (grayscale images) the windows are gathered as columns instead, Xᵀ (K, M), whose
runs are whole image rows, and the product is Wmᵀ·Xᵀ (O, M). float32 stays float32. The
large arrays (padded images, X, Y, the gradients) come from `chainrule.ops.scratch`, so
each training step reuses the previous step's memory instead of faulting in fresh pages.

Second order (create_graph=True): the backward rebuilds the convolution from differentiable
operations — the windows gathered by indexing (`window_view`), one matmul, the bias and the
activation op — and returns that graph's recorded gradient (`composite_backward`).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from chainrule.autograd import Operation, composite_backward
from chainrule.ops import compiled, indexing
from chainrule.ops.dual import gate
from chainrule.ops.linear import ACTIVATION_OPS, ACTIVATIONS
from chainrule.ops.scratch import take
from chainrule.tensor import Tensor

Pair = tuple[int, int]


def as_pair(value: int | Sequence[int], name: str, minimum: int) -> Pair:
    """An int or a pair of ints (height, width) as a pair, each at least `minimum`."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints (height, width), got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def output_size(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    """⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1 (floor mode, as PyTorch)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def check_image_batch(shape: tuple[int, ...], who: str) -> None:
    """Refuse anything but (N, C, H, W), with the fix for the common mistakes."""
    if len(shape) == 4:
        return
    if len(shape) == 3:
        raise ValueError(
            f"{who} needs input of shape (N, C, H, W), got {shape}; for a batch of grayscale images "
            f"(N, H, W) add the channel axis: x[:, None] (or x.reshape({shape[0]}, 1, {shape[1]}, {shape[2]}))"
        )
    if len(shape) == 2:
        raise ValueError(
            f"{who} needs input of shape (N, C, H, W), got {shape}; flattened images must be reshaped back, "
            "e.g. MNIST rows of 784: x.reshape(-1, 1, 28, 28)"
        )
    raise ValueError(f"{who} needs input of shape (N, C, H, W), got {shape}")


def check_fits(who: str, image: Pair, kernel: Pair, padding: Pair, dilation: Pair = (1, 1)) -> None:
    """A window (kernel spread by dilation) must fit inside the padded image."""
    for axis, size, k, p, d in zip(("height", "width"), image, kernel, padding, dilation):
        span = d * (k - 1) + 1
        if span > size + 2 * p:
            spread = f" (spanning {span} with dilation {d})" if d > 1 else ""
            raise ValueError(
                f"{who}: the kernel's {axis} {k}{spread} is larger than the padded input's {axis} "
                f"{size + 2 * p} (input {size} + 2×padding {p}); use a smaller kernel, or padding of "
                f"at least {-(-(span - size) // 2)} on that axis, or larger images"
            )


def window_view(x: Tensor, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair = (1, 1),
                pad_value: float = 0.0) -> Tensor:
    """The windows of x (N, C, H, W) as a Tensor (N, C, Ho, Wo, kh·kw), from differentiable operations.

    x is padded (scatter_add into zeros, plus `pad_value` outside x), then indexed with
    integer arrays: window (i, j), offset (a, e) reads x̃[s·i + d·a, s·j + d·e]. Slow but
    recorded, for second derivatives.
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = x.shape
    padded = x
    if ph or pw:
        inside = (slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w))
        padded = indexing.scatter_add(x, (n, c, h + 2 * ph, w + 2 * pw), inside)
        if pad_value:
            fill = np.full(padded.shape, pad_value, dtype=x.dtype)
            fill[inside] = 0
            padded = padded + fill
    ho, wo = output_size(h, kh, sh, ph, dh), output_size(w, kw, sw, pw, dw)
    rows = (sh * np.arange(ho))[:, None, None, None] + (dh * np.arange(kh))[None, None, :, None]
    cols = (sw * np.arange(wo))[None, :, None, None] + (dw * np.arange(kw))[None, None, None, :]
    return padded[:, :, rows, cols].reshape(n, c, ho, wo, kh * kw)


def _padded_channels_last(x: np.ndarray, ph: int, pw: int) -> np.ndarray:
    """x (N, C, H, W) as a zero-padded channels-last array (N, H + 2ph, W + 2pw, C): one copy at most."""
    n, c, h, w = x.shape
    if ph == pw == 0:
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1))  # a view when x is channels-last already
    xp = take((n, h + 2 * ph, w + 2 * pw, c), x.dtype)
    xp[:, :ph] = 0
    xp[:, ph + h :] = 0
    xp[:, ph : ph + h, :pw] = 0
    xp[:, ph : ph + h, pw + w :] = 0
    xp[:, ph : ph + h, pw : pw + w] = x.transpose(0, 2, 3, 1)
    return xp


def _gather_windows(xp: np.ndarray, out_size: Pair, kernel: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    """im2col: every window of a padded channels-last xp (N, Hp, Wp, C) as a row of X (N·Ho·Wo, kh·kw·C)."""
    (n, _, _, c), (ho, wo), (kh, kw), (sh, sw), (dh, dw) = xp.shape, out_size, kernel, stride, dilation
    sn, sr, sc, sch = xp.strides
    windows = as_strided(xp, (n, ho, wo, kh, kw, c), (sn, sr * sh, sc * sw, sr * dh, sc * dw, sch))
    cols = take((n * ho * wo, kh * kw * c), xp.dtype)
    np.copyto(cols.reshape(windows.shape), windows)  # the one copy
    return cols


def _times_derivative(activation: str, g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g ∘ f′ written from y = f(z) (as `ACTIVATIONS`), into one work array instead of three temporaries."""
    if activation == "linear":
        return g
    out = take(y.shape, y.dtype)
    if activation == "tanh":  # 1 − y²
        np.multiply(y, y, out=out)
        np.subtract(1, out, out=out)
    elif activation == "sigmoid":  # y(1 − y)
        np.subtract(1, y, out=out)
        out *= y
    else:  # relu: g where y > 0 (0 there even for a non-finite g)
        return gate(g, y > 0, out=out)
    out *= g
    return out


class Conv2d(Operation):
    """y = f(conv(x, w) + b), f in `ACTIVATIONS` (derivation and layout: module docstring).

    ``backward`` is NumPy; with create_graph=True it differentiates `definition` instead.
    """

    def __init__(self, stride: Pair, padding: Pair, dilation: Pair, activation: str = "linear") -> None:
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.activation = activation

    def forward(self, x, w, b=None):
        n, c, h, wd = x.shape
        o, _, kh, kw = w.shape
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        ho, wo = output_size(h, kh, sh, ph, dh), output_size(wd, kw, sw, pw, dw)
        xp = _padded_channels_last(x, ph, pw)
        m, k = n * ho * wo, kh * kw * c
        self.rows = not (c == 1 and sw == 1)  # see "Memory layout" in the module docstring
        if self.rows:
            self.cols = _gather_windows(xp, (ho, wo), (kh, kw), self.stride, self.dilation)  # X (M, K)
            z = np.matmul(self.cols, w.transpose(2, 3, 1, 0).reshape(k, o), out=take((m, o), x.dtype))  # Y = X·Wm
            if b is not None:
                z += b
            y = z.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)
        else:
            sn, sr, sc, sch = xp.strides
            windows = as_strided(xp, (kh, kw, c, n, ho, wo), (sr * dh, sc * dw, sch, sn, sr * sh, sc * sw))
            self.cols = take((k, m), x.dtype)  # Xᵀ (K, M)
            np.copyto(self.cols.reshape(windows.shape), windows)
            z = np.matmul(w.transpose(0, 2, 3, 1).reshape(o, k), self.cols, out=take((o, m), x.dtype))  # Yᵀ = Wmᵀ·Xᵀ
            if b is not None:
                z += b[:, None]
            y = z.reshape(o, n, ho, wo).transpose(1, 0, 2, 3)
        self.z = ACTIVATIONS[self.activation][0](z)  # in place: z now holds f(z), y is a view of it
        return y

    def backward(self, g, x, w, *b_and_y):
        if isinstance(g, Tensor):  # create_graph=True
            return composite_backward(self.definition, (x, w, *b_and_y[:-1]), g)
        n, c, h, wd = x.shape
        o, _, kh, kw = w.shape
        if self.rows:
            gz = _times_derivative(self.activation, g.transpose(0, 2, 3, 1).reshape(-1, o), self.z)  # G (M, O)
            g_rows = gz
        else:
            gz = _times_derivative(self.activation, g.transpose(1, 0, 2, 3).reshape(o, -1), self.z)  # Gᵀ (O, M)
            g_rows = gz.T
        gw = gb = gx = None
        if self.needs_grad[1]:
            if self.rows:  # Xᵀ·G (K, O) → (O, C, kh, kw)
                gw = (self.cols.T @ gz).reshape(kh, kw, c, o).transpose(3, 2, 0, 1)
            else:  # Gᵀ·X (O, K)
                gw = (gz @ self.cols.T).reshape(o, kh, kw, c).transpose(0, 3, 1, 2)
            gw = np.ascontiguousarray(gw)
        if len(b_and_y) == 2 and self.needs_grad[2]:
            gb = g_rows.sum(axis=0)
        if self.needs_grad[0]:
            gx = self._input_gradient(g_rows, x.shape, w)
        return (gx, gw) if len(b_and_y) == 1 else (gx, gw, gb)

    def definition(self, x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
        """f(conv(x, w) + b) from differentiable operations (for second order)."""
        n, c = x.shape[:2]
        o, _, kh, kw = w.shape
        windows = window_view(x, (kh, kw), self.stride, self.padding, self.dilation)  # (N, C, Ho, Wo, kh·kw)
        ho, wo = windows.shape[2:4]
        rows = windows.transpose(0, 2, 3, 1, 4).reshape(n * ho * wo, c * kh * kw)  # X (M, K), K in (c, a, e) order
        z = rows @ w.reshape(o, c * kh * kw).T
        if b is not None:
            z = z + b
        return ACTIVATION_OPS[self.activation](z.reshape(n, ho, wo, o).transpose(0, 3, 1, 2))

    def _input_gradient(self, g_rows: np.ndarray, x_shape: tuple, w: np.ndarray) -> np.ndarray:
        """∂L/∂x from G (M, O): a transposed convolution when the stride is 1 and the output has
        fewer channels than 1.5× the input's (it moves less memory then), else col2im."""
        n, c, h, wd = x_shape
        o, _, kh, kw = w.shape
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        ho, wo = output_size(h, kh, sh, ph, dh), output_size(wd, kw, sw, pw, dw)
        qh, qw = dh * (kh - 1) - ph, dw * (kw - 1) - pw  # the padding of G in the transposed convolution
        if (sh, sw) == (1, 1) and 2 * o < 3 * c and qh >= 0 and qw >= 0:
            # ∂L/∂x[n, c, i, j] = Σ_{o,a,e} G̃[n, i + d·a, j + d·e, o] · w[o, c, kh−1−a, kw−1−e]: the
            # forward convolution of G (zero-padded by d·(k−1) − p) with the flipped, transposed kernel
            gp = _padded_channels_last(g_rows.reshape(n, ho, wo, o).transpose(0, 3, 1, 2), qh, qw)
            cols = _gather_windows(gp, (h, wd), (kh, kw), (1, 1), self.dilation)
            flipped = w[:, :, ::-1, ::-1].transpose(2, 3, 0, 1).reshape(kh * kw * o, c)
            return np.matmul(cols, flipped, out=take((n * h * wd, c), w.dtype)).reshape(n, h, wd, c).transpose(0, 3, 1, 2)
        # col2im: one stacked GEMM, per offset (M, O)·(O, C) → (kh·kw, M, C), then kh·kw strided additions
        per_offset = take((kh * kw, n * ho * wo, c), w.dtype)
        np.matmul(g_rows, w.transpose(2, 3, 0, 1).reshape(kh * kw, o, c), out=per_offset)
        gxp = add_windows(per_offset, (n, h + 2 * ph, wd + 2 * pw, c), (ho, wo), (kh, kw), self.stride, self.dilation)
        return gxp[:, ph : ph + h, pw : pw + wd, :].transpose(0, 3, 1, 2)


def add_windows(per_offset: np.ndarray, padded_shape: tuple[int, int, int, int], out_size: Pair, kernel: Pair,
                stride: Pair, dilation: Pair) -> np.ndarray:
    """col2im: the adjoint of `_gather_windows`. per_offset (kh·kw, N·Ho·Wo, C) holds, for each kernel
    offset (a, e), one value per window; each is added to the pixel of a zeroed channels-last array of
    `padded_shape` (N, Hp, Wp, C) that the window read at that offset: kh·kw strided additions.
    With the compiled kernels on (`chainrule.ops.compiled`), kernels/conv.c makes the same additions
    in the same order, one image at a time while it is in cache (measured 1.9 → 1.3 ms for the CNN's
    second convolution); im2col (`_gather_windows`) has no kernel: it already copies as fast as a
    plain copy of X."""
    (n, hp, wp, c), (ho, wo), (kh, kw), (sh, sw), (dh, dw) = padded_shape, out_size, kernel, stride, dilation
    out = take(padded_shape, per_offset.dtype)
    col2im = compiled.kernel("conv", "add_windows", "ppp", per_offset, out)  # the optional compiled extra
    if col2im is not None:  # kernels/conv.c: the same additions, one image at a time (in cache)
        size = np.array([n, hp, wp, c, ho, wo, kh, kw, sh, sw, dh, dw], dtype=np.int64)
        col2im(size.ctypes.data, per_offset.ctypes.data, out.ctypes.data)
        return out
    out.fill(0)
    for a in range(kh):
        for e in range(kw):
            rows = slice(a * dh, a * dh + sh * (ho - 1) + 1, sh)
            cols = slice(e * dw, e * dw + sw * (wo - 1) + 1, sw)
            out[:, rows, cols, :] += per_offset[a * kw + e].reshape(n, ho, wo, c)
    return out


def same_padding(kernel: Pair, stride: Pair, dilation: Pair, who: str) -> Pair:
    """The zeros per side that keep H×W: (d·(k − 1))/2 per axis; needs stride 1 and an odd kernel span."""
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if stride != (1, 1) or any(span % 2 == 0 for span in spans):
        raise ValueError(
            f"{who}: padding='same' needs stride 1 and an odd kernel, got kernel {kernel} "
            f"and stride {stride}; give the padding as numbers instead"
        )
    return (spans[0] // 2, spans[1] // 2)


def check_groups(who: str, groups: int, in_channels: int, out_channels: int) -> int:
    """groups must be a positive int dividing both channel counts."""
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{who}: groups must be a positive integer, got {groups!r}")
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"{who}: groups={groups} must divide both the input channels ({in_channels}) and the output "
            f"channels ({out_channels})"
        )
    return int(groups)


def _grouped(op: Operation, x: Any, weight: Any, bias: Any, groups: int, c_in: int, c_out: int) -> Tensor:
    """A grouped convolution: group k convolves input channels k·C/G … with output channels k·O/G …;
    the results are concatenated on the channel axis. Built from slices, convolutions and concat,
    so its gradient is theirs, by the chain rule (each slice's adjoint puts its gradient back)."""
    from chainrule.ops.shape import concat

    x, weight = _as_tensor(x, weight), _as_tensor(weight, x)
    outputs = []
    for k in range(groups):
        xs = x[:, k * c_in : (k + 1) * c_in]
        ws = weight[k * c_out : (k + 1) * c_out]
        parts = (xs, ws) if bias is None else (xs, ws, _as_tensor(bias, x)[k * c_out : (k + 1) * c_out])
        outputs.append(type(op)(op.stride, op.padding, op.dilation, op.activation)(*parts))
    return concat(outputs, axis=1)


def _as_tensor(a: Any, like: Any) -> Tensor:
    if isinstance(a, Tensor):
        return a
    return Tensor(a, dtype=like.dtype if isinstance(like, Tensor) else None)


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    activation: str = "linear",
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation (what deep learning calls convolution), as ``torch.nn.functional.conv2d``.

    As one GEMM over the windows X (im2col): Y = X·Wm + b;  ∂L/∂Wm = Xᵀ·G,  ∂L/∂b = Σ_rows G,
    ∂L/∂X = G·Wmᵀ added back to the pixels it came from (col2im). Derivation: module docstring.

    Args:
        x: (N, C, H, W) images.
        weight: (O, C, kh, kw) kernels; bias: (O,) or None.
        stride, padding, dilation: an int or a (height, width) pair; padding is zeros, or
            "same" (stride 1, odd kernel span: the output keeps H×W).
        activation: one of "linear", "sigmoid", "tanh", "relu", applied in the same operation.
        groups: split the channels into this many independent convolutions (weight
            (O, C/groups, kh, kw)); groups = C is a depthwise convolution.

    Returns:
        (N, O, Ho, Wo), Ho = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1.

    >>> x = Tensor(np.ones((1, 1, 4, 4)))
    >>> conv2d(x, Tensor(np.ones((2, 1, 3, 3))), padding=1).shape
    (1, 2, 4, 4)
    >>> conv2d(x, Tensor(np.ones((1, 1, 3, 3)))).numpy()[0, 0]   # each window sums 9 ones
    array([[9., 9.],
           [9., 9.]], dtype=float32)
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"conv2d: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    stride_, dilation_ = as_pair(stride, "conv2d: stride", 1), as_pair(dilation, "conv2d: dilation", 1)
    x_shape, w_shape = np.shape(getattr(x, "data", x)), np.shape(getattr(weight, "data", weight))
    check_image_batch(x_shape, "conv2d")
    if len(w_shape) != 4:
        raise ValueError(f"conv2d: weight must have shape (C_out, C_in / groups, kH, kW), got {w_shape}")
    groups = check_groups("conv2d", groups, x_shape[1], w_shape[0])
    if padding == "same":
        padding_ = same_padding(tuple(w_shape[2:]), stride_, dilation_, "conv2d")
    else:
        padding_ = as_pair(padding, "conv2d: padding", 0)
    if x_shape[1] != w_shape[1] * groups:
        raise ValueError(
            f"conv2d: the input has {x_shape[1]} channels (shape {x_shape}) but the weight {w_shape} "
            f"expects {w_shape[1] * groups} ({w_shape[1]} per group × {groups} groups); the weight's second "
            "axis is the number of input channels per group"
        )
    check_fits("conv2d", x_shape[2:], w_shape[2:], padding_, dilation_)
    if bias is not None and np.shape(getattr(bias, "data", bias)) != (w_shape[0],):
        raise ValueError(f"conv2d: bias must have shape ({w_shape[0]},), got {np.shape(getattr(bias, 'data', bias))}")
    op = Conv2d(stride_, padding_, dilation_, activation)
    if groups > 1:
        return _grouped(op, x, weight, bias, groups, x_shape[1] // groups, w_shape[0] // groups)
    return op(x, weight) if bias is None else op(x, weight, bias)
