"""The backprop tutorial's first steps, with chainrule: f = wx + b, the chain rule, and a 10 → 5 → 2 network.

1. f = w·x + b at x = 3: ∂f/∂w = x, ∂f/∂b = 1, ∂f/∂x = w.
2. f = (w + z)·y: ∂f/∂w = ∂f/∂z = y, ∂f/∂y = w + z (the sum passes its gradient on unchanged).
3. The tutorial's classes nn (fully connected), sigmoid and MSE (from fc_sigmoid_mse.py), trained
   on one sample, 10 inputs → 5 → 2. Its printed code had four bugs, fixed in those classes: an
   undefined dz (the incoming gradient g), a reshape where the transpose Wᵀ is meant, a sigmoid
   backward that ignored its input (it must use σ of the input seen in forward), and an MSE
   backward with the wrong sign (2(p − t), not 2(t − p)). chainrule's Dense / Sigmoid /
   MeanSquaredError give the same gradients.

Run: python examples/backprop_basics.py [--steps N]
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr
from fc_sigmoid_mse import MSE, FullyConnected, Sigmoid, forward_backward  # the tutorial's classes, with its bugs fixed (see there)


def neuron(x: float = 3.0, w: float = 2.0, b: float = 1.0) -> tuple[float, float, float, float]:
    """f = w·x + b and its gradients (∂f/∂w, ∂f/∂b, ∂f/∂x) by the backward pass."""
    xt, wt, bt = (cr.Tensor(v, dtype=np.float64, requires_grad=True) for v in (x, w, b))
    f = wt * xt + bt
    f.backward()
    return f.item(), wt.grad.item(), bt.grad.item(), xt.grad.item()


def sum_times(w: float = 1.0, z: float = 2.0, y: float = -4.0) -> tuple[float, float, float, float]:
    """f = (w + z)·y and (∂f/∂w, ∂f/∂z, ∂f/∂y)."""
    wt, zt, yt = (cr.Tensor(v, dtype=np.float64, requires_grad=True) for v in (w, z, y))
    f = (wt + zt) * yt
    f.backward()
    return f.item(), wt.grad.item(), zt.grad.item(), yt.grad.item()


def train_one_sample(steps: int, seed: int = 0) -> tuple[list[float], bool]:
    """The 10 → 5 → 2 network on one sample: the losses, and whether chainrule's first gradients agree."""
    rng = np.random.default_rng(seed)
    sample, target = rng.normal(size=(1, 10)), np.array([[0.2, 0.9]])
    layers = [FullyConnected(10, 5, rng), Sigmoid(), FullyConnected(5, 2, rng), Sigmoid()]
    dense_layers = [layer for layer in layers if isinstance(layer, FullyConnected)]
    net = cr.NeuralNetwork([cr.Dense(5, cr.Sigmoid(), input_size=10), cr.Dense(2, cr.Sigmoid(), input_size=5)],
                           cr.MeanSquaredError()).to(np.float64)
    for dense, fc in zip(net.layers, dense_layers):
        dense.weight.data[...], dense.bias.data[...] = fc.W, fc.b
    net.train_batch(sample, target)
    loss_fn, losses, agree = MSE(), [], True
    for step in range(steps):
        losses.append(forward_backward(layers, loss_fn, sample, target)[1])
        if step == 0:
            agree = all(np.allclose(d.weight.grad.numpy(), fc.dW) and np.allclose(d.bias.grad.numpy(), fc.db)
                        for d, fc in zip(net.layers, dense_layers))
        for layer in dense_layers:
            layer.update(1.0)
    return losses, agree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    f, dw, db, dx = neuron()
    print(f"f = wx + b at x = 3, w = 2, b = 1: f = {f:g}, ∂f/∂w = {dw:g}, ∂f/∂b = {db:g}, ∂f/∂x = {dx:g}")
    f, dw, dz, dy = sum_times()
    print(f"f = (w + z)·y at w = 1, z = 2, y = −4: f = {f:g}, ∂f/∂w = {dw:g}, ∂f/∂z = {dz:g}, ∂f/∂y = {dy:g}")
    losses, agree = train_one_sample(args.steps)
    print(f"10 → 5 → 2 on one sample: loss {losses[0]:.4f} → {losses[-1]:.6f} in {args.steps} steps")
    print(f"chainrule's gradients equal the classes': {agree}")


if __name__ == "__main__":
    main()
