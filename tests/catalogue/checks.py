"""The four checks the catalogue runs on every (entry × sample); see `catalogue.Entry`."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import chainrule as cr
from catalogue import Entry, Sample
from catalogue.vocabulary import HAS_TORCH

EPS = 1e-6


def as_tuple(outputs: Any) -> tuple:
    return tuple(outputs) if isinstance(outputs, (tuple, list)) else (outputs,)


def tensors(sample: Sample, dtype: Any = np.float64, requires_grad: bool = True) -> list[cr.Tensor]:
    """The sample's inputs as Tensors; a float64 view keeps its memory layout (no copy)."""
    return [cr.Tensor(np.asarray(a).astype(dtype, copy=False), requires_grad=requires_grad, dtype=dtype)
            for a in sample.inputs]


def weights_for(outputs: Sequence[Any], seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(o.shape)) for o in outputs]


def weighted(outputs: Sequence[Any], weights: Sequence[Any]) -> Any:
    """L = Σ_k Σ w_k ∘ y_k: every output element counts, with its own weight."""
    return sum((o * w).sum() for o, w in zip(outputs, weights))


# --------------------------------------------------------------- 1: finite differences
def check_finite_differences(entry: Entry, sample: Sample) -> None:
    if not (entry.differentiable and sample.fd and sample.inputs):
        return
    cr.gradcheck(lambda *xs: entry.ours(*xs, **sample.kwargs), [np.array(a) for a in sample.inputs])


# ----------------------------------------------------------------------- 2: PyTorch
def _torch_twin(entry: Entry, sample: Sample) -> Any:
    return entry.reference if sample.differs else entry.theirs


def _grads_or_zeros(grads: Sequence[Any], arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    out = []
    for g, a in zip(grads, arrays):
        if g is None:
            out.append(np.zeros(np.shape(a)))
        else:
            out.append(np.asarray(g.data if isinstance(g, cr.Tensor) else g.detach().numpy(force=True), dtype=np.float64))
    return out


def _run_both(entry: Entry, sample: Sample, twin: Any) -> tuple[list, list, tuple, tuple]:
    """The sample's inputs as our Tensors and as float64 torch tensors, and each framework's outputs."""
    import torch

    ours_in = tensors(sample, requires_grad=entry.differentiable)
    theirs_in = [torch.tensor(np.array(a), dtype=torch.float64, requires_grad=entry.differentiable)
                 for a in sample.inputs]
    return ours_in, theirs_in, as_tuple(entry.ours(*ours_in, **sample.kwargs)), as_tuple(twin(*theirs_in, **sample.kwargs))


def check_against_torch(entry: Entry, sample: Sample) -> None:
    twin = _torch_twin(entry, sample)
    if not HAS_TORCH or twin is None:
        return
    ours_in, theirs_in, ours_out, theirs_out = _run_both(entry, sample, twin)
    assert len(ours_out) == len(theirs_out), f"{len(ours_out)} outputs, PyTorch gives {len(theirs_out)}"
    for k, (mine, yours) in enumerate(zip(ours_out, theirs_out)):
        assert mine.shape == tuple(yours.shape), f"output {k}: shape {mine.shape}, PyTorch {tuple(yours.shape)}"
        np.testing.assert_allclose(mine.data, yours.detach().numpy(), rtol=sample.rtol, atol=sample.atol,
                                   err_msg=f"forward, output {k}")
    if not entry.differentiable:
        assert not any(o.requires_grad for o in ours_out), "a non-differentiable operation's output requires grad"
        return
    _compare_gradients(sample, ours_in, theirs_in, ours_out, theirs_out, weights_for(ours_out))


def _compare_gradients(sample: Sample, ours_in: list, theirs_in: list, ours_out: tuple, theirs_out: tuple,
                       w: list[np.ndarray]) -> None:
    """The gradients of L = Σ w ∘ y, ours against PyTorch's (NaN and ±∞ must stand in the same places)."""
    import torch

    mine_loss = weighted(ours_out, w)
    if not isinstance(mine_loss, cr.Tensor) or not mine_loss.requires_grad:
        return  # every output is empty: nothing flows back
    mine_loss.backward()
    yours_loss = weighted(theirs_out, [torch.from_numpy(x) for x in w])
    got = _grads_or_zeros([t.grad for t in ours_in], sample.inputs)
    yours_grads = torch.autograd.grad(yours_loss, theirs_in, allow_unused=True) if yours_loss.requires_grad \
        else [None] * len(theirs_in)
    expected = _grads_or_zeros(yours_grads, sample.inputs)
    for k, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(g, e, rtol=sample.rtol, atol=sample.atol, err_msg=f"gradient of input {k}")


def check_unbounded_gradient(entry: Entry, sample: Sample) -> None:
    """One element of the upstream gradient is +∞: ours and PyTorch's gradients have NaN and ±∞ in the
    same places (a 0/1 mask times ∞ gives NaN where PyTorch's selection gives 0), the rest equal."""
    twin = _torch_twin(entry, sample)
    if not HAS_TORCH or twin is None or not entry.differentiable:
        return
    ours_in, theirs_in, ours_out, theirs_out = _run_both(entry, sample, twin)
    w = weights_for(ours_out)
    first = next((x for x in w if x.size), None)
    if first is None:
        return
    first.flat[0] = np.inf
    _compare_gradients(sample, ours_in, theirs_in, ours_out, theirs_out, w)


# ------------------------------------------------------------------- 3: second order
def _hessian_vector(entry: Entry, sample: Sample, arrays: Sequence[np.ndarray], v: Sequence[np.ndarray]) -> tuple:
    """(S, ∇S) for S = Σ_i ⟨∂L/∂x_i, v_i⟩, L the weighted output: ∇S is the Hessian of L times v."""
    xs = [cr.Tensor(np.array(a), requires_grad=True, dtype=np.float64) for a in arrays]
    outputs = as_tuple(entry.ours(*xs, **sample.kwargs))
    loss = weighted(outputs, weights_for(outputs))
    grads = cr.grad(loss, xs, create_graph=True, allow_unused=True)
    s = sum((g * vi).sum() for g, vi in zip(grads, v) if g is not None)
    if not isinstance(s, cr.Tensor) or not s.requires_grad:
        return float(np.asarray(getattr(s, "data", s))), [np.zeros(np.shape(a)) for a in arrays]
    return s.item(), _grads_or_zeros(cr.grad(s, xs, allow_unused=True), arrays)


def _first_order_both_ways(entry: Entry, sample: Sample, arrays: Sequence[np.ndarray]) -> None:
    """The gradient recorded with create_graph=True equals the plain (NumPy) backward's."""
    results = []
    for create_graph in (False, True):
        xs = [cr.Tensor(np.array(a), requires_grad=True, dtype=np.float64) for a in arrays]
        outputs = as_tuple(entry.ours(*xs, **sample.kwargs))
        loss = weighted(outputs, weights_for(outputs))
        if not isinstance(loss, cr.Tensor) or not loss.requires_grad:
            return
        results.append(_grads_or_zeros(cr.grad(loss, xs, create_graph=create_graph, allow_unused=True), arrays))
    for i, (plain, recorded) in enumerate(zip(*results)):
        np.testing.assert_allclose(recorded, plain, rtol=1e-9, atol=1e-12,
                                   err_msg=f"gradient of input {i} with create_graph=True against without")


def check_second_order(entry: Entry, sample: Sample) -> None:
    if not (entry.second_order and entry.differentiable and sample.fd and sample.inputs):
        return
    rng = np.random.default_rng(2)
    arrays = [np.array(a) for a in sample.inputs]
    v = [rng.standard_normal(a.shape) for a in arrays]
    _first_order_both_ways(entry, sample, arrays)
    _, hv = _hessian_vector(entry, sample, arrays, v)
    for i, a in enumerate(arrays):  # finite differences of S = ⟨∇L, v⟩
        numeric = np.zeros_like(a)
        for j in range(a.size):
            original = a.flat[j]
            a.flat[j] = original + EPS
            up, _ = _hessian_vector(entry, sample, arrays, v)
            a.flat[j] = original - EPS
            down, _ = _hessian_vector(entry, sample, arrays, v)
            a.flat[j] = original
            numeric.flat[j] = (up - down) / (2 * EPS)
        np.testing.assert_allclose(hv[i], numeric, rtol=1e-4, atol=1e-5,
                                   err_msg=f"Hessian-vector product, input {i}, against finite differences")
    twin = _torch_twin(entry, sample)
    if HAS_TORCH and twin is not None:
        import torch

        xs = [torch.tensor(a, requires_grad=True) for a in arrays]
        outputs = as_tuple(twin(*xs, **sample.kwargs))
        loss = weighted(outputs, [torch.from_numpy(w) for w in weights_for(outputs)])
        grads = torch.autograd.grad(loss, xs, create_graph=True, allow_unused=True)
        s = sum((g * torch.from_numpy(vi)).sum() for g, vi in zip(grads, v) if g is not None)
        expected = _grads_or_zeros(torch.autograd.grad(s, xs, allow_unused=True) if torch.is_tensor(s)
                                   and s.requires_grad else [None] * len(xs), arrays)
        for i, (g, e) in enumerate(zip(hv, expected)):
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8, err_msg=f"Hessian-vector product, input {i}")


# ----------------------------------------------------------------------- 4: float32
def check_float32(entry: Entry, sample: Sample) -> None:
    """float32 in → float32 out and float32 gradients, close to the float64 values."""
    if not entry.float32:
        return
    results = {}
    for dtype in (np.float32, np.float64):
        xs = tensors(sample, dtype, requires_grad=entry.differentiable)
        outputs = as_tuple(entry.ours(*xs, **sample.kwargs))
        loss = weighted(outputs, weights_for(outputs)) if entry.differentiable else None
        if isinstance(loss, cr.Tensor) and loss.requires_grad:
            loss.backward()
        grads = [x.grad for x in xs]
        results[dtype] = ([o.data for o in outputs], [None if g is None else g.data for g in grads])
        if dtype == np.float32:
            for k, o in enumerate(outputs):
                assert o.dtype == np.float32, f"output {k} is {o.dtype} for float32 inputs"
            for k, g in enumerate(grads):
                assert g is None or g.dtype == np.float32, f"gradient of input {k} is {g.dtype} for float32 inputs"
    (out32, grad32), (out64, grad64) = results[np.float32], results[np.float64]
    for k, (a, b) in enumerate(list(zip(out32, out64)) + list(zip(grad32, grad64))):
        if a is None or b is None:
            continue
        with np.errstate(invalid="ignore", over="ignore"):
            scale = np.max(np.abs(b[np.isfinite(b)]), initial=1.0)
            atol = 0.0 if sample.atol == 0 else 1e-4 * scale
            np.testing.assert_allclose(a, b.astype(np.float32), rtol=2e-3, atol=atol,
                                       err_msg=f"float32 against float64, value {k}")
