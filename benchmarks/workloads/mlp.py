"""MLP workload: batch 128, 784 → 256 → 128 → 10 with ReLU, softmax cross-entropy, SGD momentum.

Three implementations of one training step (forward, backward, update) from the
same initial weights on the same synthetic batch: chainrule, PyTorch, and the
same network hand-written in plain NumPy — the tightest NumPy we can write,
the yardstick for framework overhead.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from workloads import _steps

NAME = "mlp"
DESCRIPTION = "batch 128, 784-256-128-10 ReLU, softmax CE, SGD momentum 0.9"
SIZES = (784, 256, 128, 10)
BATCH = 128
LR, MOMENTUM = 0.01, 0.9


def initial_weights(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """He-initialised (W (n_in, n_out), b (n_out,)) pairs in float32."""
    rng = np.random.default_rng(seed)
    return [
        ((rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(np.float32), np.zeros(n_out, np.float32))
        for n_in, n_out in zip(SIZES[:-1], SIZES[1:])
    ]


def batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    return rng.standard_normal((BATCH, SIZES[0])).astype(np.float32), rng.integers(0, SIZES[-1], BATCH)


# ----------------------------------------------------------------- chainrule


def _chainrule(seed: int):
    import chainrule as cr

    net = cr.NeuralNetwork(
        [cr.Dense(256, "relu", input_size=784), cr.Dense(128, "relu", input_size=256), cr.Dense(10, input_size=128)],
        cr.SoftmaxCrossEntropy(),
    )
    for layer, (w, b) in zip(net.layers, initial_weights(seed)):
        layer.weight.data[...] = w
        layer.bias.data[...] = b
    optimizer = cr.SGDMomentum(net.parameters(), lr=LR, momentum=MOMENTUM)
    return net, optimizer


def chainrule_step(seed: int) -> Callable[[], float]:
    net, optimizer = _chainrule(seed)
    X, y = batch(seed)
    return _steps.training_step(lambda: net.loss(net(X), y), optimizer)


# --------------------------------------------------------------- hand NumPy


class NumpyMLP:
    """The same network with the forward and backward pass written out by hand, buffers reused."""

    def __init__(self, seed: int) -> None:
        self.params = [(w.copy(), b.copy()) for w, b in initial_weights(seed)]
        self.velocity = [(np.zeros_like(w), np.zeros_like(b)) for w, b in self.params]

    def gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
        (w1, b1), (w2, b2), (w3, b3) = self.params
        h1 = X @ w1
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ w2
        h2 += b2
        np.maximum(h2, 0, out=h2)
        z = h2 @ w3
        z += b3
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)  # softmax probabilities
        rows = np.arange(len(y))
        loss = float(-np.log(z[rows, y]).mean())
        z[rows, y] -= 1
        z *= np.float32(1.0 / len(y))  # dL/dlogits
        g3 = (h2.T @ z, z.sum(axis=0))
        d2 = z @ w3.T
        d2 *= h2 > 0
        g2 = (h1.T @ d2, d2.sum(axis=0))
        d1 = d2 @ w2.T
        d1 *= h1 > 0
        g1 = (X.T @ d1, d1.sum(axis=0))
        return loss, [g1, g2, g3]

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        loss, grads = self.gradients(X, y)
        lr, mu = np.float32(LR), np.float32(MOMENTUM)
        for (w, b), (vw, vb), (gw, gb) in zip(self.params, self.velocity, grads):
            for p, v, g in ((w, vw, gw), (b, vb, gb)):
                v *= mu
                v += g
                np.multiply(v, lr, out=g)  # the gradient array is scratch now: g ← lr·v
                p -= g
        return loss


def numpy_step(seed: int) -> Callable[[], float]:
    model = NumpyMLP(seed)
    X, y = batch(seed)
    return lambda: model.step(X, y)


# ------------------------------------------------------------------ PyTorch


def torch_step(seed: int) -> Callable[[], float]:
    import torch

    layers = []
    for index, (w, b) in enumerate(initial_weights(seed)):
        linear = torch.nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T.copy()))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if index < 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    return _steps.torch_classifier_step(model, *batch(seed), LR, MOMENTUM)


# ------------------------------------------------------------------ interface


def make(framework: str, seed: int = 0) -> Callable[[], float]:
    return _steps.pick(framework, {"chainrule": chainrule_step, "numpy": numpy_step, "torch": torch_step}, seed)


def check(seed: int = 0) -> None:
    """chainrule's loss and gradients equal the hand-written NumPy's at the initial weights."""
    net, _ = _chainrule(seed)
    X, y = batch(seed)
    loss = net.loss(net(X), y)
    loss.backward()
    reference_loss, reference = NumpyMLP(seed).gradients(X, y)
    np.testing.assert_allclose(loss.item(), reference_loss, rtol=1e-5)
    for layer, (gw, gb) in zip(net.layers, reference):
        np.testing.assert_allclose(layer.weight.grad.data, gw, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(layer.bias.grad.data, gb, rtol=1e-4, atol=1e-6)
