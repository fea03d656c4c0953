"""CNN workload: batch 64 of 1×28×28, conv 16 5×5 pad 2 tanh, max-pool 2, conv 32 5×5 pad 2 tanh,
max-pool 2, dense 10; softmax cross-entropy; SGD momentum 0.9.

Three implementations of one training step (forward, backward, update) from the same
initial weights on the same synthetic batch: chainrule, PyTorch, and the same network
hand-written in plain NumPy. The NumPy version is the tightest we can write: every
buffer is allocated once, the convolutions are one GEMM over strided windows (im2col)
in channels-last layout, the input gradient is a loop over the 25 kernel offsets, and
the dense weight is kept in the row order of the channels-last feature map so that
Flatten costs nothing. It is the yardstick for chainrule's framework overhead.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.lib.stride_tricks import as_strided

from workloads import _steps

NAME = "cnn"
DESCRIPTION = "batch 64, 1x28x28, conv16 5x5 pad2 tanh, maxpool2, conv32 5x5 pad2 tanh, maxpool2, dense10; softmax CE; SGD momentum 0.9"
BATCH, CLASSES = 64, 10
LR, MOMENTUM = 0.01, 0.9


def initial_weights(seed: int) -> dict[str, np.ndarray]:
    """Glorot-normal kernels and dense weight (fans count the kernel area), zero biases, float32.

    Shapes as chainrule and PyTorch hold them: conv (O, C, 5, 5), dense (1568, 10) as (n_in, n_out).
    """
    rng = np.random.default_rng(seed)

    def glorot(shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
        return (rng.standard_normal(shape) * np.sqrt(2.0 / (fan_in + fan_out))).astype(np.float32)

    return {
        "w1": glorot((16, 1, 5, 5), 25, 16 * 25), "b1": np.zeros(16, np.float32),
        "w2": glorot((32, 16, 5, 5), 16 * 25, 32 * 25), "b2": np.zeros(32, np.float32),
        "w3": glorot((32 * 7 * 7, CLASSES), 32 * 7 * 7, CLASSES), "b3": np.zeros(CLASSES, np.float32),
    }


def batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    return rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32), rng.integers(0, CLASSES, BATCH)


# ----------------------------------------------------------------- chainrule


def _chainrule(seed: int):
    import chainrule as cr
    from chainrule.layers import Conv2D, MaxPool2D

    net = cr.NeuralNetwork(
        [Conv2D(16, 5, padding=2, activation="tanh", in_channels=1), MaxPool2D(2),
         Conv2D(32, 5, padding=2, activation="tanh", in_channels=16), MaxPool2D(2), cr.Flatten(),
         cr.Dense(CLASSES, input_size=32 * 7 * 7)],
        cr.SoftmaxCrossEntropy(),
    )
    weights = initial_weights(seed)
    for layer, (w, b) in zip([net.layers[0], net.layers[2], net.layers[5]], [("w1", "b1"), ("w2", "b2"), ("w3", "b3")]):
        layer.weight.data[...] = weights[w]
        layer.bias.data[...] = weights[b]
    return net, cr.SGDMomentum(net.parameters(), lr=LR, momentum=MOMENTUM)


def chainrule_step(seed: int) -> Callable[[], float]:
    net, optimizer = _chainrule(seed)
    X, y = batch(seed)
    return _steps.training_step(lambda: net.loss(net(X), y), optimizer)


# --------------------------------------------------------------- hand NumPy


def _windows(padded: np.ndarray, shape: tuple[int, ...], axes: str) -> np.ndarray:
    """Strided view of every 5×5 window of a padded channels-last (N, H, W, C) array.

    axes "rows": (N, Ho, Wo, 5, 5, C) — one window per row of the im2col matrix;
    axes "cols": (5, 5, N, Ho, Wo) for C = 1 — one window per column.
    """
    sn, sh, sw, sc = padded.strides
    if axes == "rows":
        return as_strided(padded, shape, (sn, sh, sw, sh, sw, sc))
    return as_strided(padded, shape, (sh, sw, sn, sh, sw))


def _first_max_masks(views: list[np.ndarray], pooled: np.ndarray) -> list[np.ndarray]:
    """For 2×2 max-pooling: masks[o] marks the windows whose first maximum sits at offset o (PyTorch's rule)."""
    masks, taken = [], None
    for view in views:
        hit = np.equal(view, pooled)
        if taken is None:
            taken = hit.copy()
        else:
            np.greater(hit, taken, out=hit)
            taken |= hit
        masks.append(hit)
    return masks


class NumpyCNN:
    """The benchmark network with forward and backward written out in NumPy, every buffer allocated once."""

    def __init__(self, seed: int) -> None:
        w = initial_weights(seed)
        n, f = BATCH, np.float32
        # parameters in the layouts the GEMMs want (converted back by `canonical`)
        self.w1 = w["w1"].reshape(16, 25).copy()  # (O, kh·kw) for C = 1
        self.w2 = w["w2"].transpose(2, 3, 1, 0).reshape(400, 32).copy()  # (kh·kw·C, O)
        self.w3 = w["w3"].reshape(32, 7, 7, CLASSES).transpose(1, 2, 0, 3).reshape(1568, CLASSES).copy()  # NHWC rows
        self.b1, self.b2, self.b3 = w["b1"].copy(), w["b2"].copy(), w["b3"].copy()
        self.params = [self.w1, self.b1, self.w2, self.b2, self.w3, self.b3]
        self.velocity = [np.zeros_like(p) for p in self.params]
        self.grads = [np.empty_like(p) for p in self.params]
        # activations and work arrays
        self.xp1 = np.zeros((n, 32, 32, 1), f)
        self.cols1 = np.empty((25, n * 784), f)
        self.a1 = np.empty((16, n * 784), f)  # tanh(conv1), (C, N, H, W) order
        self.p1 = np.empty((16, n, 14, 14), f)
        self.xp2 = np.zeros((n, 18, 18, 16), f)  # pool1's output, padded, channels-last
        self.cols2 = np.empty((n * 196, 400), f)
        self.a2 = np.empty((n * 196, 32), f)  # tanh(conv2), channels-last
        self.p2 = np.empty((n, 7, 7, 32), f)
        self.logits = np.empty((n, CLASSES), f)
        self.da2 = np.empty((n, 14, 14, 32), f)
        self.dz2 = np.empty((n * 196, 32), f)
        self.per_offset = np.empty((25, n * 196, 16), f)
        self.dxp2 = np.empty((n, 18, 18, 16), f)
        self.dp1 = np.empty((16, n, 14, 14), f)
        self.da1 = np.empty((16, n, 28, 28), f)
        self.dz1 = np.empty((16, n * 784), f)
        self.w2_offsets = np.empty((25, 32, 16), f)

    def gradients(self, X: np.ndarray, y: np.ndarray) -> float:
        n = len(X)
        # conv1 (1 → 16): columns layout, Yᵀ = W·Xᵀ
        self.xp1[:, 2:30, 2:30, 0] = X[:, 0]
        np.copyto(self.cols1.reshape(5, 5, n, 28, 28), _windows(self.xp1, (5, 5, n, 28, 28), "cols"))
        np.matmul(self.w1, self.cols1, out=self.a1)
        self.a1 += self.b1[:, None]
        np.tanh(self.a1, out=self.a1)
        a1 = self.a1.reshape(16, n, 28, 28)
        views1 = [a1[:, :, a::2, e::2] for a in (0, 1) for e in (0, 1)]
        np.maximum(views1[0], views1[1], out=self.p1)
        np.maximum(self.p1, views1[2], out=self.p1)
        np.maximum(self.p1, views1[3], out=self.p1)
        # conv2 (16 → 32): rows layout, Y = X·W
        self.xp2[:, 2:16, 2:16, :] = self.p1.transpose(1, 2, 3, 0)
        np.copyto(self.cols2.reshape(n, 14, 14, 5, 5, 16), _windows(self.xp2, (n, 14, 14, 5, 5, 16), "rows"))
        np.matmul(self.cols2, self.w2, out=self.a2)
        self.a2 += self.b2
        np.tanh(self.a2, out=self.a2)
        a2 = self.a2.reshape(n, 14, 14, 32)
        views2 = [a2[:, a::2, e::2, :] for a in (0, 1) for e in (0, 1)]
        np.maximum(views2[0], views2[1], out=self.p2)
        np.maximum(self.p2, views2[2], out=self.p2)
        np.maximum(self.p2, views2[3], out=self.p2)
        # dense and softmax cross-entropy
        features = self.p2.reshape(n, 1568)
        z = np.matmul(features, self.w3, out=self.logits)
        z += self.b3
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = float(-np.log(z[rows, y]).mean())
        z[rows, y] -= 1
        z *= np.float32(1.0 / n)  # ∂L/∂logits
        gw1, gb1, gw2, gb2, gw3, gb3 = self.grads
        np.matmul(features.T, z, out=gw3)
        z.sum(axis=0, out=gb3)
        dp2 = (z @ self.w3.T).reshape(n, 7, 7, 32)
        # pool2 and tanh backward
        dviews2 = [self.da2[:, a::2, e::2, :] for a in (0, 1) for e in (0, 1)]
        for out, mask in zip(dviews2, _first_max_masks(views2, self.p2)):
            np.multiply(dp2, mask, out=out)
        np.multiply(self.a2, self.a2, out=self.dz2)
        np.subtract(1, self.dz2, out=self.dz2)
        self.dz2 *= self.da2.reshape(-1, 32)
        np.matmul(self.cols2.T, self.dz2, out=gw2)
        self.dz2.sum(axis=0, out=gb2)
        # conv2's input gradient: per kernel offset, G·W[offset] added into the padded map
        self.w2_offsets[...] = self.w2.reshape(25, 16, 32).transpose(0, 2, 1)
        np.matmul(self.dz2, self.w2_offsets, out=self.per_offset)
        self.dxp2.fill(0)
        for o in range(25):
            a, e = divmod(o, 5)
            self.dxp2[:, a : a + 14, e : e + 14, :] += self.per_offset[o].reshape(n, 14, 14, 16)
        self.dp1[...] = self.dxp2[:, 2:16, 2:16, :].transpose(3, 0, 1, 2)
        # pool1 and tanh backward, conv1's weight gradient
        dviews1 = [self.da1[:, :, a::2, e::2] for a in (0, 1) for e in (0, 1)]
        for out, mask in zip(dviews1, _first_max_masks(views1, self.p1)):
            np.multiply(self.dp1, mask, out=out)
        np.multiply(self.a1, self.a1, out=self.dz1)
        np.subtract(1, self.dz1, out=self.dz1)
        self.dz1 *= self.da1.reshape(16, -1)
        np.matmul(self.dz1, self.cols1.T, out=gw1)
        self.dz1.sum(axis=1, out=gb1)
        return loss

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        loss = self.gradients(X, y)
        lr, mu = np.float32(LR), np.float32(MOMENTUM)
        for p, v, g in zip(self.params, self.velocity, self.grads):
            v *= mu
            v += g
            np.multiply(v, lr, out=g)  # the gradient array is scratch now: g ← lr·v
            p -= g
        return loss

    def canonical(self, arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
        """Parameters (or their gradients) in chainrule's and PyTorch's shapes."""
        w1, b1, w2, b2, w3, b3 = arrays
        return {
            "w1": w1.reshape(16, 1, 5, 5), "b1": b1,
            "w2": w2.reshape(5, 5, 16, 32).transpose(3, 2, 0, 1), "b2": b2,
            "w3": w3.reshape(7, 7, 32, CLASSES).transpose(2, 0, 1, 3).reshape(1568, CLASSES), "b3": b3,
        }


def numpy_step(seed: int) -> Callable[[], float]:
    model = NumpyCNN(seed)
    X, y = batch(seed)
    return lambda: model.step(X, y)


# ------------------------------------------------------------------ PyTorch


def torch_step(seed: int) -> Callable[[], float]:
    import torch

    w = initial_weights(seed)
    conv1, conv2 = torch.nn.Conv2d(1, 16, 5, padding=2), torch.nn.Conv2d(16, 32, 5, padding=2)
    dense = torch.nn.Linear(1568, CLASSES)
    with torch.no_grad():
        for module, weight, bias in ((conv1, w["w1"], w["b1"]), (conv2, w["w2"], w["b2"]), (dense, w["w3"].T, w["b3"])):
            module.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
            module.bias.copy_(torch.from_numpy(bias))
    model = torch.nn.Sequential(conv1, torch.nn.Tanh(), torch.nn.MaxPool2d(2), conv2, torch.nn.Tanh(),
                                torch.nn.MaxPool2d(2), torch.nn.Flatten(), dense)
    return _steps.torch_classifier_step(model, *batch(seed), LR, MOMENTUM)


# ------------------------------------------------------------------ interface


def make(framework: str, seed: int = 0) -> Callable[[], float]:
    return _steps.pick(framework, {"chainrule": chainrule_step, "numpy": numpy_step, "torch": torch_step}, seed)


def check(seed: int = 0) -> None:
    """chainrule's loss and parameter gradients equal the hand-written NumPy's at the initial weights."""
    net, _ = _chainrule(seed)
    X, y = batch(seed)
    loss = net.loss(net(X), y)
    loss.backward()
    model = NumpyCNN(seed)
    reference_loss = model.gradients(X, y)
    np.testing.assert_allclose(loss.item(), reference_loss, rtol=1e-5)
    reference = model.canonical(model.grads)
    for layer, (w, b) in zip([net.layers[0], net.layers[2], net.layers[5]], [("w1", "b1"), ("w2", "b2"), ("w3", "b3")]):
        scale = np.abs(reference[w]).max()
        np.testing.assert_allclose(layer.weight.grad.data, reference[w], rtol=1e-4, atol=1e-5 * scale)
        np.testing.assert_allclose(layer.bias.grad.data, reference[b], rtol=1e-4, atol=1e-5 * np.abs(reference[b]).max())
