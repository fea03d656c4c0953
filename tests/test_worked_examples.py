"""The two tutorials' worked examples, reproduced exactly."""

import runpy
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

ROOT = Path(__file__).resolve().parents[1]

ACTIVATIONS = {
    # name: (chainrule f, numpy f, numpy f′)
    "square": (lambda x: x**2, lambda x: x**2, lambda x: 2 * x),
    "cube": (lambda x: x**3, lambda x: x**3, lambda x: 3 * x**2),
    "sigmoid": (cr.sigmoid, lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    "tanh": (cr.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
}


@pytest.mark.parametrize("f1_name, f2_name", [("square", "cube"), ("sigmoid", "tanh"), ("tanh", "sigmoid")])
def test_toy_network_autodiff_equals_the_tutorial_closed_forms(f1_name, f2_name):
    f1, f1_np, f1_prime = ACTIVATIONS[f1_name]
    f2, f2_np, f2_prime = ACTIVATIONS[f2_name]
    rng = np.random.default_rng(42)
    X, W1, W2 = rng.uniform(-1, 1, (10, 3)), rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4, 1))
    Y = rng.uniform(-1, 1, (10, 1))

    w1 = cr.Tensor(W1, requires_grad=True, dtype=np.float64)
    w2 = cr.Tensor(W2, requires_grad=True, dtype=np.float64)
    y_hat = f2(f1(cr.Tensor(X, dtype=np.float64) @ w1) @ w2)
    loss = ((cr.Tensor(Y, dtype=np.float64) - y_hat) ** 2).sum()
    loss.backward()

    A = X @ W1
    B = f1_np(A)
    C = B @ W2
    Y_tilde = Y - f2_np(C)
    delta_w2 = 2 * B.T @ (Y_tilde * f2_prime(C))
    delta_w1 = 2 * X.T @ (((Y_tilde * f2_prime(C)) @ W2.T) * f1_prime(A))
    # The tutorial's δW is the negative gradient: δW = −∂Δ/∂W.
    np.testing.assert_allclose(w2.grad.data, -delta_w2, rtol=1e-10)
    np.testing.assert_allclose(w1.grad.data, -delta_w1, rtol=1e-10)
    np.testing.assert_allclose(loss.item(), (Y_tilde**2).sum(), rtol=1e-12)


def test_sigmoid_from_primitive_operations_at_one():
    """x → −x → exp → +1 → 1/·, evaluated at x = 1, with every intermediate gradient kept.

    The tutorial reads the backward values −0.53, −0.53, 0.2, 0.2 off the graph: the
    gradients arriving at the +1 and exp nodes are −0.53; through exp (local
    gradient e⁻¹ = 0.37) it becomes −0.20 at −x, and +0.20 at x after the negation.
    """
    x = cr.Tensor([1.0], requires_grad=True, dtype=np.float64)
    negated = -x
    exponential = cr.exp(negated)
    plus_one = exponential + 1
    sigma = 1 / plus_one
    for t in (negated, exponential, plus_one):
        t.retain_grad()
    sigma.sum().backward()
    assert round(plus_one.grad.item(), 2) == -0.53
    assert round(exponential.grad.item(), 2) == -0.53
    assert round(negated.grad.item(), 2) == -0.20
    assert round(x.grad.item(), 2) == 0.20
    s = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(x.grad.item(), s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(cr.sigmoid(cr.Tensor([1.0], dtype=np.float64)).item(), sigma.item())


def test_toy_network_example_runs_and_its_loss_falls(capsys):
    module = runpy.run_path(str(ROOT / "examples" / "toy_network.py"))
    losses = module["main"](steps=50)
    assert losses[-1] < 0.2 * losses[0]
    assert "equals the tutorial's −δW1: True" in capsys.readouterr().out
