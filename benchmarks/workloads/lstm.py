"""LSTM workload: a character model step — one-hot input (vocab 65), LSTM 256, Dense 65 at every step.

Batch 32 sequences of 64 steps; softmax cross-entropy (mean over all 32·64
predictions); SGD with momentum. Three implementations of one training step
(forward, backward through time, update) from the same initial weights on the
same synthetic batch, all float32:

* chainrule: the `LSTM` layer (the fused sequence op) + `TimeDistributed(Dense)`;
* numpy: the same model written out by hand — input projection hoisted into one
  GEMM, one GEMM per step for all four gates, backward through time with one
  GEMM per step and one GEMM per weight gradient after the loop;
* torch: ``nn.LSTM(batch_first=True)`` + ``nn.Linear`` and ``F.cross_entropy``.

The one-hot input is multiplied like any input (no row gather) in all three,
so they run the same model.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from workloads import _steps

NAME = "lstm"
DESCRIPTION = "char model, vocab 65 one-hot, batch 32, 64 steps, hidden 256, dense 65 per step; softmax CE over all steps; SGD momentum"
VOCAB, BATCH, STEPS, HIDDEN = 65, 32, 64, 256
LR, MOMENTUM = 0.1, 0.9


def initial_weights(seed: int) -> dict[str, np.ndarray]:
    """LSTM weights in chainrule's layout (W_ih (V, 4H), W_hh (H, 4H), gates i, f, g, o) from PyTorch's
    U(−1/√H, 1/√H), and a Glorot-normal output layer W (H, V), b (V,); float32."""
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(HIDDEN)
    uniform = lambda *shape: rng.uniform(-bound, bound, shape).astype(np.float32)  # noqa: E731
    return {
        "w_ih": uniform(VOCAB, 4 * HIDDEN), "w_hh": uniform(HIDDEN, 4 * HIDDEN),
        "b_ih": uniform(4 * HIDDEN), "b_hh": uniform(4 * HIDDEN),
        "w": (rng.standard_normal((HIDDEN, VOCAB)) * np.sqrt(2 / (HIDDEN + VOCAB))).astype(np.float32),
        "b": np.zeros(VOCAB, np.float32),
    }


def batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One-hot inputs (B, T, V) float32 and the next characters (B, T) as targets."""
    tokens = np.random.default_rng(seed + 1).integers(0, VOCAB, (BATCH, STEPS + 1))
    return np.eye(VOCAB, dtype=np.float32)[tokens[:, :-1]], tokens[:, 1:]


# ----------------------------------------------------------------- chainrule


def _chainrule(seed: int):
    import chainrule as cr
    from chainrule.layers import LSTM, TimeDistributed

    weights = initial_weights(seed)
    lstm, dense = LSTM(HIDDEN, input_size=VOCAB), cr.Dense(VOCAB, input_size=HIDDEN)
    for name, key in (("weight_ih_l0", "w_ih"), ("weight_hh_l0", "w_hh"), ("bias_ih_l0", "b_ih"), ("bias_hh_l0", "b_hh")):
        getattr(lstm, name).data[...] = weights[key]
    dense.weight.data[...], dense.bias.data[...] = weights["w"], weights["b"]
    head = TimeDistributed(dense)
    X, y = batch(seed)
    X = cr.Tensor(X)

    def loss():
        outputs, _ = lstm(X)
        return cr.ops.softmax_cross_entropy(head(outputs), y)

    return lstm, dense, loss


def chainrule_step(seed: int) -> Callable[[], float]:
    import chainrule as cr

    lstm, dense, loss_fn = _chainrule(seed)
    optimizer = cr.SGDMomentum(lstm.parameters() + dense.parameters(), lr=LR, momentum=MOMENTUM)
    return _steps.training_step(loss_fn, optimizer)


# --------------------------------------------------------------- hand NumPy


def _sigmoid(z: np.ndarray) -> None:
    z *= 0.5
    np.tanh(z, out=z)
    z += 1
    z *= 0.5


class NumpyLSTM:
    """The model with its forward pass and backpropagation through time written out by hand."""

    def __init__(self, seed: int) -> None:
        self.params = initial_weights(seed)
        self.velocity = {k: np.zeros_like(v) for k, v in self.params.items()}

    def gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        p, H = self.params, HIDDEN
        B, T, V = X.shape
        xs = np.ascontiguousarray(X.transpose(1, 0, 2)).reshape(T * B, V)  # time-major rows
        gates = (xs @ p["w_ih"]).reshape(T, B, 4 * H)
        gates += p["b_ih"] + p["b_hh"]
        hs, cs = np.zeros((T + 1, B, H), np.float32), np.zeros((T + 1, B, H), np.float32)
        tc, rec, tmp = np.empty((T, B, H), np.float32), np.empty((B, 4 * H), np.float32), np.empty((B, H), np.float32)
        for t in range(T):  # forward: one GEMM per step for all gates
            a = gates[t]
            np.matmul(hs[t], p["w_hh"], out=rec)
            a += rec
            _sigmoid(a[:, : 2 * H])
            np.tanh(a[:, 2 * H: 3 * H], out=a[:, 2 * H: 3 * H])
            _sigmoid(a[:, 3 * H:])
            np.multiply(a[:, H: 2 * H], cs[t], out=cs[t + 1])
            np.multiply(a[:, :H], a[:, 2 * H: 3 * H], out=tmp)
            cs[t + 1] += tmp
            np.tanh(cs[t + 1], out=tc[t])
            np.multiply(a[:, 3 * H:], tc[t], out=hs[t + 1])
        top = hs[1:].reshape(T * B, H)  # time-major rows: row t·B + b
        z = top @ p["w"]
        z += p["b"]
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        rows, labels = np.arange(T * B), y.T.reshape(-1)
        loss = float(-np.log(z[rows, labels]).mean())
        z[rows, labels] -= 1
        z *= np.float32(1.0 / (T * B))  # ∂L/∂logits
        grads = {"w": top.T @ z, "b": z.sum(axis=0)}
        dh_all = (z @ p["w"].T).reshape(T, B, H)
        i, f, g, o = (gates[..., k * H: (k + 1) * H] for k in range(4))
        d = 1 - gates  # gate gradients = (∂L/∂c or ∂L/∂h) × factors of forward values
        d[..., : 2 * H] *= gates[..., : 2 * H]
        d[..., 3 * H:] *= o
        d[..., :H] *= g
        d[..., H: 2 * H] *= cs[:-1]
        d[..., 3 * H:] *= tc
        np.multiply(g, g, out=d[..., 2 * H: 3 * H])
        np.subtract(1, d[..., 2 * H: 3 * H], out=d[..., 2 * H: 3 * H])
        d[..., 2 * H: 3 * H] *= i
        q = 1 - tc * tc
        q *= o
        blocks, w_hh_t = d.reshape(T, B, 4, H), p["w_hh"].T
        dh, dc = np.zeros((B, H), np.float32), np.zeros((B, H), np.float32)
        for t in range(T - 1, -1, -1):  # backward through time: one GEMM per step
            dh += dh_all[t]
            np.multiply(dh, q[t], out=tmp)
            dc += tmp
            blocks[t, :, :3] *= dc[:, None, :]
            blocks[t, :, 3] *= dh
            np.matmul(d[t], w_hh_t, out=dh)
            dc *= f[t]
        d = d.reshape(T * B, 4 * H)
        grads["w_ih"], grads["w_hh"] = xs.T @ d, hs[:-1].reshape(T * B, H).T @ d
        grads["b_ih"] = d.sum(axis=0)
        grads["b_hh"] = grads["b_ih"].copy()
        return loss, grads

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        loss, grads = self.gradients(X, y)
        lr, mu = np.float32(LR), np.float32(MOMENTUM)
        for key, w in self.params.items():
            v, g = self.velocity[key], grads[key]
            v *= mu
            v += g
            np.multiply(v, lr, out=g)
            w -= g
        return loss


def numpy_step(seed: int) -> Callable[[], float]:
    model = NumpyLSTM(seed)
    X, y = batch(seed)
    return lambda: model.step(X, y)


# ------------------------------------------------------------------ PyTorch


def torch_step(seed: int) -> Callable[[], float]:
    import torch

    weights = initial_weights(seed)
    lstm, linear = torch.nn.LSTM(VOCAB, HIDDEN, batch_first=True), torch.nn.Linear(HIDDEN, VOCAB)
    with torch.no_grad():
        for name, key in (("weight_ih_l0", "w_ih"), ("weight_hh_l0", "w_hh")):
            getattr(lstm, name).copy_(torch.from_numpy(weights[key].T.copy()))
        lstm.bias_ih_l0.copy_(torch.from_numpy(weights["b_ih"]))
        lstm.bias_hh_l0.copy_(torch.from_numpy(weights["b_hh"]))
        linear.weight.copy_(torch.from_numpy(weights["w"].T.copy()))
        linear.bias.copy_(torch.from_numpy(weights["b"]))
    X, y = batch(seed)
    X, y = torch.from_numpy(X), torch.from_numpy(y.reshape(-1))

    def loss_of():
        outputs, _ = lstm(X)
        return torch.nn.functional.cross_entropy(linear(outputs).reshape(-1, VOCAB), y)

    optimizer = torch.optim.SGD([*lstm.parameters(), *linear.parameters()], lr=LR, momentum=MOMENTUM)
    return _steps.training_step(loss_of, optimizer)


# ------------------------------------------------------------------ interface


def make(framework: str, seed: int = 0) -> Callable[[], float]:
    return _steps.pick(framework, {"chainrule": chainrule_step, "numpy": numpy_step, "torch": torch_step}, seed)


def check(seed: int = 0) -> None:
    """chainrule's loss and gradients equal the hand-written NumPy's at the initial weights (float32)."""
    lstm, dense, loss_fn = _chainrule(seed)
    loss = loss_fn()
    loss.backward()
    reference_loss, reference = NumpyLSTM(seed).gradients(*batch(seed))
    np.testing.assert_allclose(loss.item(), reference_loss, rtol=1e-5)
    ours = {"w_ih": lstm.weight_ih_l0, "w_hh": lstm.weight_hh_l0, "b_ih": lstm.bias_ih_l0, "b_hh": lstm.bias_hh_l0,
            "w": dense.weight, "b": dense.bias}
    for key, param in ours.items():
        scale = np.abs(reference[key]).max()
        np.testing.assert_allclose(param.grad.data, reference[key], rtol=1e-3, atol=1e-4 * scale, err_msg=key)
