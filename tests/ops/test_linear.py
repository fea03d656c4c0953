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
