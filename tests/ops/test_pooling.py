"""max_pool2d / avg_pool2d: gradcheck, PyTorch parity (ties included), layouts, errors."""

import numpy as np
import pytest
from harness import HAS_TORCH, Case, check_against_torch, check_case, normal

import chainrule as cr


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
