"""The second tutorial's layer classes: a fully connected layer, a sigmoid and an MSE loss.

Each class has a `forward` that keeps what its `backward` needs, and a `backward`
that takes ∂L/∂(its output) and returns ∂L/∂(its input) — the chain rule, one
link per class. The fully connected layer also keeps ∂L/∂W and ∂L/∂b and has an
`update` (a gradient-descent step). In plain NumPy:

    FullyConnected   y = x·W + b        ∂L/∂x = g·Wᵀ,  ∂L/∂W = xᵀ·g,  ∂L/∂b = Σ_rows g
    Sigmoid          y = σ(x)           ∂L/∂x = g ∘ y ∘ (1 − y)
    MSE              L = mean((p − t)²) ∂L/∂p = 2(p − t)/M   (M = number of elements)

The training loop `nn` runs them on XOR — 2 inputs → 4 sigmoid → 1 sigmoid — and
the loss falls. Then the same network is built from chainrule's `Dense`,
`Sigmoid` and `MeanSquaredError`, starting from the same weights: its autodiff
gives the same gradients, and `SGD` takes the same steps.

Run: python examples/fc_sigmoid_mse.py [--steps 3000] [--lr 2.0]
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])  # XOR


class FullyConnected:
    """y = x·W + b for x (N, n_in), W (n_in, n_out), b (n_out,)."""

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator) -> None:
        self.W = rng.normal(size=(n_in, n_out))
        self.b = np.zeros(n_out)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return x @ self.W + self.b

    def backward(self, g: np.ndarray) -> np.ndarray:
        self.dW = self.x.T @ g  # ∂L/∂W_ij = Σ_n x_ni g_nj
        self.db = g.sum(axis=0)  # every row added b
        return g @ self.W.T  # ∂L/∂x_ni = Σ_j g_nj W_ij

    def update(self, lr: float) -> None:
        self.W -= lr * self.dW
        self.b -= lr * self.db


class Sigmoid:
    """y = 1/(1 + e⁻ˣ), elementwise; σ′ = σ(1 − σ)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.y = 1 / (1 + np.exp(-x))
        return self.y

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g * self.y * (1 - self.y)


class MSE:
    """L = mean over all elements of (p − t)²."""

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        self.diff = prediction - target
        return float(np.mean(self.diff**2))

    def backward(self) -> np.ndarray:
        return 2 * self.diff / self.diff.size


def forward_backward(layers: list, loss_fn: MSE, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, float]:
    """Forward through every layer, the loss, then backward in reverse (each layer keeps its gradients)."""
    out = x
    for layer in layers:
        out = layer.forward(out)
    loss = loss_fn.forward(out, t)
    g = loss_fn.backward()
    for layer in reversed(layers):
        g = layer.backward(g)
    return out, loss


def nn(steps: int = 3000, lr: float = 2.0, seed: int = 0, report: bool = True) -> tuple[list, list[float]]:
    """The tutorial's loop: forward through every layer, loss, backward in reverse, update."""
    rng = np.random.default_rng(seed)
    layers = [FullyConnected(2, 4, rng), Sigmoid(), FullyConnected(4, 1, rng), Sigmoid()]
    loss_fn = MSE()
    losses = []
    for step in range(steps + 1):
        out, loss = forward_backward(layers, loss_fn, X, Y)
        losses.append(loss)
        if report and step % max(1, steps // 6) == 0:
            print(f"step {step:5d}   loss {losses[-1]:.5f}")
        if step < steps:
            for layer in layers:
                if isinstance(layer, FullyConnected):
                    layer.update(lr)
    if report:
        print("predictions for (0,0), (0,1), (1,0), (1,1):", np.round(out.ravel(), 3))
    return layers, losses


def same_network_in_chainrule(steps: int = 3000, lr: float = 2.0, seed: int = 0) -> tuple[bool, float, float]:
    """Both versions from the same weights: equal first gradients? and their losses after `steps`."""
    start, _ = nn(steps=0, seed=seed, report=False)  # the initial weights, and one backward pass
    net = cr.NeuralNetwork(
        [cr.Dense(4, cr.Sigmoid(), input_size=2), cr.Dense(1, cr.Sigmoid(), input_size=4)], cr.MeanSquaredError()
    ).to(np.float64)
    for dense, fc in zip(net.layers, (start[0], start[2])):
        dense.weight.data[...] = fc.W
        dense.bias.data[...] = fc.b
    net.train_batch(X, Y)  # forward, loss, backward: the gradients land in .grad
    same = all(
        np.allclose(dense.weight.grad.data, fc.dW) and np.allclose(dense.bias.grad.data, fc.db)
        for dense, fc in zip(net.layers, (start[0], start[2]))
    )
    net.zero_grad()
    optimizer = cr.SGD(net, lr=lr)
    for _ in range(steps):
        net.zero_grad()
        net.train_batch(X, Y)
        optimizer.step()
    _, losses = nn(steps=steps, lr=lr, seed=seed, report=False)
    return same, losses[-1], net.evaluate(X, Y)["loss"]


def main(steps: int = 3000, lr: float = 2.0) -> list[float]:
    _, losses = nn(steps, lr)
    same, ours, chainrule = same_network_in_chainrule(steps, lr)
    print("chainrule's autodiff gives the layer classes' gradients:", same)
    print(f"after {steps} steps: layer classes loss {ours:.6f}, chainrule loss {chainrule:.6f}")
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="gradient-descent steps on the four XOR points")
    parser.add_argument("--lr", type=float, default=2.0, help="the learning rate")
    args = parser.parse_args()
    main(args.steps, args.lr)
