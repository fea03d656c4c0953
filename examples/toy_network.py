"""The matrix tutorial's toy network, trained by gradient descent.

    X (10×3) → A = X·W1 (10×4) → B = f1(A) → C = B·W2 (10×1) → Ŷ = f2(C),
    loss Δ = Σ (Y − Ŷ)²,  with f1(x) = x², f2(x) = x³.

The tutorial derives, with index notation and Ỹ = Y − Ŷ,

    δW2 = 2·Bᵀ·(Ỹ ∗ f2′(C))
    δW1 = 2·Xᵀ·[((Ỹ ∗ f2′(C))·W2ᵀ) ∗ f1′(A)]

where δW = −∂Δ/∂W, so gradient descent W ← W − μ·∂Δ/∂W is W ← W + μ·δW.
This script checks that chainrule's autodiff gives exactly −δW, then trains
and prints the falling loss.

Run: python examples/toy_network.py [--steps N]
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr


def make_problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Inputs X, targets Y from a hidden 'teacher' network, and a perturbed starting point."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(10, 3))
    teacher_w1 = rng.uniform(-1, 1, size=(3, 4))
    teacher_w2 = rng.uniform(-1, 1, size=(4, 1))
    Y = ((X @ teacher_w1) ** 2 @ teacher_w2) ** 3
    W1 = teacher_w1 + rng.normal(scale=0.3, size=(3, 4))
    W2 = teacher_w2 + rng.normal(scale=0.3, size=(4, 1))
    return X, Y, W1, W2


def closed_form_deltas(X: np.ndarray, Y: np.ndarray, W1: np.ndarray, W2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's δW1, δW2 (= −∂Δ/∂W) for f1 = x², f2 = x³."""
    A = X @ W1
    B = A**2
    C = B @ W2
    Y_tilde = Y - C**3
    inner = Y_tilde * 3 * C**2  # Ỹ ∗ f2′(C)
    delta_w2 = 2 * B.T @ inner
    delta_w1 = 2 * X.T @ ((inner @ W2.T) * 2 * A)
    return delta_w1, delta_w2


def loss_and_gradients(X: np.ndarray, Y: np.ndarray, W1: np.ndarray, W2: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Δ and its gradients ∂Δ/∂W1, ∂Δ/∂W2 by chainrule's autodiff (float64)."""
    w1 = cr.Tensor(W1, requires_grad=True, dtype=np.float64)
    w2 = cr.Tensor(W2, requires_grad=True, dtype=np.float64)
    y_hat = ((cr.Tensor(X, dtype=np.float64) @ w1) ** 2 @ w2) ** 3
    loss = ((cr.Tensor(Y, dtype=np.float64) - y_hat) ** 2).sum()
    loss.backward()
    return loss.item(), w1.grad.data, w2.grad.data


def main(steps: int = 200, learning_rate: float = 0.002) -> list[float]:
    X, Y, W1, W2 = make_problem()
    delta_w1, delta_w2 = closed_form_deltas(X, Y, W1, W2)
    _, grad_w1, grad_w2 = loss_and_gradients(X, Y, W1, W2)
    print("autodiff ∂Δ/∂W1 equals the tutorial's −δW1:", np.allclose(grad_w1, -delta_w1))
    print("autodiff ∂Δ/∂W2 equals the tutorial's −δW2:", np.allclose(grad_w2, -delta_w2))
    losses = []
    for step in range(steps + 1):
        loss, grad_w1, grad_w2 = loss_and_gradients(X, Y, W1, W2)
        losses.append(loss)
        if step % max(1, steps // 10) == 0:
            print(f"step {step:4d}   loss Δ = {loss:.6f}")
        W1 = W1 - learning_rate * grad_w1  # W ← W − μ·∂Δ/∂W
        W2 = W2 - learning_rate * grad_w2
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    main(parser.parse_args().steps)
