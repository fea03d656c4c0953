"""Differential testing of the engine: random expression graphs, every leaf's gradient against PyTorch.

Hypothesis draws a program: 1-4 leaves of shapes that broadcast to (2, 3) (0-d included),
then 1-30 operations, each reading earlier values (so a tensor is reused as often as the
draw says), through arithmetic, elementwise functions, keepdims reductions and views
(reversed slices, reshape round trips, double transposes, broadcast_to, repeated-index picks,
a matrix product). The same program runs
in chainrule and in PyTorch; the leaves' gradients must agree after one of three passes:
a plain backward, two backwards through a retained graph (gradients accumulate), or a
create_graph pass whose gradient is differentiated again (a Hessian-vector product).
A failure is shrunk to the smallest program and printed as code.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

import chainrule as cr

torch = pytest.importorskip("torch")

LEAF_SHAPES = [(), (1,), (3,), (2, 3), (1, 3), (2, 1)]  # all broadcast to (2, 3)
FULL = (2, 3)

# name: (arity, chainrule, torch). Each keeps values bounded and shapes broadcastable to (2, 3).
MASK = np.array([[True, False, True]])  # broadcasts against every shape here
M3 = np.array([[0.5, -1.0, 0.2], [0.3, 0.8, -0.4], [-0.6, 0.1, 0.9]])  # keeps a last axis of 3
PICK = np.array([2, 0, 0])  # repeated indices: their gradients must add up

OPS = {
    "add": (2, lambda a, b: a + b, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b, lambda a, b: a * b),
    "div": (2, lambda a, b: a / (b * b + 1.0), lambda a, b: a / (b * b + 1.0)),
    "rsub": (1, lambda a: 1.5 - a, lambda a: 1.5 - a),
    "square": (1, lambda a: a**2, lambda a: a**2),
    "cube": (1, lambda a: a**3.0, lambda a: a**3.0),
    "neg": (1, lambda a: -a, lambda a: -a),
    "tanh": (1, cr.tanh, torch.tanh),
    "sigmoid": (1, cr.sigmoid, torch.sigmoid),
    "exp_tanh": (1, lambda a: cr.exp(cr.tanh(a)), lambda a: torch.exp(torch.tanh(a))),
    "log1p_sq": (1, lambda a: cr.log(a * a + 1.0), lambda a: torch.log(a * a + 1.0)),
    "sum_last": (1, lambda a: a.sum(axis=-1, keepdims=True) if a.ndim else a,
                 lambda a: a.sum(dim=-1, keepdim=True) if a.ndim else a),
    "mean_first": (1, lambda a: a.mean(axis=0, keepdims=True) if a.ndim else a,
                   lambda a: a.mean(dim=0, keepdim=True) if a.ndim else a),
    "sum_all": (1, lambda a: a.sum(), lambda a: a.sum()),
    "max_last": (1, lambda a: a.max(axis=-1, keepdims=True) if a.ndim else a,
                 lambda a: a.amax(dim=-1, keepdim=True) if a.ndim else a),
    "reverse": (1, lambda a: a[..., ::-1] if a.ndim else a, lambda a: a.flip(-1) if a.ndim else a),
    "reshape_round_trip": (1, lambda a: a.reshape(-1).reshape(a.shape), lambda a: a.reshape(-1).reshape(a.shape)),
    "double_transpose": (1, lambda a: a.T.T, lambda a: a.permute(tuple(reversed(range(a.ndim)))).permute(
        tuple(reversed(range(a.ndim))))),
    "broadcast": (1, lambda a: cr.broadcast_to(a, FULL), lambda a: a.broadcast_to(FULL)),
    "matmul": (1, lambda a: a @ M3 if a.ndim and a.shape[-1] == 3 else a,
               lambda a: a @ torch.from_numpy(M3) if a.ndim and a.shape[-1] == 3 else a),
    "repeat_pick": (1, lambda a: a[..., PICK] if a.ndim and a.shape[-1] == 3 else a,
                    lambda a: a[..., torch.from_numpy(PICK)] if a.ndim and a.shape[-1] == 3 else a),
    "where": (2, lambda a, b: cr.where(MASK, a, b), lambda a, b: torch.where(torch.from_numpy(MASK), a, b)),
}


@st.composite
def programs(draw):
    leaves = draw(st.lists(st.sampled_from(range(len(LEAF_SHAPES))), min_size=1, max_size=4))
    steps = []
    count = len(leaves)
    for _ in range(draw(st.integers(1, 30))):
        name = draw(st.sampled_from(sorted(OPS)))
        args = [draw(st.integers(0, count - 1)) for _ in range(OPS[name][0])]
        steps.append((name, args))
        count += 1
    outputs = draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=3))
    mode = draw(st.sampled_from(["backward", "retain_graph", "create_graph"]))
    seed = draw(st.integers(0, 2**16))
    return [LEAF_SHAPES[i] for i in leaves], steps, outputs, mode, seed


def _as_code(shapes, steps, outputs, mode):
    lines = [f"v{i} = leaf(shape={s})" for i, s in enumerate(shapes)]
    lines += [f"v{len(shapes) + k} = {name}({', '.join(f'v{a}' for a in args)})" for k, (name, args) in enumerate(steps)]
    lines.append(f"loss = weighted sum of {[f'v{o}' for o in outputs]}; pass: {mode}")
    return "\n".join(lines)


def _run(framework, arrays, steps, outputs, weights):
    """Evaluate the program; returns (leaves, loss)."""
    index = 1 if framework == "cr" else 2
    if framework == "cr":
        leaves = [cr.Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
        constant = lambda w: w  # noqa: E731
    else:
        leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
        constant = torch.from_numpy
    values = list(leaves)
    for name, args in steps:
        values.append(OPS[name][index](*[values[a] for a in args]))
    loss = sum((values[o] * constant(w)).sum() for o, w in zip(outputs, weights))
    return leaves, loss


def _gradients(framework, arrays, steps, outputs, weights, mode, v):
    leaves, loss = _run(framework, arrays, steps, outputs, weights)
    if mode == "create_graph":  # differentiate ⟨∇loss, v⟩ again: a Hessian-vector product
        if framework == "cr":
            grads, v = cr.grad(loss, leaves, create_graph=True, allow_unused=True), v
        else:
            grads = torch.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
            v = [torch.from_numpy(vi) for vi in v]
        s = sum((g * vi).sum() for g, vi in zip(grads, v) if g is not None)
        if getattr(s, "requires_grad", False):
            s.backward()
    else:
        loss.backward(retain_graph=mode == "retain_graph")
        if mode == "retain_graph":
            if framework == "torch":  # torch may hand two leaves one shared gradient tensor and then
                for t in leaves:      # accumulate into it in place (x + y reaching both): unshare them first
                    if t.grad is not None:
                        t.grad = t.grad.clone()
            loss.backward()  # the gradients accumulate
    return [np.zeros(a.shape) if t.grad is None else np.asarray(t.grad.data if framework == "cr" else t.grad.numpy())
            for t, a in zip(leaves, arrays)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
# Found by this test: torch gives the leaves of `add` one shared gradient tensor and then accumulates
# into it in place on the second backward (2.1 where 1.4 is right); _gradients unshares them.
@example(([(1,), (), (1,)], [("reshape_round_trip", [0]), ("reshape_round_trip", [2]), ("add", [3, 4])], [5],
          "retain_graph", 0))
def test_random_graph_gradients_match_pytorch(program):
    shapes, steps, outputs, mode, seed = program
    note(_as_code(shapes, steps, outputs, mode))
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1.5, 1.5, s) for s in shapes]
    shapes_of = list(shapes)  # the shape of every value, to draw the loss weights
    for name, args in steps:
        shapes_of.append(OPS[name][1](*[cr.Tensor(np.zeros(shapes_of[a])) for a in args]).shape)
    weights = [rng.standard_normal(shapes_of[o]) for o in outputs]
    v = [rng.standard_normal(s) for s in shapes]
    ours = _gradients("cr", arrays, steps, outputs, weights, mode, v)
    theirs = _gradients("torch", arrays, steps, outputs, weights, mode, v)
    for i, (mine, yours) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(mine, yours, rtol=1e-7, atol=1e-9, err_msg=f"gradient of leaf v{i}")
