"""Max and average pooling over 2-D windows, NCHW, as ``torch.nn.functional.max_pool2d`` / ``avg_pool2d``.

For x (N, C, H, W), a kh×kw window moved by stride s over x padded by p gives
y (N, C, Ho, Wo), Ho = ⌊(H + 2p − kh) / s⌋ + 1 (floor mode). Write x̃ for the padded
input and x̃_ae for its strided slice at kernel offset (a, e): x̃_ae[n, c, i, j] =
x̃[n, c, s·i + a, s·j + e], one value of every window. Then

    max pool:  y = max over (a, e) of x̃_ae           (padding is −∞: it never wins)
    avg pool:  y = (1 / (kh·kw)) Σ_(a, e) x̃_ae       (padding is 0 and counts in the
                                                       divisor: count_include_pad=True)

Backward, with g = ∂L/∂y:

    avg:  ∂L/∂x̃_ae = g / (kh·kw) for every offset (the windows' gradient is shared evenly)
    avg with a divisor D per window (count_include_pad=False, or ceil mode): y = (1/D) Σ x̃_ae,
          D = the number of the window's elements inside x (count_include_pad=False) or inside
          the padded x (True); so ∂L/∂x̃_ae = g / D, the same sum with other weights.
    max:  ∂L/∂x̃_ae = g where (a, e) is the window's arg-max, else 0. The max is piecewise
          the identity of one element, so exactly one element per window gets g. On ties
          it is the *first* maximum in scan order (row by row), PyTorch's rule: the backward
          visits the offsets in that order and gives g to the first one equal to y.

Ceil mode (``ceil_mode=True``) rounds Ho up instead of down, so a last window may run past the
bottom (right) padding; x̃ is padded further there (with −∞ for max, 0 for avg, never counted
in D), except that a window starting inside the right padding is dropped, as in PyTorch.

Where windows overlap (stride < kernel) an input element collects gradient from several
windows, so the slices are added; otherwise they are disjoint and simply written.

Fast path: windows that tile the input (stride = kernel dividing the size, no padding) need no padded copy,
and their backward writes each offset's slice once (no zero-fill, no accumulation). The
forward is kh·kw elementwise maxima (or sums) of strided views of x, never a Python loop
over pixels. (Viewing x as (N, C, Ho, kh, Wo, kw) and reducing axes 3 and 5 is also
copy-free, but NumPy's two-axis reduction over short axes measured 5-40× slower than the
kh·kw elementwise passes, so it is not used.) Outputs and gradients keep the memory
order of x: a channels-last feature map from `conv2d` stays channels-last.

Compiled extra (`chainrule.ops.compiled`): for channels-last x, max pooling's forward and backward
each run as one C loop over the windows (kernels/pooling.c, which states the same formulas, tie and
NaN rules), with results identical to the NumPy path's, bit for bit.

Second order (create_graph=True): the backward gathers the windows from the input Tensor
with differentiable indexing (`window_view`) and takes their max or mean with the
reduction ops, then returns that graph's recorded gradient (`composite_backward`). The
max's gradient goes to the first maximum in scan order there too.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from chainrule.autograd import Operation, composite_backward
from chainrule.ops import compiled, reductions
from chainrule.ops import shape as shape_ops
from chainrule.ops.conv import Pair, as_pair, check_fits, check_image_batch, output_size, window_view
from chainrule.ops.dual import gate
from chainrule.ops.scratch import take_like
from chainrule.tensor import Tensor


class _Pool2d(Operation):
    """Shared geometry: kernel, stride, padding, and the strided view at each kernel offset."""

    pad_value = 0.0

    def __init__(self, kernel: Pair, stride: Pair, padding: Pair, ceil_mode: bool = False) -> None:
        self.kernel, self.stride, self.padding, self.ceil_mode = kernel, stride, padding, ceil_mode

    def _out_size(self, shape: tuple) -> tuple[int, int]:
        return tuple(pool_output_size(n, k, s, p, self.ceil_mode)
                     for n, k, s, p in zip(shape[2:], self.kernel, self.stride, self.padding))

    def _extra(self, shape: tuple) -> tuple[int, int]:
        """Rows (columns) past the bottom (right) padding that ceil mode's last window reaches."""
        return tuple(max(0, (o - 1) * s + k - (n + 2 * p)) for o, n, k, s, p in
                     zip(self._out_size(shape), shape[2:], self.kernel, self.stride, self.padding))

    def _padded(self, x: np.ndarray) -> np.ndarray:
        """x̃: x padded with `pad_value` (x itself without padding)."""
        (ph, pw), (n, c, h, w), (eh, ew) = self.padding, x.shape, self._extra(x.shape)
        if not (ph or pw or eh or ew):
            return x
        padded = np.full((n, c, h + 2 * ph + eh, w + 2 * pw + ew), self.pad_value, dtype=x.dtype)
        padded[:, :, ph : ph + h, pw : pw + w] = x
        return padded

    def _offsets(self, padded: np.ndarray, out_size: tuple[int, int]) -> Iterator[np.ndarray]:
        """x̃_ae for each kernel offset (a, e) in scan order: all (ho, wo) windows' element (a, e)."""
        (kh, kw), (sh, sw), (ho, wo) = self.kernel, self.stride, out_size
        for a in range(kh):
            for e in range(kw):
                yield padded[:, :, a : a + sh * (ho - 1) + 1 : sh, e : e + sw * (wo - 1) + 1 : sw]

    def _reduce(self, x: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
        """ufunc folded over the kh·kw offset slices (np.maximum or np.add); keeps x's memory order."""
        slices = self._offsets(self._padded(x), self._out_size(x.shape))
        first = next(slices)
        y = take_like(first)
        np.copyto(y, first)
        for view in slices:
            ufunc(y, view, out=y)
        return y

    def definition(self, x: Tensor) -> Tensor:
        """The pooling from differentiable operations (for second order)."""
        shape = x.shape
        eh, ew = self._extra(shape)
        if eh or ew:  # ceil mode: pad_value below and right of x as well (all outside x is pad_value alike)
            x = shape_ops.pad(x, ((0, 0), (0, 0), (0, eh), (0, ew)), self.pad_value)
        windows = window_view(x, self.kernel, self.stride, self.padding, pad_value=self.pad_value)
        if self.pad_value:
            return reductions.max(windows, axis=-1)
        return reductions.sum(windows, axis=-1) / self._divisor(shape, x.dtype)

    def _scatter(self, x: np.ndarray, gradient_at: Callable[[int, np.ndarray | None], Any]) -> np.ndarray:
        """∂L/∂x from each offset slice's gradient: gradient_at(o, out) writes it into out, or returns it."""
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        overlap = sh < kh or sw < kw
        eh, ew = self._extra(x.shape)
        if ph or pw or eh or ew:
            n, c, h, w = x.shape
            gx = np.zeros((n, c, h + 2 * ph + eh, w + 2 * pw + ew), dtype=x.dtype)
        else:  # in x's memory order; every element is written when the windows tile x
            tiles = (sh, sw) == (kh, kw) and x.shape[2] % kh == 0 and x.shape[3] % kw == 0  # no gaps either
            gx = take_like(x)
            if not tiles:
                gx.fill(0)
        for o, view in enumerate(self._offsets(gx, self._out_size(x.shape))):
            if overlap:
                view += gradient_at(o, None)
            else:
                gradient_at(o, view)
        return gx[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]] if ph or pw or eh or ew else gx


def _in_layout_of(template: np.ndarray, a: np.ndarray) -> np.ndarray:
    """`a` as a dense array in the memory order of `template` (same shape): one copy, if needed.

    Elementwise passes over arrays of different orders (a gradient from Flatten, NCHW,
    against a channels-last feature map) or with gaps (the middle of a padded array)
    run several times slower than one copy followed by passes in a single dense order.
    """
    order = np.argsort(template.strides, kind="stable")[::-1]
    if np.argsort(a.strides, kind="stable")[::-1].tolist() == order.tolist() and a.transpose(order).flags.c_contiguous:
        return a
    out = take_like(template)
    np.copyto(out, a)
    return out


class MaxPool2d(_Pool2d):
    """y = max of each window; ∂L/∂x = g at each window's first arg-max (module docstring)."""

    pad_value = -np.inf

    def forward(self, x):
        forward = self._kernel("max_pool_forward", "ppp", x)
        if forward is not None:  # kernels/pooling.c: the same maxima, one pass
            y = take_like(x, shape=(*x.shape[:2], *self._out_size(x.shape)))
            forward(self._geometry(x, y).ctypes.data, x.ctypes.data, y.ctypes.data)
            return y
        return self._reduce(x, np.maximum)

    def backward(self, g, x, y):
        if isinstance(g, Tensor):  # create_graph=True
            return composite_backward(self.definition, (x,), g)[0]
        g = _in_layout_of(y, g)
        backward = self._kernel("max_pool_backward", "pppppp", x, y, g)
        if backward is not None:  # kernels/pooling.c: the same routing and sums, gathered per pixel of ∂L/∂x
            first, gx = take_like(y, np.int32), take_like(x)  # first: each window's first offset equal to y
            backward(self._geometry(x, y, g, first, gx).ctypes.data, x.ctypes.data, y.ctypes.data,
                     g.ctypes.data, first.ctypes.data, gx.ctypes.data)
            return gx
        # masks[o]: offset o holds the window's first maximum (equal to y, and no earlier offset was)
        masks, taken = [], None
        for view in self._offsets(self._padded(x), y.shape[2:]):
            hit = np.equal(view, y)
            if taken is None:
                taken = hit.copy()
            else:
                np.greater(hit, taken, out=hit)  # for booleans, hit > taken is hit and not taken
                taken |= hit
            masks.append(hit)

        def routed(o: int, out: np.ndarray | None) -> np.ndarray:
            return gate(g, masks[o], out=out)  # a window's non-finite g reaches its maximum only

        return self._scatter(x, routed)

    @staticmethod
    def _kernel(function: str, signature: str, *arrays: np.ndarray) -> Callable[..., None] | None:
        """The optional compiled kernel (kernels/pooling.c) for channels-last x, else None (NumPy path).

        Only channels-last: there a window's channels are one contiguous run, a vectorised loop. Over
        (N, C, H, W) planes the runs are a row's few windows, read with a stride: a version for them
        measured slower than the NumPy passes (the CNN's first pool, 2×2 over 64×16×28×28: forward
        0.55 against 0.32 ms), so planes keep the NumPy path."""
        x = arrays[0]
        if x.shape[1] < 2 or abs(x.strides[1]) != min(abs(s) for s, n in zip(x.strides, x.shape) if n > 1):
            return None
        return compiled.kernel("pooling", function, signature, *arrays, strided=True)

    def _geometry(self, x: np.ndarray, *arrays: np.ndarray) -> np.ndarray:
        """The `Pool` struct of kernels/pooling.c: sizes, kernel, stride, padding, then the element
        strides of x and of `arrays` (y, g, first, gx; those not given are unused)."""
        strides = [s for a in (x, *arrays) for s in compiled.element_strides(a)]
        return np.array([*x.shape, *self._out_size(x.shape), *self.kernel, *self.stride, *self.padding,
                         *strides, *[0] * (20 - len(strides))], dtype=np.int64)


class AvgPool2d(_Pool2d):
    """y = Σ window / D, D the window's divisor (module docstring); ∂L/∂x = g/D to every element."""

    def __init__(self, kernel: Pair, stride: Pair, padding: Pair, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__(kernel, stride, padding, ceil_mode)
        self.count_include_pad = count_include_pad

    def _divisor(self, shape: tuple, dtype: Any) -> Any:
        """kh·kw (a number) when every window is whole; else D (Ho, Wo) per window, as PyTorch counts it."""
        counts = []
        for o, n, k, s, p in zip(self._out_size(shape), shape[2:], self.kernel, self.stride, self.padding):
            start = np.arange(o) * s - p
            end = np.minimum(start + k, n + p)  # a window never counts what lies past the padding
            if not self.count_include_pad:
                start, end = np.maximum(start, 0), np.minimum(end, n)
            counts.append(end - start)
        divisor = np.outer(*counts)
        if (divisor == self.kernel[0] * self.kernel[1]).all():
            return np.dtype(dtype).type(self.kernel[0] * self.kernel[1])
        return divisor.astype(dtype)

    def forward(self, x):
        y = self._reduce(x, np.add)
        y /= self._divisor(x.shape, x.dtype)
        return y

    def backward(self, g, x, y):
        if isinstance(g, Tensor):  # create_graph=True
            return composite_backward(self.definition, (x,), g)[0]
        share = _in_layout_of(y, g) / self._divisor(x.shape, g.dtype)

        def shared(o: int, out: np.ndarray | None) -> np.ndarray:
            if out is not None:
                np.copyto(out, share)
            return share

        return self._scatter(x, shared)


def pool_output_size(size: int, kernel: int, stride: int, padding: int, ceil_mode: bool = False) -> int:
    """⌊(or ⌈)(size + 2·padding − kernel) / stride⌉ + 1; in ceil mode a last window that would start
    in the right padding is dropped, as PyTorch does."""
    if not ceil_mode:
        return output_size(size, kernel, stride, padding)
    out = -(-(size + 2 * padding - kernel) // stride) + 1
    return out - 1 if (out - 1) * stride >= size + padding else out


def _pool_arguments(name: str, x: Any, kernel_size: Any, stride: Any, padding: Any) -> tuple[Pair, Pair, Pair]:
    kernel = as_pair(kernel_size, f"{name}: kernel_size", 1)
    stride_ = kernel if stride is None else as_pair(stride, f"{name}: stride", 1)
    padding_ = as_pair(padding, f"{name}: padding", 0)
    shape = tuple(np.shape(getattr(x, "data", x)))
    check_image_batch(shape, name)
    if padding_[0] > kernel[0] // 2 or padding_[1] > kernel[1] // 2:
        raise ValueError(
            f"{name}: padding {padding_} must be at most half the kernel size {kernel} "
            "(a window may not lie wholly in the padding), as in PyTorch"
        )
    check_fits(name, shape[2:], kernel, padding_)
    return kernel, stride_, padding_


def max_pool2d(x: Any, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
               padding: int | Sequence[int] = 0, ceil_mode: bool = False) -> Tensor:
    """The maximum of each kernel_size window of (N, C, H, W) images; stride defaults to kernel_size.

    y = max over the window;  ∂L/∂x = g at the window's (first) arg-max, 0 elsewhere (overlaps add).

    >>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    >>> max_pool2d(x, 2).numpy()[0, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    return MaxPool2d(*_pool_arguments("max_pool2d", x, kernel_size, stride, padding), bool(ceil_mode))(x)


def avg_pool2d(x: Any, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
               padding: int | Sequence[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """The mean of each kernel_size window (zero padding counts, as PyTorch's count_include_pad=True).

    y = (1/D) Σ over the window, D = kh·kw;  ∂L/∂x = g/D to every element of the window (overlaps add).
    With count_include_pad=False, D counts only the window's elements inside x; a ceil_mode
    window that runs past the padding never counts that part (module docstring).

    >>> avg_pool2d(Tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2).numpy()[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    return AvgPool2d(*_pool_arguments("avg_pool2d", x, kernel_size, stride, padding), bool(ceil_mode),
                     bool(count_include_pad))(x)
