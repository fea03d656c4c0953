"""conv2d: gradcheck + PyTorch parity over a grid of shapes, strides, paddings, dilations; layouts; errors."""

import numpy as np
import pytest
from harness import HAS_TORCH, Case, check_against_torch, check_case, no_compiler_reason, normal, spy_on_kernels
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.ops import compiled
from chainrule.ops import conv as conv_module


def _torch_conv(stride=1, padding=0, dilation=1, activation="linear"):
    def run(x, w, b=None):
        import torch

        y = torch.nn.functional.conv2d(x, w, b, stride, padding, dilation)
        return {"linear": y, "tanh": torch.tanh(y), "sigmoid": torch.sigmoid(y), "relu": torch.relu(y)}[activation]

    return run


def _ours(stride=1, padding=0, dilation=1, activation="linear"):
    return lambda x, w, b=None: cr.ops.conv2d(x, w, b, stride, padding, dilation, activation)


def _relu_safe(rng):
    """Inputs whose pre-activations stay clear of ReLU's kink (for finite differences)."""
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    z = _torch_free_conv(x, w)
    b = np.where(np.abs(z).min(axis=(0, 2, 3)) < 0.05, 0.4, 0.0)
    return [x, w, b]


def _torch_free_conv(x, w):
    """A plain loop convolution (stride 1, no padding), only to place the ReLU inputs."""
    n, _, h, wd = x.shape
    o, _, k, _ = w.shape
    out = np.zeros((n, o, h - k + 1, wd - k + 1))
    for i in range(h - k + 1):
        for j in range(wd - k + 1):
            out[:, :, i, j] = np.einsum("ncab,ocab->no", x[:, :, i : i + k, j : j + k], w)
    return out


CASES = [
    Case("conv2d", _ours(padding=1), _torch_conv(padding=1), normal((2, 2, 5, 5), (3, 2, 3, 3), (3,)), "pad1-bias"),
    Case("conv2d", _ours(stride=2), _torch_conv(stride=2), normal((2, 3, 6, 5), (2, 3, 2, 2)), "stride2-even"),
    Case("conv2d", _ours(padding=2, activation="tanh"), _torch_conv(padding=2, activation="tanh"),
         normal((2, 1, 5, 5), (2, 1, 5, 5), (2,)), "one-channel-tanh"),
    Case("conv2d", _ours(stride=(1, 2), padding=(1, 0), dilation=2, activation="sigmoid"),
         _torch_conv(stride=(1, 2), padding=(1, 0), dilation=2, activation="sigmoid"),
         normal((1, 2, 7, 8), (2, 2, 3, 2), (2,)), "dilated-sigmoid"),
    Case("conv2d", _ours(activation="relu"), _torch_conv(activation="relu"), _relu_safe, "relu"),
]


def _grouped(groups, padding=0, activation="linear"):
    def theirs(x, w, b=None):
        import torch

        y = torch.nn.functional.conv2d(x, w, b, 1, padding, 1, groups)
        return torch.tanh(y) if activation == "tanh" else y

    return (lambda x, w, b=None: cr.ops.conv2d(x, w, b, padding=padding, activation=activation, groups=groups)), theirs


CASES += [  # issue 15: groups, padding="same"
    Case("conv2d", *_grouped(2, 1, "tanh"), normal((2, 4, 4, 4), (6, 2, 3, 3), (6,)), "groups2"),
    Case("conv2d", *_grouped(3), normal((1, 3, 4, 4), (3, 1, 2, 2)), "depthwise"),
    Case("conv2d", *_grouped(1, "same"), normal((1, 2, 4, 5), (3, 2, 3, 3), (3,)), "same"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


# (N, C, H, W), (O, kh, kw), stride, padding, dilation: odd and even kernels, both memory paths
GRID = [
    ((2, 3, 8, 8), (4, 3, 3), 1, 1, 1),
    ((2, 3, 8, 7), (4, 2, 2), 1, 0, 1),
    ((3, 1, 9, 9), (2, 5, 5), 1, 2, 1),
    ((2, 1, 10, 9), (3, 4, 4), 2, 1, 1),
    ((2, 4, 9, 11), (3, 3, 5), (2, 3), (1, 2), 1),
    ((1, 2, 12, 12), (2, 3, 3), 1, 2, 2),
    ((2, 2, 11, 10), (3, 2, 3), 3, 0, (2, 1)),
    ((2, 5, 4, 4), (6, 1, 1), 1, 0, 1),
    ((1, 3, 5, 5), (2, 5, 5), 1, 0, 1),
    ((2, 16, 6, 6), (8, 5, 5), 1, 2, 1),
    ((2, 4, 5, 5), (2, 1, 1), 1, 1, 1),
]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("x_shape, kernel, stride, padding, dilation", GRID, ids=str)
def test_matches_torch_over_a_grid(x_shape, kernel, stride, padding, dilation):
    rng = np.random.default_rng(sum(x_shape) + sum(kernel))
    o, kh, kw = kernel
    arrays = [rng.standard_normal(x_shape), rng.standard_normal((o, x_shape[1], kh, kw)), rng.standard_normal(o)]
    check_against_torch(_ours(stride, padding, dilation), _torch_conv(stride, padding, dilation), arrays, rng)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_chained_convolutions_read_channels_last_views_correctly():
    """The output of conv2d is a view of channels-last memory; a second conv, pooling and a
    reshape must see the same numbers as PyTorch's contiguous tensors."""
    import torch

    rng = np.random.default_rng(3)
    x, w1, w2 = rng.standard_normal((2, 1, 8, 8)), rng.standard_normal((3, 1, 3, 3)), rng.standard_normal((4, 3, 3, 3))

    def ours(x, w1, w2):
        h = cr.ops.conv2d(cr.ops.conv2d(x, w1, padding=1, activation="tanh"), w2, padding=1, activation="tanh")
        return cr.ops.max_pool2d(h, 2).reshape(2, -1)

    def theirs(x, w1, w2):
        h = torch.tanh(torch.nn.functional.conv2d(torch.tanh(torch.nn.functional.conv2d(x, w1, padding=1)), w2, padding=1))
        return torch.nn.functional.max_pool2d(h, 2).reshape(2, -1)

    check_against_torch(ours, theirs, [x, w1, w2], rng)


def test_float32_stays_float32():
    x = cr.Tensor(np.ones((2, 3, 6, 6)), requires_grad=True)
    w = cr.Tensor(np.ones((4, 3, 3, 3)), requires_grad=True)
    y = cr.ops.conv2d(x, w, cr.Tensor(np.zeros(4), requires_grad=True), padding=1, activation="tanh")
    y.sum().backward()
    assert y.dtype == x.grad.dtype == w.grad.dtype == np.float32


def test_the_input_gradient_is_skipped_when_the_images_need_none(monkeypatch):
    def refuse(*args):
        raise AssertionError("the input gradient was computed although the input needs none")

    monkeypatch.setattr(conv_module.Conv2d, "_input_gradient", refuse)
    x = cr.Tensor(np.ones((2, 3, 5, 5)))
    w = cr.Tensor(np.ones((2, 3, 3, 3)), requires_grad=True)
    cr.ops.conv2d(x, w).sum().backward()
    assert x.grad is None and w.grad.shape == (2, 3, 3, 3)


def test_saved_windows_are_not_overwritten_by_a_second_forward_pass():
    """Work arrays are reused between calls, never while a graph still holds them."""
    rng = np.random.default_rng(0)
    w = cr.Tensor(rng.standard_normal((4, 4, 3, 3)), requires_grad=True)
    first = cr.Tensor(rng.standard_normal((8, 4, 24, 24)))  # windows of 663 KB: big enough to be pooled
    cr.ops.conv2d(first, w, padding=1).sum().backward()
    expected = w.grad.data.copy()
    w.grad = None
    loss = cr.ops.conv2d(first, w, padding=1).sum()
    cr.ops.conv2d(cr.Tensor(rng.standard_normal((8, 4, 24, 24))), w, padding=1).sum()  # same shapes, graph dropped
    loss.backward()
    np.testing.assert_allclose(w.grad.data, expected, rtol=1e-6)


def test_grayscale_batch_without_channel_axis_is_explained():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\), got \(4, 28, 28\).*x\[:, None\]"):
        cr.ops.conv2d(cr.Tensor(np.zeros((4, 28, 28))), cr.Tensor(np.zeros((2, 1, 3, 3))))


def test_flattened_images_are_explained():
    with pytest.raises(ValueError, match=r"reshape\(-1, 1, 28, 28\)"):
        cr.ops.conv2d(cr.Tensor(np.zeros((4, 784))), cr.Tensor(np.zeros((2, 1, 3, 3))))


def test_channel_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"input has 3 channels \(shape \(2, 3, 8, 8\)\) but the weight \(4, 1, 3, 3\)"):
        cr.ops.conv2d(cr.Tensor(np.zeros((2, 3, 8, 8))), cr.Tensor(np.zeros((4, 1, 3, 3))))


def test_kernel_larger_than_the_padded_input_says_the_sizes_and_the_fix():
    with pytest.raises(ValueError, match=r"kernel's height 5 is larger than the padded input's height 3.*padding of at least 1"):
        cr.ops.conv2d(cr.Tensor(np.zeros((1, 1, 3, 3))), cr.Tensor(np.zeros((1, 1, 5, 5))))


@pytest.mark.parametrize("kwargs, message", [
    ({"stride": 0}, "stride must be at least 1"),
    ({"padding": -1}, "padding must be at least 0"),
    ({"dilation": (1, 2, 3)}, "dilation must be an int or a pair"),
    ({"activation": "swish"}, "activation must be one of"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cr.ops.conv2d(cr.Tensor(np.zeros((1, 1, 5, 5))), cr.Tensor(np.zeros((1, 1, 3, 3))), **kwargs)


def test_bias_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\)"):
        cr.ops.conv2d(cr.Tensor(np.zeros((1, 1, 5, 5))), cr.Tensor(np.zeros((2, 1, 3, 3))), cr.Tensor(np.zeros(3)))


def test_same_padding_keeps_the_size_and_refuses_what_it_cannot_do():
    x = cr.Tensor(np.ones((1, 1, 5, 6)))
    assert cr.ops.conv2d(x, cr.Tensor(np.ones((2, 1, 5, 3))), padding="same", dilation=(1, 2)).shape == (1, 2, 5, 6)
    with pytest.raises(ValueError, match="stride 1 and an odd kernel"):
        cr.ops.conv2d(x, cr.Tensor(np.ones((2, 1, 2, 2))), padding="same")


def test_groups_must_divide_the_channels():
    with pytest.raises(ValueError, match="must divide both"):
        cr.ops.conv2d(cr.Tensor(np.ones((1, 4, 3, 3))), cr.Tensor(np.ones((3, 2, 1, 1))), groups=2)
    with pytest.raises(ValueError, match="per group"):
        cr.ops.conv2d(cr.Tensor(np.ones((1, 4, 3, 3))), cr.Tensor(np.ones((4, 1, 1, 1))), groups=2)


# ---------------------------------------------------------------- the compiled col2im (kernels/conv.c)


@pytest.mark.skipif(no_compiler_reason() is not None, reason=str(no_compiler_reason()))
@settings(max_examples=60, deadline=None)
@given(kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)), stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)), out_size=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       extra=st.tuples(st.integers(0, 2), st.integers(0, 2)), n=st.integers(0, 2), c=st.integers(1, 5),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**32 - 1))
def test_add_windows_kernel_equals_the_numpy_path_bit_for_bit(kernel, stride, dilation, out_size, extra, n, c, dtype,
                                                             seed):
    """col2im's sums in the same order: the same to the last bit (±0, ±∞ and overlaps included); `extra` rows and
    columns that no window reads (conv_transpose2d's output padding) stay 0."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_size
    padded = (n, sh * (ho - 1) + dh * (kh - 1) + 1 + extra[0], sw * (wo - 1) + dw * (kw - 1) + 1 + extra[1], c)
    values = np.array([0.0, -0.0, 1e-3, -1.0, 3.0, 1e8, np.inf])
    per_offset = np.random.default_rng(seed).choice(values, size=(kh * kw, n * ho * wo, c)) * \
        np.random.default_rng(seed + 1).standard_normal((kh * kw, n * ho * wo, c))  # varied magnitudes: rounding
    per_offset = per_offset.astype(dtype)
    with compiled.kernels(False), np.errstate(invalid="ignore"):
        expected = conv_module.add_windows(per_offset, padded, out_size, kernel, stride, dilation).copy()
    with compiled.kernels(), np.errstate(invalid="ignore"):
        got = conv_module.add_windows(per_offset, padded, out_size, kernel, stride, dilation)
    assert got.shape == expected.shape
    assert np.where(np.isnan(got), np.nan, got).astype(dtype).tobytes() == \
        np.where(np.isnan(expected), np.nan, expected).astype(dtype).tobytes()


@pytest.mark.skipif(no_compiler_reason() is not None, reason=str(no_compiler_reason()))
def test_conv2d_input_gradient_takes_the_compiled_col2im(monkeypatch):
    """The CNN's second convolution (stride 1, more output channels than 1.5× the input's: col2im) runs the
    kernel, and ∂L/∂x is the NumPy path's exactly."""
    returned = spy_on_kernels(monkeypatch)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 4, 7, 7)).astype(np.float32), rng.standard_normal((8, 4, 5, 5)).astype(np.float32)
    grads = []
    for on in (False, True):
        t = cr.Tensor(x, requires_grad=True)
        with compiled.kernels(on):
            cr.ops.conv2d(t, cr.Tensor(w), padding=2, activation="tanh").sum().backward()
        grads.append(t.grad.data)
    assert grads[0].tobytes() == grads[1].tobytes()
    assert len(returned) == 1 and callable(returned[0])
