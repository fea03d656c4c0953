"""Fused RNN/GRU/LSTM sequence ops: gradcheck, PyTorch parity (our weights loaded into torch.nn), layouts, errors."""

import numpy as np
import pytest
from catalogue.nn import torch_recurrent as _torch
from harness import Case, check_case

import chainrule as cr
from chainrule.ops.recurrent import GATES, from_torch_layout, to_torch_layout

N, T, F, H = 2, 4, 3, 5


def _inputs(cell, n=N, t=T, f=F, h=H, scale=0.6):
    G = GATES[cell]
    states = 2 if cell == "lstm" else 1

    def make(rng):
        arrays = [rng.standard_normal((n, t, f))] + [rng.standard_normal((n, h)) for _ in range(states)]
        return arrays + [scale * rng.standard_normal(s) for s in ((f, G * h), (h, G * h), (G * h,), (G * h,))]

    return make


OPS = {"rnn": cr.ops.rnn, "gru": cr.ops.gru, "lstm": cr.ops.lstm}

CASES = [
    Case(cell, OPS[cell], _torch(cell), _inputs(cell), "N2-T4-F3-H5") for cell in ("rnn", "gru", "lstm")
] + [
    Case(cell, OPS[cell], _torch(cell), _inputs(cell, n=1, t=1, f=2, h=3), "one-step") for cell in ("gru", "lstm")
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def _run(cell, arrays, dtype=np.float64, grad=True):
    tensors = [cr.Tensor(a, requires_grad=grad, dtype=dtype) for a in arrays]
    return tensors, OPS[cell](*tensors)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_carrying_the_state_across_two_halves_equals_one_pass(cell):
    arrays = _inputs(cell, t=6)(np.random.default_rng(0))
    _, (y, *final) = _run(cell, arrays, grad=False)
    states = len(final)
    first, second = [a.copy() for a in arrays], [a.copy() for a in arrays]
    first[0], second[0] = arrays[0][:, :3], arrays[0][:, 3:]
    _, (y1, *mid) = _run(cell, first, grad=False)
    second[1: 1 + states] = [s.data for s in mid]
    _, (y2, *end) = _run(cell, second, grad=False)
    np.testing.assert_allclose(np.concatenate([y1.data, y2.data], axis=1), y.data, rtol=1e-12)
    for got, want in zip(end, final):
        np.testing.assert_allclose(got.data, want.data, rtol=1e-12)
    np.testing.assert_array_equal(final[0].data, y.data[:, -1])


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_gradient_through_the_final_state_alone_reaches_every_step(cell):
    tensors, (y, h, *_) = _run(cell, _inputs(cell)(np.random.default_rng(1)))
    h.sum().backward()
    assert np.all(np.abs(tensors[0].grad.data).sum(axis=2) > 0)  # every step of every sequence
    assert all(t.grad is not None for t in tensors)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_float32_stays_float32_and_input_gradient_is_skipped_when_not_needed(cell):
    arrays = _inputs(cell)(np.random.default_rng(2))
    x = cr.Tensor(arrays[0])
    params = [cr.Tensor(a, requires_grad=True) for a in arrays[1:]]
    outputs = OPS[cell](x, *params)
    assert all(o.dtype == np.float32 for o in outputs)
    sum((o * o).sum() for o in outputs).backward()
    assert x.grad is None and all(p.grad.dtype == np.float32 for p in params)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_layout_helpers_are_exact_inverses_and_match_torch_modules(cell):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    module = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](3, 4, batch_first=True)
    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    theirs = [getattr(module, name).detach().numpy() for name in names]
    ours = from_torch_layout(*theirs)
    assert ours[0].shape == (3, GATES[cell] * 4) and ours[1].shape == (4, GATES[cell] * 4)
    for back, original in zip(to_torch_layout(*ours), theirs):
        np.testing.assert_array_equal(back, original)
    x = np.random.default_rng(3).standard_normal((2, 5, 3)).astype(np.float32)
    states = [None, None] if cell == "lstm" else [None]
    our_y = OPS[cell](cr.Tensor(x), *states, *ours)[0].data
    np.testing.assert_allclose(our_y, module(torch.tensor(x))[0].detach().numpy(), rtol=1e-5, atol=1e-6)


def test_missing_initial_state_means_zeros():
    arrays = _inputs("lstm")(np.random.default_rng(4))
    arrays[1][:], arrays[2][:] = 0, 0
    _, (y_zero, *_) = _run("lstm", arrays, grad=False)
    y_none = cr.ops.lstm(cr.Tensor(arrays[0], dtype=np.float64), None, None,
                         *[cr.Tensor(a, dtype=np.float64) for a in arrays[3:]])[0]
    np.testing.assert_array_equal(y_none.data, y_zero.data)


def test_a_single_sequence_without_batch_axis_is_explained():
    arrays = _inputs("gru")(np.random.default_rng(5))
    with pytest.raises(ValueError, match=r"shape \(N, T, F\).*got \(4, 3\); a single sequence needs a batch axis"):
        cr.ops.gru(arrays[0][0], *arrays[1:])


def test_wrong_state_and_weight_shapes_are_named():
    arrays = _inputs("lstm")(np.random.default_rng(6))
    bad_c0 = list(arrays)
    bad_c0[2] = np.zeros((N, H + 1))
    with pytest.raises(ValueError, match=r"c0 has shape \(2, 6\), expected \(2, 5\)"):
        cr.ops.lstm(*bad_c0)
    bad_w = list(arrays)
    bad_w[3] = np.zeros((F + 1, 4 * H))
    with pytest.raises(ValueError, match=r"weight_ih has shape \(4, 20\), expected \(3, 20\)"):
        cr.ops.lstm(*bad_w)
    with pytest.raises(ValueError, match=r"weight_hh must have shape \(H, 3·H\)"):
        cr.ops.gru(arrays[0], arrays[1], np.zeros((F, 12)), np.zeros((H, 4 * H)), np.zeros(12), np.zeros(12))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_kept_work_arrays_are_never_shared_by_two_live_sequences(cell):
    # Large enough (gate block ≥ 256 KiB) that the states and gates come from the scratch pool:
    # a second sequence run while the first's graph is alive must not overwrite the first's arrays.
    big = dict(n=16, t=32, f=8, h=64)
    first, second = (_inputs(cell, **big)(np.random.default_rng(seed)) for seed in (1, 2))
    leaves_alone, (y_alone, *_) = _run(cell, first)
    (y_alone * y_alone).sum().backward()
    leaves1, (y1, *_) = _run(cell, first)
    leaves2, (y2, *_) = _run(cell, second)  # while the first graph is still alive
    (y1 * y1).sum().backward()
    (y2 * y2).sum().backward()
    np.testing.assert_array_equal(y1.data, y_alone.data)
    for got, want in zip(leaves1, leaves_alone):
        np.testing.assert_array_equal(got.grad.data, want.grad.data)
    assert not np.array_equal(y1.data, y2.data)


def test_lstm_gates_keep_their_relative_precision_when_saturated():
    """σ(−20) ≈ 2.06e-9 must survive in float32: c = σ(z_i)·tanh(z_g) with z_i = −20 and tanh(z_g) = 1.

    A gate computed as ½·tanh(z/2) + ½ gives exactly 0 here (tanh(−10) rounds to −1 in float32),
    the defect the catalogue found in the fused sigmoid of linear, conv2d and the GRU.
    """
    H, F = 2, 1
    bias = np.zeros(4 * H, np.float32)
    bias[0:H], bias[2 * H:3 * H], bias[3 * H:] = -20.0, 20.0, 20.0  # i, g, o (f multiplies c0 = 0)
    zeros = lambda *shape: np.zeros(shape, np.float32)  # noqa: E731
    _, _, c = cr.ops.lstm(zeros(1, 1, F), None, None, zeros(F, 4 * H), zeros(H, 4 * H), bias, zeros(4 * H))
    exact = 1.0 / (1.0 + np.exp(20.0))
    np.testing.assert_allclose(c.numpy(), exact, rtol=1e-5)
