"""Activation layers wrap the checked operations; names resolve to layers."""

import numpy as np
import pytest
from harness import check_layer_gradients

import chainrule as cr
from chainrule.layers.activations import as_activation


@pytest.mark.parametrize("layer", [cr.Linear(), cr.Sigmoid(), cr.Tanh(), cr.LeakyReLU(0.2), cr.Softmax()])
def test_gradients(layer):
    x = np.random.default_rng(0).choice([-1.0, 1.0], (3, 4)) * np.random.default_rng(1).uniform(0.1, 2, (3, 4))
    check_layer_gradients(layer, x)


def test_relu_layer_masks_negative_inputs():
    x = cr.Tensor([[-1.0, 2.0]], requires_grad=True)
    cr.ReLU()(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 1.0]])


def test_names_resolve_and_unknown_names_are_explained():
    assert isinstance(as_activation("tanh"), cr.Tanh) and isinstance(as_activation(None), cr.Linear)
    with pytest.raises(ValueError, match="activation must be"):
        as_activation("swish")


@pytest.mark.parametrize("slope", [float("nan"), float("inf"), "0.1", True])
def test_leaky_relu_slope_must_be_a_finite_number(slope):
    with pytest.raises(ValueError, match="slope must be a finite number"):
        cr.LeakyReLU(slope)
