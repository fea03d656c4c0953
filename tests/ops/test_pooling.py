"""max_pool2d / avg_pool2d: gradcheck, PyTorch parity (ties included), layouts, errors."""

import numpy as np
import pytest
from harness import HAS_TORCH, Case, check_against_torch, check_case, no_compiler_reason, normal, spy_on_kernels
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.ops import compiled
from chainrule.ops.pooling import MaxPool2d


def _torch_pool(name, kernel, stride=None, padding=0):
    def run(x):
        import torch

        return getattr(torch.nn.functional, name)(x, kernel, stride, padding)

    return run


def _ours(name, kernel, stride=None, padding=0):
    return lambda x: getattr(cr.ops, name)(x, kernel, stride, padding)


def _distinct(*shape):
    """Values far apart (a shuffled ramp), so finite differences never flip a window's maximum."""
    return lambda rng: [rng.permutation(np.arange(np.prod(shape), dtype=float)).reshape(shape) * 0.1]


CASES = [
    Case("max_pool2d", _ours("max_pool2d", 2), _torch_pool("max_pool2d", 2), _distinct(2, 2, 4, 6), "tiles"),
    Case("max_pool2d", _ours("max_pool2d", 3, 2, 1), _torch_pool("max_pool2d", 3, 2, 1), _distinct(1, 2, 7, 6), "overlap-pad"),
    Case("avg_pool2d", _ours("avg_pool2d", 2), _torch_pool("avg_pool2d", 2), normal(2, 2, 4, 6), "tiles"),
    Case("avg_pool2d", _ours("avg_pool2d", (3, 2), (1, 2), (1, 1)), _torch_pool("avg_pool2d", (3, 2), (1, 2), (1, 1)),
         normal(1, 2, 5, 6), "overlap-pad"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


# x shape, kernel, stride, padding: tiling, overlapping, gaps (stride > kernel), padding, odd sizes
GRID = [
    ((2, 3, 8, 8), 2, None, 0),
    ((2, 3, 9, 7), 2, None, 0),
    ((2, 2, 7, 9), 3, 2, 1),
    ((1, 2, 6, 6), 3, 1, 1),
    ((2, 2, 9, 8), 2, 3, 0),
    ((2, 2, 7, 7), (2, 3), (1, 2), (1, 1)),
    ((1, 1, 5, 5), 5, None, 2),
]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("x_shape, kernel, stride, padding", GRID, ids=str)
def test_matches_torch_over_a_grid(name, ties, x_shape, kernel, stride, padding):
    rng = np.random.default_rng(len(x_shape) + sum(x_shape))
    x = rng.standard_normal(x_shape)
    if ties:  # small integers: most windows hold their maximum more than once
        x = np.round(x)
    check_against_torch(_ours(name, kernel, stride, padding), _torch_pool(name, kernel, stride, padding), [x], rng)


def test_max_pool_gives_a_tied_window_gradient_to_its_first_maximum_only():
    x = cr.Tensor(np.array([[[[1.0, 3.0, 0.0, 0.0], [3.0, 3.0, 0.0, 0.0]]]]), requires_grad=True)
    cr.ops.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 1, 1, 0], [0, 0, 0, 0]])


def test_padding_counts_in_the_average_and_never_wins_the_max():
    x = cr.Tensor(-np.ones((1, 1, 2, 2)))
    np.testing.assert_allclose(cr.ops.avg_pool2d(x, 2, 2, 1).data.ravel(), [-0.25] * 4)
    np.testing.assert_allclose(cr.ops.max_pool2d(x, 2, 2, 1).data.ravel(), [-1.0] * 4)


def test_channels_last_input_keeps_its_layout_and_values():
    rng = np.random.default_rng(0)
    nhwc = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    x = nhwc.transpose(0, 3, 1, 2)  # an (N, C, H, W) view of channels-last memory
    y = cr.ops.max_pool2d(cr.Tensor(x), 2).data
    np.testing.assert_array_equal(y, np.ascontiguousarray(x).reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5)))
    assert y.strides[1] == y.itemsize  # channels are still the innermost axis in memory


def test_float32_stays_float32():
    x = cr.Tensor(np.ones((1, 2, 4, 4)), requires_grad=True)
    (cr.ops.max_pool2d(x, 2).sum() + cr.ops.avg_pool2d(x, 3, 1, 1).sum()).backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_padding_larger_than_half_the_kernel_is_refused(name):
    with pytest.raises(ValueError, match="at most half the kernel size"):
        getattr(cr.ops, name)(cr.Tensor(np.zeros((1, 1, 6, 6))), 2, 2, 2)


def test_wrong_rank_and_oversized_kernel_are_explained():
    with pytest.raises(ValueError, match=r"x\[:, None\]"):
        cr.ops.max_pool2d(cr.Tensor(np.zeros((4, 28, 28))), 2)
    with pytest.raises(ValueError, match="kernel's width 4 is larger than the padded input's width 3"):
        cr.ops.avg_pool2d(cr.Tensor(np.zeros((1, 1, 8, 3))), 4)


@pytest.mark.parametrize("pool", [cr.ops.max_pool2d, cr.ops.avg_pool2d])
@pytest.mark.parametrize("guarded", [False, True])
def test_rows_no_window_covers_get_zero_gradient(pool, guarded):
    """stride 3 > kernel 2: rows and columns 2, 5, 8, … are in no window (issue 14, #2).

    The gradient buffer (512 KiB) comes from the scratch pool; fresh from the OS it is zeros and
    hid the bug, so the stale-memory guard (NaN-filled buffers) is what makes it show every time.
    """
    from chainrule.ops import scratch

    x = cr.Tensor(np.ones((4, 16, 32, 32)), requires_grad=True, dtype=np.float64)
    with scratch.stale_memory_guard(guarded):
        pool(x, 2, stride=3).sum().backward()
    covered = np.zeros(32, bool)
    for start in range(0, 31, 3):
        covered[start : start + 2] = True
    assert np.all(x.grad.data[:, :, ~covered, :] == 0) and np.all(x.grad.data[:, :, :, ~covered] == 0)
    assert x.grad.data.sum() == pytest.approx(4 * 16 * 11 * 11)  # each of the 11×11 windows passes on 1


# ---------------------------------------------------------------- the compiled kernel (kernels/pooling.c)

needs_compiler = pytest.mark.skipif(no_compiler_reason() is not None, reason=str(no_compiler_reason()))
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, np.inf, -np.inf, np.nan]  # ties, signed zeros, ±∞, NaN


@st.composite
def _pooling_problems(draw):
    """A max pooling (any kernel, stride, padding, ceil mode) of channels-last x of special values, and a g."""
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    stride = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    h, w = (draw(st.integers(max(1, k - 2 * p), 7)) for k, p in zip(kernel, padding))
    n, c = draw(st.integers(0, 2)), draw(st.integers(2, 5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = np.array(draw(st.sampled_from([SPECIAL, SPECIAL[:6], [0.0, 1.0]])))  # some: many ties, no NaN
    nhwc = rng.choice(values, size=(n, h + 1, w, c + 1)).astype(dtype)
    layout = draw(st.sampled_from(["channels-last", "rows reversed", "sliced"]))
    x = {"channels-last": nhwc[:, :h, :, :c], "rows reversed": nhwc[:, h - 1 :: -1, :, :c],
         "sliced": nhwc[:, 1:, :, 1:]}[layout].transpose(0, 3, 1, 2)  # (N, C, H, W) views of NHWC memory
    op = MaxPool2d(kernel, stride, padding, draw(st.booleans()))
    g_values = draw(st.sampled_from([[1.0, -2.0, 0.25, 3.0], [1.0, -1.0, np.inf, np.nan]]))
    g = rng.choice(g_values, size=(n, c, *op._out_size(x.shape))).astype(dtype)
    return op, x, g


def _bits(a: np.ndarray) -> bytes:
    """The values' bytes, every NaN made np.nan: where two NaNs are added the compiler picks which one
    (its sign) survives, in NumPy as in C; everything else must be bit for bit the same."""
    return np.where(np.isnan(a), np.nan, a).astype(a.dtype).tobytes()


@needs_compiler
@settings(max_examples=150, deadline=None)
@given(problem=_pooling_problems())
def test_max_pool_kernel_equals_the_numpy_path_bit_for_bit(problem):
    """Maxima (NaN first, ±0 as np.maximum orders them), the first-maximum routing, overlapping sums, and ∞·0
    = NaN for a non-finite g: kernels/pooling.c against the NumPy path, on every layout, geometry, dtype."""
    op, x, g = problem
    with compiled.kernels(False), np.errstate(invalid="ignore"):  # ∞·0 in the masks' products
        y, gx = op.forward(x), op.backward(g, x, op.forward(x))
    with compiled.kernels():
        y_kernel = op.forward(x)
        gx_kernel = op.backward(g, x, y_kernel)
    assert y_kernel.shape == y.shape and np.ascontiguousarray(y_kernel).tobytes() == np.ascontiguousarray(y).tobytes()
    assert gx_kernel.shape == gx.shape and _bits(gx_kernel) == _bits(gx)
    for a in (y_kernel, gx_kernel):  # channels-last stays so (rows reversed: take_like puts them innermost)
        assert min(a.shape) < 2 or min(x.strides) < 0 or a.strides[1] == a.itemsize


@needs_compiler
def test_max_pool_takes_the_kernel_for_channels_last_input_only(monkeypatch):
    """The kernel is really what ran (for channels-last x), and (N, C, H, W) planes keep the NumPy path."""
    returned = spy_on_kernels(monkeypatch)
    nhwc = np.round(np.random.default_rng(0).standard_normal((2, 8, 8, 4)) * 2)  # ties
    for x in (nhwc.transpose(0, 3, 1, 2), np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2))):
        grads = []
        for on in (False, True):
            t = cr.Tensor(x, requires_grad=True)
            with compiled.kernels(on):
                cr.ops.max_pool2d(t, 3, 2, 1).sum().backward()
            grads.append(t.grad.data)
        np.testing.assert_array_equal(grads[0], grads[1])
    assert len(returned) == 2 and all(callable(f) for f in returned)  # forward and backward, channels-last x


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("kernels", [False, True])
def test_an_infinite_gradient_reaches_only_its_window_s_maximum(channels_last, kernels):
    """g = ±∞ for a window: ∂L/∂x is ±∞ at the window's maximum and 0 elsewhere (as PyTorch's), not ∞·0 = NaN
    at the window's other elements; on the NumPy path and on the compiled one (channels-last input)."""
    if kernels and no_compiler_reason():
        pytest.skip(no_compiler_reason())
    x = np.arange(32.0).reshape(1, 2, 4, 4) % 7
    x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2) if channels_last else x
    g = np.ones((1, 2, 2, 2))
    g[0, 0, 0, 0], g[0, 1, 1, 1] = np.inf, -np.inf
    with compiled.kernels(kernels):
        leaf = cr.Tensor(x, dtype=np.float64, requires_grad=True)
        cr.ops.max_pool2d(leaf, 2).backward(g)
    gx = leaf.grad
    assert np.isfinite(gx).sum() == gx.size - 2 and not np.isnan(gx).any()
    expected = np.zeros_like(gx)
    for c, i, j in np.ndindex(2, 2, 2):  # the first maximum of each window gets the window's g
        window = x[0, c, 2 * i: 2 * i + 2, 2 * j: 2 * j + 2]
        a, e = np.unravel_index(np.argmax(window), (2, 2))
        expected[0, c, 2 * i + a, 2 * j + e] = g[0, c, i, j]
    np.testing.assert_array_equal(gx, expected)
