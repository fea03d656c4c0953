"""The fused dense operation f(x·W + b): gradcheck and PyTorch parity for each activation."""

import numpy as np
import pytest
from harness import Case, check_case, normal

import chainrule as cr


def _torch_linear(activation):
    def run(x, w, b):
        import torch

        z = x @ w + b
        return {"linear": z, "sigmoid": torch.sigmoid(z), "tanh": torch.tanh(z), "relu": torch.relu(z)}[activation]

    return run


def _inputs_away_from_relu_kink(rng):
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    z = x @ w
    b = np.where(np.abs(z).min(axis=0) < 0.05, 0.3, 0.0)  # keep every z clear of the kink at 0
    return [x, w, b]


CASES = [
    Case("linear", lambda x, w, b, act=act: cr.ops.linear(x, w, b, act), _torch_linear(act), normal((5, 3), (3, 4), (4,)), act)
    for act in ("linear", "sigmoid", "tanh")
] + [
    Case("linear", lambda x, w, b: cr.ops.linear(x, w, b, "relu"), _torch_linear("relu"), _inputs_away_from_relu_kink, "relu"),
    Case("linear", lambda x, w: cr.ops.linear(x, w), lambda x, w: x @ w, normal((5, 3), (3, 4)), "no-bias"),
]


CASES += [  # issue 15: (…, n_in) inputs, the features on the last axis
    Case("linear", lambda x, w, b: cr.ops.linear(x, w, b, "tanh"), _torch_linear("tanh"),
         normal((2, 3, 4), (4, 5), (5,)), "3-d"),
    Case("linear", lambda x, w: cr.ops.linear(x, w), lambda x, w: x @ w, normal((4,), (4, 2)), "1-d"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_input_gradient_is_skipped_when_the_input_needs_none():
    x = cr.Tensor(np.ones((2, 3)))
    w = cr.Tensor(np.ones((3, 4)), requires_grad=True)
    y = cr.ops.linear(x, w, None, "tanh")
    y.sum().backward()
    assert x.grad is None and w.grad.shape == (3, 4)


def test_shape_error_names_the_shapes():
    with pytest.raises(ValueError, match=r"\(2, 5\) do not fit a weight of shape \(3, 4\)"):
        cr.ops.linear(cr.Tensor(np.ones((2, 5))), cr.Tensor(np.ones((3, 4))))


def test_unknown_activation():
    with pytest.raises(ValueError, match="activation must be one of"):
        cr.ops.linear(cr.Tensor(np.ones((2, 3))), cr.Tensor(np.ones((3, 4))), activation="swish")


@pytest.mark.parametrize("dtype, z", [(np.float32, -20.0), (np.float64, -40.0), (np.float64, -700.0)])
def test_fused_sigmoid_keeps_relative_precision(dtype, z):
    """σ(z) for z ≪ 0 in linear, conv2d and the GRU's gates, as accurate as `sigmoid` (issue 14, #7)."""
    expected = np.exp(z) / (1 + np.exp(z))
    x = cr.Tensor([[1.0]], dtype=dtype)
    got = [
        cr.ops.linear(x, cr.Tensor([[z]], dtype=dtype), activation="sigmoid").item(),
        cr.ops.conv2d(cr.Tensor(np.ones((1, 1, 1, 1)), dtype=dtype), cr.Tensor(np.full((1, 1, 1, 1), z), dtype=dtype),
                      activation="sigmoid").item(),
        cr.sigmoid(cr.Tensor(z, dtype=dtype)).item(),
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # the GRU's update gate z = σ(x·W_iz) with x = 1, W_iz = z: with h0 = 1 and n = tanh(0) = 0, h′ = z_gate
    w_ih = np.array([[0.0, z, 0.0]])
    arrays = [np.ones((1, 1, 1)), np.ones((1, 1)), w_ih, np.zeros((1, 3)), np.zeros(3), np.zeros(3)]
    _, h = cr.ops.gru(*[cr.Tensor(a, dtype=dtype) for a in arrays])
    np.testing.assert_allclose(h.item(), expected, rtol=1e-5)
