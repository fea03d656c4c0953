"""conv_transpose2d: gradcheck + PyTorch parity over strides, paddings, output paddings, dilations; errors."""

import numpy as np
import pytest
from harness import HAS_TORCH, Case, check_against_torch, check_case, normal

import chainrule as cr


def _ours(stride=1, padding=0, output_padding=0, dilation=1):
    return lambda x, w, b=None: cr.ops.conv_transpose2d(x, w, b, stride, padding, output_padding, dilation)


def _theirs(stride=1, padding=0, output_padding=0, dilation=1):
    def run(x, w, b=None):
        import torch

        return torch.nn.functional.conv_transpose2d(x, w, b, stride, padding, output_padding, 1, dilation)

    return run


CASES = [
    Case("conv_transpose2d", _ours(), _theirs(), normal((2, 2, 3, 3), (2, 3, 2, 2), (3,)), "stride1-bias"),
    Case("conv_transpose2d", _ours(2, 1), _theirs(2, 1), normal((2, 3, 3, 4), (3, 2, 4, 4), (2,)), "upsample2x"),
    Case("conv_transpose2d", _ours((2, 3), (1, 0), (1, 2)), _theirs((2, 3), (1, 0), (1, 2)),
         normal((1, 2, 3, 2), (2, 2, 3, 2)), "output-padding"),
    Case("conv_transpose2d", _ours(2, 1, 0, 2), _theirs(2, 1, 0, 2), normal((1, 1, 3, 3), (1, 2, 3, 3), (2,)),
         "dilated"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


@pytest.mark.skipif(not HAS_TORCH, reason="needs torch")
@pytest.mark.parametrize("stride, padding, kernel", [(1, 0, 1), (3, 0, 2), (2, 2, 5), (1, 1, 3)])
def test_matches_torch_over_a_grid(stride, padding, kernel):
    rng = np.random.default_rng(stride * 10 + padding)
    arrays = [rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((3, 2, kernel, kernel)), rng.standard_normal(2)]
    check_against_torch(_ours(stride, padding), _theirs(stride, padding), arrays, rng)


def test_it_is_the_adjoint_of_conv2d():
    """⟨conv2d(z, w), x⟩ = ⟨z, conv_transpose2d(x, w)⟩: the defining property of the transpose."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 2, 3, 3))
    x = rng.standard_normal((2, 3, 4, 4))  # conv2d's output side: 3 channels
    y = cr.ops.conv_transpose2d(cr.Tensor(x, dtype=np.float64), cr.Tensor(w, dtype=np.float64), stride=2, padding=1)
    z = rng.standard_normal(y.shape)
    conv = cr.ops.conv2d(cr.Tensor(z, dtype=np.float64), cr.Tensor(w, dtype=np.float64), stride=2, padding=1)
    assert conv.shape == x.shape
    assert np.sum(conv.data * x) == pytest.approx(np.sum(z * y.data), rel=1e-10)


def test_float32_stays_float32():
    y = cr.ops.conv_transpose2d(cr.Tensor(np.ones((1, 2, 3, 3))), cr.Tensor(np.ones((2, 1, 2, 2))), stride=2)
    assert y.dtype == np.float32 and y.shape == (1, 1, 6, 6)


@pytest.mark.parametrize("kwargs, message", [
    (dict(weight=np.ones((3, 1, 2, 2))), "input channels FIRST"),
    (dict(output_padding=2, stride=2), "output_padding"),
    (dict(padding=3), "use less padding"),
    (dict(bias=np.ones(3)), "bias must have shape"),
])
def test_errors_are_explained(kwargs, message):
    args = dict(weight=np.ones((2, 1, 2, 2)))
    args.update(kwargs)
    weight = args.pop("weight")
    with pytest.raises(ValueError, match=message):
        cr.ops.conv_transpose2d(cr.Tensor(np.ones((1, 2, 2, 2))), cr.Tensor(weight), **args)
