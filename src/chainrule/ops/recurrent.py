"""Fused recurrent operations: a whole sequence through a vanilla RNN, a GRU or an LSTM as ONE operation.

Shapes (batch first): x (N, T, F) holds N sequences of T steps of F features;
the initial state h0 (and c0) is (N, H); the outputs are every hidden state
(N, T, H) and the final state (N, H).

Parameter layout, with G gates (RNN 1, GRU 3, LSTM 4) packed side by side in
PyTorch's order (GRU: r, z, n; LSTM: i, f, g, o):

    weight_ih (F, G·H)   weight_hh (H, G·H)   bias_ih (G·H,)   bias_hh (G·H,)

so ``x_t @ weight_ih`` and ``h @ weight_hh`` give every gate at once. The weights
are PyTorch's ``weight_ih_l0`` / ``weight_hh_l0`` transposed (the (in, out)
layout of `Dense`); the biases are PyTorch's as they are. `to_torch_layout`
and `from_torch_layout` convert exactly, both ways.

How it runs (the same arithmetic a hand-written NumPy RNN does):

* forward: the input projection of every step is one GEMM, (T·N, F)·(F, G·H),
  before the loop; each step is one GEMM ``h_{t−1} @ weight_hh`` for all gates
  plus the gate arithmetic in place.
* backward through time: every gate gradient is (the gradient reaching h_t or
  c_t) × (a factor made of forward values only). The factors are computed for
  all steps at once before the loop, so a step is the recurrent GEMM plus a
  few products. With A the (T·N, G·H) gate gradients, the weights' gradients
  are one GEMM each after the loop:
      ∂L/∂weight_ih = Xᵀ·A     ∂L/∂weight_hh = H_prevᵀ·A     ∂L/∂bias = Σ_rows A
      ∂L/∂x = A·weight_ihᵀ     (skipped when x needs no gradient, e.g. one-hot input)
* saved for backward: x (time-major), the gate activations, the hidden (and
  cell) states. Time is the leading axis inside, so a step's slice is contiguous.

σ′ = σ(1 − σ) and tanh′ = 1 − tanh² are written from the outputs of σ and tanh.
Speed notes (measured, float32, N = 32, H = 256): the LSTM's sigmoid gates are
1/(1 + e^−z) with the −1 folded into scaled copies of the weights, and g is a
tanh of its own. (Computing all four gates with one tanh, σ(z) = ½·tanh(z/2) + ½,
was about 5 % faster but, like the fused sigmoid the catalogue caught, loses all
relative precision for z ≪ 0, so it is not used.) Its backward works through a few steps at
a time so that their arrays stay in cache; W_hhᵀ is made contiguous once, which
speeds up the per-step GEMM of the backward pass by about 20 %; and the large
work arrays (the gate block, the states, the backward's factors) come from the
scratch pool, so that steps after the first reuse memory instead of faulting in
fresh pages (about 13 ms of an LSTM step of 50 ms in a fresh process).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops import compiled, scratch
from chainrule.ops.linear import ACTIVATIONS
from chainrule.tensor import Tensor

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
_sigmoid_ = ACTIVATIONS["sigmoid"][0]  # σ(z) in place


def _input_projection(xs: np.ndarray, w_ih: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(T, N, F) inputs → (T, N, G·H) projections x_t·W_ih + bias for every step, in one GEMM."""
    T, N, F = xs.shape
    a = scratch.take((T, N, w_ih.shape[1]), np.result_type(xs, w_ih))  # kept across steps: no fresh pages
    np.matmul(xs.reshape(T * N, F), w_ih, out=a.reshape(T * N, -1))
    a += bias
    return a


def _gradients(needs: tuple[bool, ...], xs: np.ndarray, h_prev: np.ndarray, a_x: np.ndarray,
               a_h: np.ndarray, w_ih: np.ndarray) -> tuple:
    """∂L/∂x, ∂L/∂W_ih, ∂L/∂W_hh, ∂L/∂b_ih, ∂L/∂b_hh from the gate gradients (T, N, G·H).

    `a_x` is the gradient of the input-side pre-activations x_t·W_ih + b_ih, `a_h`
    of the hidden-side ones h_{t−1}·W_hh + b_hh (the same array except in the GRU).
    `needs` says which of (x, W_ih, W_hh, b_ih, b_hh) want a gradient.
    """
    T, N, F = xs.shape
    ax, ah = a_x.reshape(T * N, -1), a_h.reshape(T * N, -1)
    gx = (ax @ w_ih.T).reshape(T, N, F).transpose(1, 0, 2) if needs[0] else None
    gw_ih = xs.reshape(T * N, F).T @ ax if needs[1] else None
    gw_hh = h_prev.reshape(T * N, -1).T @ ah if needs[2] else None
    gb_ih = ax.sum(axis=0) if needs[3] else None
    gb_hh = (ah.sum(axis=0) if ah is not ax or gb_ih is None else gb_ih.copy()) if needs[4] else None
    return gx, gw_ih, gw_hh, gb_ih, gb_hh


def _time_major(x: np.ndarray) -> np.ndarray:
    """x (N, T, F) copied time-major (T, N, F) into a kept work array (so a step's slice is contiguous)."""
    xs = scratch.take((x.shape[1], x.shape[0], x.shape[2]), x.dtype)
    np.copyto(xs, x.transpose(1, 0, 2))
    return xs


def _states(T: int, h0: np.ndarray) -> np.ndarray:
    hs = scratch.take((T + 1, *h0.shape), h0.dtype)
    hs[0] = h0
    return hs


class RNN(Operation):
    """Elman RNN over a sequence:  h_t = tanh(x_t·W_ih + b_ih + h_{t−1}·W_hh + b_hh).

    Backward, with δh_t = ∂L/∂h_t (from the output y_t plus from step t + 1):
        a_t = δh_t ∘ (1 − h_t²)            (gradient of the pre-activation)
        ∂L/∂h_{t−1} = a_t·W_hhᵀ            then the one-GEMM weight gradients.
    Inputs x (N, T, F), h0 (N, H), W_ih (F, H), W_hh (H, H), b_ih, b_hh (H,);
    outputs y (N, T, H) = h_1..h_T and h_T (N, H).
    """

    multiple_outputs = True
    second_order = False

    def forward(self, x, h0, w_ih, w_hh, b_ih, b_hh):
        xs = _time_major(x)
        a = _input_projection(xs, w_ih, b_ih + b_hh)
        T = len(a)
        hs, rec = _states(T, h0), scratch.empty_like(h0)
        for t in range(T):
            np.matmul(hs[t], w_hh, out=rec)
            rec += a[t]
            np.tanh(rec, out=hs[t + 1])
        self.xs, self.hs = xs, hs
        return hs[1:].transpose(1, 0, 2), hs[T].copy()

    def backward(self, grads, x, h0, w_ih, w_hh, b_ih, b_hh, ys):
        gy, gh = grads
        hs = self.hs
        a = hs[1:] * hs[1:]
        np.subtract(1, a, out=a)  # tanh′ for every step, times δh_t in the loop
        gy, w_hh_t, dh = gy.transpose(1, 0, 2), np.ascontiguousarray(w_hh.T), np.array(gh)
        for t in range(len(a) - 1, -1, -1):
            dh += gy[t]
            a[t] *= dh
            np.matmul(a[t], w_hh_t, out=dh)
        n = self.needs_grad
        gx, gw_ih, gw_hh, gb_ih, gb_hh = _gradients((n[0], *n[2:]), self.xs, hs[:-1], a, a, w_ih)
        return gx, dh if n[1] else None, gw_ih, gw_hh, gb_ih, gb_hh


class GRU(Operation):
    """GRU over a sequence, PyTorch's convention (gates r, z, n):

        r = σ(x·W_ir + b_ir + h·W_hr + b_hr)          z = σ(x·W_iz + b_iz + h·W_hz + b_hz)
        n = tanh(x·W_in + b_in + r ∘ (h·W_hn + b_hn))  h′ = (1 − z) ∘ n + z ∘ h

    Backward, with δ = ∂L/∂h′ and m = h·W_hn + b_hn (kept from the forward pass):
        ∂L/∂a_n = δ ∘ (1 − z) ∘ (1 − n²)                (a_n: the pre-activation of n)
        ∂L/∂a_r = ∂L/∂a_n ∘ m ∘ r(1 − r)      ∂L/∂m = ∂L/∂a_n ∘ r
        ∂L/∂a_z = δ ∘ (h − n) ∘ z(1 − z)
        ∂L/∂h = δ ∘ z + [∂a_r, ∂a_z, ∂m]·W_hhᵀ
    The input side gets [∂a_r, ∂a_z, ∂a_n], the hidden side [∂a_r, ∂a_z, ∂m]: they
    differ in the n block because r multiplies only the hidden part there. (The
    book's companion GRU gave its gates no gradient; this one is gradchecked.)
    Inputs x (N, T, F), h0 (N, H), W_ih (F, 3H), W_hh (H, 3H), b_ih, b_hh (3H,).
    """

    multiple_outputs = True
    second_order = False

    def forward(self, x, h0, w_ih, w_hh, b_ih, b_hh):
        H = h0.shape[1]
        xs = _time_major(x)
        bias = b_ih.copy()
        bias[: 2 * H] += b_hh[: 2 * H]  # r and z: both biases simply add
        gates = _input_projection(xs, w_ih, bias)  # becomes r, z, n step by step
        T = len(gates)
        hs, m = _states(T, h0), scratch.take((T, *h0.shape), h0.dtype)
        rec, tmp, b_hn = scratch.empty_like(gates[0]), scratch.empty_like(h0), b_hh[2 * H:]
        for t in range(T):
            g = gates[t]
            np.matmul(hs[t], w_hh, out=rec)
            rz = g[:, : 2 * H]
            rz += rec[:, : 2 * H]
            _sigmoid_(rz)
            np.add(rec[:, 2 * H:], b_hn, out=m[t])
            n = g[:, 2 * H:]
            np.multiply(g[:, :H], m[t], out=tmp)
            n += tmp
            np.tanh(n, out=n)
            h = hs[t + 1]
            np.subtract(hs[t], n, out=h)  # h′ = n + z ∘ (h − n)
            h *= g[:, H: 2 * H]
            h += n
        self.xs, self.hs, self.gates, self.m = xs, hs, gates, m
        return hs[1:].transpose(1, 0, 2), hs[T].copy()

    def backward(self, grads, x, h0, w_ih, w_hh, b_ih, b_hh, ys):
        gy, gh = grads
        hs, gates, m = self.hs, self.gates, self.m
        T, N, H = m.shape
        r, z, n = gates[..., :H], gates[..., H: 2 * H], gates[..., 2 * H:]
        # The factors of δ, for all steps at once: p_n = (1 − z)(1 − n²), then
        # a_h = [p_n·m·r(1 − r), (h − n)·z(1 − z), p_n·r] (hidden side).
        p_n = n * n
        np.subtract(1, p_n, out=p_n)
        p_n *= 1 - z
        a_h = scratch.take(gates.shape, gates.dtype)
        np.subtract(1, r, out=a_h[..., :H])
        a_h[..., :H] *= r
        a_h[..., :H] *= m
        a_h[..., :H] *= p_n
        np.subtract(1, z, out=a_h[..., H: 2 * H])
        a_h[..., H: 2 * H] *= z
        a_h[..., H: 2 * H] *= hs[:-1] - n
        np.multiply(p_n, r, out=a_h[..., 2 * H:])
        gy, w_hh_t, dh = gy.transpose(1, 0, 2), np.ascontiguousarray(w_hh.T), np.array(gh)
        tmp, blocks = scratch.empty_like(dh), a_h.reshape(T, N, 3, H)  # a view: one gate per block
        for t in range(T - 1, -1, -1):
            dh += gy[t]
            blocks[t] *= dh[:, None, :]
            p_n[t] *= dh  # now ∂L/∂a_n
            np.matmul(a_h[t], w_hh_t, out=tmp)
            dh *= z[t]
            dh += tmp
        a_x = np.concatenate([a_h[..., : 2 * H], p_n], axis=-1)
        k = self.needs_grad
        gx, gw_ih, gw_hh, gb_ih, gb_hh = _gradients((k[0], *k[2:]), self.xs, hs[:-1], a_x, a_h, w_ih)
        return gx, dh if k[1] else None, gw_ih, gw_hh, gb_ih, gb_hh


class LSTM(Operation):
    """LSTM over a sequence, PyTorch's gate order (i, f, g, o):

        [i, f, g, o] = [σ, σ, tanh, σ](x_t·W_ih + b_ih + h_{t−1}·W_hh + b_hh)
        c_t = f ∘ c_{t−1} + i ∘ g          h_t = o ∘ tanh(c_t)

    Backward, with δh = ∂L/∂h_t and δc = ∂L/∂c_t from step t + 1, s = tanh(c_t):
        ∂L/∂a_o = δh ∘ s ∘ o(1 − o)
        δc ← δc + δh ∘ o ∘ (1 − s²)                (the total gradient reaching c_t)
        ∂L/∂a_i = δc ∘ g ∘ i(1 − i)     ∂L/∂a_f = δc ∘ c_{t−1} ∘ f(1 − f)
        ∂L/∂a_g = δc ∘ i ∘ (1 − g²)
        ∂L/∂c_{t−1} = δc ∘ f             ∂L/∂h_{t−1} = [∂a_i, ∂a_f, ∂a_g, ∂a_o]·W_hhᵀ
    Inputs x (N, T, F), h0, c0 (N, H), W_ih (F, 4H), W_hh (H, 4H), b_ih, b_hh (4H,);
    outputs y (N, T, H), h_T and c_T (N, H).
    """

    multiple_outputs = True
    second_order = False

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        N, H = h0.shape
        xs = _time_major(x)
        k = np.repeat(np.array([-1, -1, 1, -1], dtype=x.dtype), H)  # the gates hold −z for i, f, o and z for g
        gates = _input_projection(xs, w_ih * k, (b_ih + b_hh) * k)  # becomes i, f, g, o step by step
        w_hh_k, T = w_hh * k, len(gates)
        hs, cs, tanh_c = _states(T, h0), _states(T, c0), scratch.take((T, *h0.shape), h0.dtype)
        rec, tmp = scratch.empty_like(gates[0]), scratch.empty_like(h0)
        step = compiled.kernel("lstm", "lstm_forward_step", "ppppppll", gates, hs, cs, tanh_c)  # the optional extra
        if step is not None:
            at_g, at_c, at_s, at_h = (_row_addresses(array) for array in (gates, cs, tanh_c, hs))
            at_rec = rec.ctypes.data
        with np.errstate(over="ignore"):  # exp(−z) = inf for z ≪ 0 gives σ = 0: the right limit
            for t in range(T):
                a = gates[t]
                np.matmul(hs[t], w_hh_k, out=rec)
                if step is not None:  # the loop body below as one pass (kernels/lstm.c)
                    step(at_g[t], at_rec, at_c[t], at_c[t + 1], at_s[t], at_h[t + 1], N, H)
                    continue
                a += rec
                g = a[:, 2 * H: 3 * H]
                np.tanh(g, out=g)
                for sigmoid_gates in (a[:, :2 * H], a[:, 3 * H:]):  # σ(z) = 1/(1 + e^−z), exact for z ≪ 0
                    np.exp(sigmoid_gates, out=sigmoid_gates)
                    sigmoid_gates += 1
                    np.reciprocal(sigmoid_gates, out=sigmoid_gates)
                c = cs[t + 1]
                np.multiply(a[:, H: 2 * H], cs[t], out=c)
                np.multiply(a[:, :H], g, out=tmp)
                c += tmp
                np.tanh(c, out=tanh_c[t])
                np.multiply(a[:, 3 * H:], tanh_c[t], out=hs[t + 1])
        self.xs, self.hs, self.cs, self.gates, self.tanh_c = xs, hs, cs, gates, tanh_c
        return hs[1:].transpose(1, 0, 2), hs[T].copy(), cs[T].copy()

    def backward(self, grads, x, h0, c0, w_ih, w_hh, b_ih, b_hh, ys):
        gy, gh, gc = grads
        hs, cs, gates, s = self.hs, self.cs, self.gates, self.tanh_c
        T, N, H = s.shape
        a, dh, dc = scratch.take(gates.shape, gates.dtype), np.array(gh), np.array(gc)
        w_hh_t = np.ascontiguousarray(w_hh.T)
        step = compiled.kernel("lstm", "lstm_backward_step", "pppplpppll", gates, cs, s, a, dh, dc)  # the optional extra
        if step is not None:  # the loop below, factors included, as one pass a step (kernels/lstm.c)
            gy = np.ascontiguousarray(gy, dtype=a.dtype)  # batch-first (N, T, H): step t's rows start at t·H
            at_g, at_c, at_s, at_a = (_row_addresses(array) for array in (gates, cs, s, a))
            at_y, at_dh, at_dc = [gy.ctypes.data + t * H * a.itemsize for t in range(T)], dh.ctypes.data, dc.ctypes.data
            for t in range(T - 1, -1, -1):
                step(at_g[t], at_c[t], at_s[t], at_y[t], T * H, at_dh, at_dc, at_a[t], N, H)
                np.matmul(a[t], w_hh_t, out=dh)
        else:
            f, q, tmp = gates[..., H: 2 * H], scratch.take(s.shape, s.dtype), scratch.empty_like(s[0])
            gy, blocks = gy.transpose(1, 0, 2), a.reshape(T, N, 4, H)  # time-major; blocks: a view, one gate each
            for stop in range(T, 0, -_CHUNK):  # a few steps at a time, so their arrays stay in cache
                start = max(stop - _CHUNK, 0)
                _lstm_factors(gates[start:stop], cs[start:stop], s[start:stop], a[start:stop], q[start:stop])
                for t in range(stop - 1, start - 1, -1):
                    dh += gy[t]
                    np.multiply(dh, q[t], out=tmp)
                    dc += tmp
                    blocks[t, :, :3] *= dc[:, None, :]
                    blocks[t, :, 3] *= dh
                    np.matmul(a[t], w_hh_t, out=dh)
                    dc *= f[t]
        k = self.needs_grad
        gx, gw_ih, gw_hh, gb_ih, gb_hh = _gradients((k[0], *k[3:]), self.xs, hs[:-1], a, a, w_ih)
        return gx, dh if k[1] else None, dc if k[2] else None, gw_ih, gw_hh, gb_ih, gb_hh


def _row_addresses(array: np.ndarray) -> list[int]:
    """The address of each array[t] (a C-contiguous array), to hand to a compiled kernel: computed once,
    since asking NumPy for an address costs about 2 µs (1.5 ms of an LSTM step when asked at every step)."""
    start, stride = array.ctypes.data, array.strides[0]
    return [start + t * stride for t in range(len(array))]


_CHUNK = 8  # steps per run of `_lstm_factors`: about 2.5 MB of arrays at N = 32, H = 256


def _lstm_factors(gates: np.ndarray, c_prev: np.ndarray, s: np.ndarray, a: np.ndarray, q: np.ndarray) -> None:
    """The forward-only factors of the LSTM's gate gradients, for a run of steps, into `a` and `q`:

    a = [g·σ′(i), c_{t−1}·σ′(f), i·(1 − g²), s·σ′(o)] (times δc for i, f, g and δh for o in the loop),
    q = o·(1 − s²) (times δh: the part of δc that comes through h_t = o ∘ s).
    """
    H = s.shape[-1]
    i, g, o = gates[..., :H], gates[..., 2 * H: 3 * H], gates[..., 3 * H:]
    np.subtract(1, gates, out=a)
    a[..., : 2 * H] *= gates[..., : 2 * H]
    a[..., 3 * H:] *= o  # σ′ = σ(1 − σ) for i, f, o
    a[..., :H] *= g
    a[..., H: 2 * H] *= c_prev
    a[..., 3 * H:] *= s
    a_g = a[..., 2 * H: 3 * H]
    np.multiply(g, g, out=a_g)
    np.subtract(1, a_g, out=a_g)
    a_g *= i
    np.multiply(s, s, out=q)
    np.subtract(1, q, out=q)
    q *= o


# ------------------------------------------------------------------ functions


def _shape(value: Any) -> tuple[int, ...]:
    return tuple(np.shape(getattr(value, "data", value)))


def _check(cell: str, x: Any, states: list[tuple[str, Any]], w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any) -> None:
    """Check every shape against x (N, T, F) and W_hh (H, G·H), naming what was expected."""
    x_shape, w_hh_shape = _shape(x), _shape(w_hh)
    G = GATES[cell]
    if len(x_shape) != 3 or x_shape[1] == 0:
        hint = "; a single sequence needs a batch axis: x[None]" if len(x_shape) == 2 else ""
        raise ValueError(f"{cell}: expected a batch-first sequence x of shape (N, T, F) with T ≥ 1, got {x_shape}{hint}")
    N, _, F = x_shape
    if len(w_hh_shape) != 2 or w_hh_shape[1] != G * w_hh_shape[0]:
        raise ValueError(f"{cell}: weight_hh must have shape (H, {G}·H) ({G} gates side by side), got {w_hh_shape}")
    H = w_hh_shape[0]
    expected = [("weight_ih", w_ih, (F, G * H)), ("bias_ih", b_ih, (G * H,)), ("bias_hh", b_hh, (G * H,))]
    expected += [(name, value, (N, H)) for name, value in states]
    for name, value, shape in expected:
        if _shape(value) != shape:
            raise ValueError(
                f"{cell}: {name} has shape {_shape(value)}, expected {shape} for input x of shape {x_shape} "
                f"and hidden size H = {H} (weight_hh {w_hh_shape})"
            )


def _zeros_like_state(x: Any, w_hh: Any) -> np.ndarray:
    return np.zeros((_shape(x)[0], _shape(w_hh)[0]))


def rnn(x: Any, h0: Any, weight_ih: Any, weight_hh: Any, bias_ih: Any, bias_hh: Any) -> tuple[Tensor, Tensor]:
    """A tanh RNN over the sequence x (N, T, F) from h0 (N, H) (None: zeros); returns (y (N, T, H), h_T).

    h_t = tanh(x_t·W_ih + b_ih + h_{t−1}·W_hh + b_hh);  backward through time with
    a_t = ∂L/∂h_t ∘ (1 − h_t²),  ∂L/∂h_{t−1} = a_t·W_hhᵀ,  ∂L/∂W_hh = Σ_t h_{t−1}ᵀ·a_t (see `RNN`).
    """
    h0 = _zeros_like_state(x, weight_hh) if h0 is None else h0
    _check("rnn", x, [("h0", h0)], weight_ih, weight_hh, bias_ih, bias_hh)
    return RNN()(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)


def gru(x: Any, h0: Any, weight_ih: Any, weight_hh: Any, bias_ih: Any, bias_hh: Any) -> tuple[Tensor, Tensor]:
    """A GRU (gates r, z, n) over x (N, T, F) from h0 (N, H) (None: zeros); returns (y (N, T, H), h_T).

    h′ = (1 − z) ∘ n + z ∘ h with n = tanh(x·W_in + b_in + r ∘ (h·W_hn + b_hn));  the gate
    gradients, e.g. ∂L/∂a_z = ∂L/∂h′ ∘ (h − n) ∘ z(1 − z), are derived in `GRU`.
    """
    h0 = _zeros_like_state(x, weight_hh) if h0 is None else h0
    _check("gru", x, [("h0", h0)], weight_ih, weight_hh, bias_ih, bias_hh)
    return GRU()(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)


def lstm(x: Any, h0: Any, c0: Any, weight_ih: Any, weight_hh: Any, bias_ih: Any,
         bias_hh: Any) -> tuple[Tensor, Tensor, Tensor]:
    """An LSTM (gates i, f, g, o) over x (N, T, F) from h0, c0 (N, H) (None: zeros).

    Returns (y (N, T, H), h_T, c_T).

    c_t = f ∘ c_{t−1} + i ∘ g,  h_t = o ∘ tanh(c_t);  backward through time with the total
    δc = ∂L/∂c_t + ∂L/∂h_t ∘ o ∘ (1 − tanh² c_t), then ∂L/∂c_{t−1} = δc ∘ f (the gates' rules: `LSTM`).

    >>> import numpy as np
    >>> H, F = 3, 2
    >>> y, h, c = lstm(np.ones((1, 4, F)), None, None, np.zeros((F, 4 * H)), np.zeros((H, 4 * H)),
    ...                np.zeros(4 * H), np.zeros(4 * H))
    >>> y.shape, h.shape, c.shape
    ((1, 4, 3), (1, 3), (1, 3))
    """
    h0 = _zeros_like_state(x, weight_hh) if h0 is None else h0
    c0 = _zeros_like_state(x, weight_hh) if c0 is None else c0
    _check("lstm", x, [("h0", h0), ("c0", c0)], weight_ih, weight_hh, bias_ih, bias_hh)
    return LSTM()(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh)


# ------------------------------------------------------------------ PyTorch layout


def to_torch_layout(weight_ih: Any, weight_hh: Any, bias_ih: Any, bias_hh: Any) -> tuple[np.ndarray, ...]:
    """Our weights as PyTorch's ``weight_ih_l{k}`` (G·H, F), ``weight_hh_l{k}`` (G·H, H), ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (G·H,): the weights transposed, the biases copied; the gate order is already PyTorch's."""
    arrays = [np.asarray(getattr(v, "data", v)) for v in (weight_ih, weight_hh, bias_ih, bias_hh)]
    return np.ascontiguousarray(arrays[0].T), np.ascontiguousarray(arrays[1].T), arrays[2].copy(), arrays[3].copy()


def from_torch_layout(weight_ih_l: Any, weight_hh_l: Any, bias_ih_l: Any, bias_hh_l: Any) -> tuple[np.ndarray, ...]:
    """PyTorch's ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` (NumPy arrays, e.g.
    ``tensor.detach().numpy()``) in our layout (F, G·H), (H, G·H), (G·H,), (G·H,): the inverse of `to_torch_layout`."""
    return to_torch_layout(weight_ih_l, weight_hh_l, bias_ih_l, bias_hh_l)
