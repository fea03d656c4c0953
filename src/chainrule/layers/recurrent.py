"""Recurrent layers `RNN`, `GRU` and `LSTM`: batch-first sequences, state in and state out.

A layer runs the fused sequence operation of `chainrule.ops.recurrent` once per
stacked layer: input x (N, T, F) → outputs (N, T, H) (the top layer's hidden
state at every step) and the final state, as PyTorch's ``batch_first=True``
modules do:

* RNN, GRU: ``outputs, h = layer(x, h0)``, h of shape (num_layers, N, H);
* LSTM: ``outputs, (h, c) = layer(x, (h0, c0))``, each (num_layers, N, H).

A missing state means zeros. To carry the state from one batch to the next
(truncated backpropagation through time), pass the previous final state back
in, detached: ``h.detach()`` (``(h.detach(), c.detach())`` for the LSTM), so
gradients stop at the batch boundary.

Parameters per stacked layer k, named as PyTorch names them (see
`chainrule.ops.recurrent` for the layout; G gates: RNN 1, GRU 3, LSTM 4):
``weight_ih_l{k}`` (F or H, G·H), ``weight_hh_l{k}`` (H, G·H), ``bias_ih_l{k}``,
``bias_hh_l{k}`` (G·H,). Our weights are PyTorch's transposed; the interop helpers
`to_torch_layout` / `from_torch_layout` convert them.

`input_size` may be left out: it is read from the first batch, as in `Dense`.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from chainrule.checks import check_count
from chainrule.layers.base import LazilyBuilt
from chainrule.ops.indexing import getitem
from chainrule.ops.recurrent import GATES, gru, lstm, rnn
from chainrule.ops.shape import reshape, stack
from chainrule.tensor import Parameter, Tensor

INIT_SCHEMES = ("uniform", "glorot")


class Recurrent(LazilyBuilt):
    """The shared machinery of `RNN`, `GRU` and `LSTM` (subclasses set `cell`).

    Args:
        hidden_size: H, the size of the hidden state.
        input_size: F, the features per step; None to read it from the first batch.
        num_layers: recurrent layers stacked, each fed the outputs of the one below.
        weight_init: "uniform" — every weight and bias from U(−1/√H, 1/√H), PyTorch's
            default; "glorot" — each gate's block of a weight from N(0, 2/(fan_in + H)),
            biases zero; or a number σ — every weight and bias from N(0, σ²) (the
            book's ``weight_scale``).
    """

    sized_by = ("weight_ih_l0", 0)

    cell = ""

    def __init__(self, hidden_size: int, input_size: int | None = None, num_layers: int = 1,
                 weight_init: str | float = "uniform") -> None:
        super().__init__()
        name = type(self).__name__
        for arg, value in (("hidden_size", hidden_size), ("num_layers", num_layers)):
            check_count(f"{name}({arg}=...)", arg, value)
        numeric = isinstance(weight_init, Real) and not isinstance(weight_init, bool)
        if not (weight_init in INIT_SCHEMES or (numeric and weight_init > 0)):
            raise ValueError(
                f"{name}: weight_init must be one of {INIT_SCHEMES} or a positive standard deviation, got {weight_init!r}"
            )
        self.hidden_size, self.num_layers = int(hidden_size), int(num_layers)
        self.weight_init = float(weight_init) if numeric else weight_init
        self.input_size: int | None = None
        if input_size is not None:
            self._set_size(input_size)

    # ---------------------------------------------------------------- weights
    def _draw(self, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        H, rng = self.hidden_size, self.rng
        if self.weight_init == "uniform":
            bound = 1.0 / math.sqrt(H)
            return rng.uniform(-bound, bound, shape)
        if self.weight_init == "glorot":
            if len(shape) == 1:
                return np.zeros(shape)
            return rng.standard_normal(shape) * math.sqrt(2.0 / (fan_in + H))
        return rng.standard_normal(shape) * self.weight_init

    def _shapes(self, input_size: int) -> dict[str, tuple[int, ...]]:
        H, G = self.hidden_size, GATES[self.cell]
        shapes = {}
        for k in range(self.num_layers):
            fan_in = input_size if k == 0 else H
            shapes.update({f"weight_ih_l{k}": (fan_in, G * H), f"weight_hh_l{k}": (H, G * H),
                           f"bias_ih_l{k}": (G * H,), f"bias_hh_l{k}": (G * H,)})
        return shapes

    def _initial(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        return self._draw(shape, shape[0]).astype(self.dtype)

    def layer_parameters(self, k: int) -> tuple[Parameter, Parameter, Parameter, Parameter]:
        """(weight_ih, weight_hh, bias_ih, bias_hh) of stacked layer k."""
        return tuple(getattr(self, f"{name}_l{k}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    # ---------------------------------------------------------------- forward
    def forward(self, x: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        self._check_input(x)
        if self.input_size is None:
            self._build(x.shape[2])
        parts = self._split_state(state, x.shape[0])
        finals = []
        for k in range(self.num_layers):
            x, *final = self._run(x, [part[k] for part in parts] if parts else None, self.layer_parameters(k))
            finals.append(final)
        stacked = [self._stack([f[j] for f in finals]) for j in range(len(finals[0]))]
        return x, (tuple(stacked) if self.cell == "lstm" else stacked[0])

    def _run(self, x: Tensor, states: list | None, params: tuple) -> tuple:
        if self.cell == "lstm":
            h0, c0 = states if states else (None, None)
            return lstm(x, h0, c0, *params)
        return (rnn if self.cell == "rnn" else gru)(x, states[0] if states else None, *params)

    def _stack(self, tensors: list[Tensor]) -> Tensor:
        if len(tensors) == 1:
            return reshape(tensors[0], (1, *tensors[0].shape))
        return stack(tensors, axis=0)

    def _split_state(self, state: Any, batch: int) -> list | None:
        """The given state as one list per part (h, and c for the LSTM) of per-layer (N, H) pieces."""
        if state is None:
            return None
        name, L, H = type(self).__name__, self.num_layers, self.hidden_size
        expected = f"(num_layers={L}, N={batch}, H={H})"
        if self.cell == "lstm":
            if not isinstance(state, (tuple, list)) or len(state) != 2:
                raise TypeError(f"LSTM expected the state as a pair (h, c), each of shape {expected}, or None")
            parts = list(state)
        else:
            if isinstance(state, (tuple, list)):
                raise TypeError(f"{name} expected the state h as one tensor of shape {expected}, not a {type(state).__name__}")
            parts = [state]
        pieces = []
        for part in parts:
            if not isinstance(part, Tensor):
                part = Tensor(np.asarray(part), dtype=self.dtype)
            if part.shape != (L, batch, H):
                raise ValueError(
                    f"{name} expected a state of shape {expected}, got {part.shape}; "
                    "pass None for zeros, or the final state of the previous batch (of the same batch size)"
                )
            pieces.append([getitem(part, k) for k in range(L)])
        return pieces

    def _check_input(self, x: Tensor) -> None:
        name = type(self).__name__
        expected = "F" if self.input_size is None else self.input_size
        if x.ndim != 3:
            hint = "; a single sequence needs a batch axis: x[None]" if x.ndim == 2 else ""
            raise ValueError(f"{name} expected a batch-first sequence of shape (N, T, {expected}), got {x.shape}{hint}")
        if self.input_size is not None and x.shape[2] != self.input_size:
            raise ValueError(
                f"{name}(hidden_size={self.hidden_size}) expected input of shape (N, T, {self.input_size}), "
                f"got {x.shape}: it was built for {self.input_size} input features"
            )
        self.check_dtype(x, name)

    def config(self) -> dict[str, Any]:
        return {"hidden_size": self.hidden_size, "input_size": self.input_size, "num_layers": self.num_layers,
                "weight_init": self.weight_init}


class RNN(Recurrent):
    """Elman RNN, h_t = tanh(x_t·W_ih + b_ih + h_{t−1}·W_hh + b_hh); see `Recurrent` for the arguments.

    >>> layer = RNN(8, input_size=3)
    >>> outputs, h = layer(np.ones((2, 5, 3)))
    >>> outputs.shape, h.shape
    ((2, 5, 8), (1, 2, 8))
    """

    cell = "rnn"


class GRU(Recurrent):
    """Gated recurrent unit, PyTorch's gates r, z, n (see `chainrule.ops.recurrent.GRU`); arguments as `Recurrent`.

    r = σ(x·W_ir + b_ir + h·W_hr + b_hr),  z = σ(x·W_iz + b_iz + h·W_hz + b_hz),
    n = tanh(x·W_in + b_in + r ∘ (h·W_hn + b_hn)),  h′ = (1 − z) ∘ n + z ∘ h.

    >>> outputs, h = GRU(8, input_size=3)(np.ones((2, 5, 3)))
    >>> outputs.shape, h.shape
    ((2, 5, 8), (1, 2, 8))
    """

    cell = "gru"


class LSTM(Recurrent):
    """Long short-term memory, PyTorch's gates i, f, g, o; the state is a pair (h, c). Arguments as `Recurrent`.

    >>> layer = LSTM(4, num_layers=2)
    >>> outputs, (h, c) = layer(np.ones((3, 6, 2)))
    >>> outputs.shape, h.shape, c.shape
    ((3, 6, 4), (2, 3, 4), (2, 3, 4))
    """

    cell = "lstm"
