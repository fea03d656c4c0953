"""The Optimizer base: parameters, in-place updates, dtypes, schedules, clipping, checkpoints."""

from __future__ import annotations

import io
import json
import tracemalloc

import numpy as np
import pytest

import chainrule as cr
from chainrule.optim import (
    SGD, AdaGrad, Adam, AdamW, CosineDecay, Optimizer, RMSProp, SGDMomentum, clip_grad_norm,
    clip_grad_value,
)

FACTORIES = {
    "SGD": lambda ps: SGD(ps, lr=0.1, weight_decay=0.01),
    "SGDMomentum": lambda ps: SGDMomentum(ps, lr=0.1, momentum=0.9),
    "Nesterov": lambda ps: SGDMomentum(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    "AdaGrad": lambda ps: AdaGrad(ps, lr=0.1, initial_accumulator_value=0.1),
    "RMSProp": lambda ps: RMSProp(ps, lr=0.01, momentum=0.9, weight_decay=0.01),
    "Adam": lambda ps: Adam(ps, lr=0.01, weight_decay=0.01),
    "AdamW": lambda ps: AdamW(ps, lr=0.01),
}
ALL = pytest.mark.parametrize("make", FACTORIES.values(), ids=FACTORIES.keys())


class LazyNet:
    """Stands in for a network whose layers create weights on their first forward pass."""

    def __init__(self, params):
        self.params = list(params)

    def parameters(self):
        return iter(self.params)


def one_param(values=(1.0, 2.0), grad=(0.5, -0.5)) -> cr.Tensor:
    p = cr.Tensor(np.array(values), requires_grad=True, dtype=np.float64)
    p.grad = cr.Tensor(np.array(grad), dtype=np.float64)
    return p


# ------------------------------------------------------------------- parameters
def test_a_number_given_first_is_the_learning_rate():
    assert SGD(0.1).lr == 0.1 and Adam(0.02).lr == 0.02 and SGDMomentum(0.3, momentum=0.5).lr == 0.3
    with pytest.raises(TypeError, match=r"two learning rates.*SGD\(0\.1\) means SGD\(lr=0\.1\)"):
        SGD(0.1, lr=0.2)


def test_step_without_parameters_says_what_to_do():
    with pytest.raises(RuntimeError, match=r"no parameters.*net\.parameters\(\).*Trainer"):
        SGD(lr=0.1).step()


def test_attach_later_as_the_trainer_does():
    p = one_param()
    opt = SGD(0.5)
    assert not opt.has_parameters()
    assert opt.attach(LazyNet([p])) is opt and opt.has_parameters()
    opt.step()
    np.testing.assert_array_equal(p.data, [0.75, 2.25])


def test_parameters_created_lazily_are_picked_up():
    first = one_param()
    net = LazyNet([first])
    opt = Adam(net, lr=0.1)
    opt.step()
    second = one_param((3.0,), (1.0,))
    net.params.append(second)  # the next layer built its weights
    opt.step()
    assert opt.state[first]["step"] == 2 and opt.state[second]["step"] == 1
    assert second.data[0] == pytest.approx(3.0 - 0.1)


def test_generator_of_parameters_is_kept_and_shared_weights_update_once():
    p = one_param()
    opt = SGD((q for q in [p, p]), lr=1.0)  # a generator, naming one weight twice
    assert opt.parameters() == [p]
    opt.step()
    opt.step()
    np.testing.assert_array_equal(p.data, [0.0, 3.0])


def test_bad_parameters_are_refused():
    with pytest.raises(TypeError, match="got ndarray at position 0"):
        SGD([np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="parameters"):
        SGD(object(), lr=0.1)
    p = one_param()
    p.grad = cr.Tensor(np.ones(3), dtype=np.float64)
    with pytest.raises(ValueError, match=r"shape \(2,\).*gradient of shape \(3,\)"):
        SGD([p], lr=0.1).step()


def test_zero_grad_and_params_without_grad():
    p, q = one_param(), one_param()
    q.grad = None
    opt = SGD([p, q], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(q.data, [1.0, 2.0])
    opt.zero_grad()
    assert p.grad is None and q.grad is None


def test_base_class_has_no_rule():
    with pytest.raises(NotImplementedError, match="_update"):
        Optimizer([one_param()]).step()


# --------------------------------------------------------------- in place, dtypes
@ALL
def test_updates_in_place_and_leaves_grads_alone(make, kit):
    arrays, grads = kit.initial_arrays(), kit.gradient_steps(3)
    params = [cr.Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
    held = [p.data for p in params]
    opt = make(params)
    for step in grads:
        for p, g in zip(params, step):
            p.grad = None if g is None else cr.Tensor(g.copy(), dtype=np.float64)
        opt.step()
        for p, g in zip(params, step):
            assert g is None or np.array_equal(p.grad.data, g)
    assert all(p.data is h for p, h in zip(params, held))
    assert not any(np.allclose(p.data, a) for p, a in zip(params, arrays))


@ALL
def test_float32_parameters_and_state_stay_float32(make, kit):
    arrays = kit.initial_arrays(dtype=np.float32)
    params, opt = kit.run_ours(make, arrays, kit.gradient_steps(3, dtype=np.float32))
    assert all(p.data.dtype == np.float32 for p in params)
    arrays_in_state = [v for s in opt.state.values() for v in s.values() if isinstance(v, np.ndarray)]
    assert all(a.dtype == np.float32 for a in arrays_in_state)
    if not isinstance(opt, SGD):
        assert arrays_in_state
    ref, _ = kit.run_ours(make, [a.astype(np.float64) for a in arrays], kit.gradient_steps(3))
    for p, r in zip(params, ref):  # same run in float64 agrees to float32 precision
        np.testing.assert_allclose(p.data, r.data, rtol=1e-4, atol=1e-5)


@ALL
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_step_allocates_no_arrays(make, dtype):
    """After the first step (state and scratch created), updates write only into existing arrays."""
    p = cr.Tensor(np.full((200, 100), 0.5, dtype), requires_grad=True, dtype=dtype)
    p.grad = cr.Tensor(np.full((200, 100), 0.1, dtype), dtype=dtype)
    opt = make([p])
    opt.clip_norm, opt.clip_value = 1.0, 0.05
    opt.step()
    tracemalloc.start()
    try:
        opt.step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes / 20


def test_negative_learning_rate():
    with pytest.raises(ValueError, match=r"lr must be in \[0, inf\)"):
        Adam(lr=-1e-3)
    opt = SGD(lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        opt.lr = -0.5


# ----------------------------------------------------------------- lr schedules
def test_books_linear_and_exponential_decay_via_start_epoch():
    linear = SGD(lr=0.2, final_lr=0.05, decay_type="linear")
    rates = []
    for epoch in range(4):
        linear.start_epoch(epoch, 4)
        rates.append(linear.lr)
    np.testing.assert_allclose(rates, [0.2, 0.15, 0.1, 0.05], rtol=1e-15)
    exponential = SGDMomentum(lr=0.2, final_lr=0.05, decay_type="exponential")
    exponential.start_epoch(1, 3)
    assert exponential.lr == pytest.approx(0.1, rel=1e-15)
    exponential.start_epoch(2, 3)
    assert exponential.lr == 0.05 and exponential.initial_lr == 0.2


def test_schedule_object_and_no_schedule():
    opt = Adam(lr=1.0, schedule=CosineDecay(0.0))
    opt.start_epoch(2, 5)
    assert opt.lr == pytest.approx(0.5, rel=1e-15)
    fixed = SGD(lr=0.3)
    fixed.start_epoch(3, 5)
    assert fixed.lr == 0.3


def test_schedule_errors():
    with pytest.raises(ValueError, match="not both"):
        SGD(lr=0.1, final_lr=0.01, decay_type="linear", schedule=CosineDecay())
    with pytest.raises(ValueError, match=r"decay_type must be one of \['exponential', 'linear'\]"):
        SGD(lr=0.1, final_lr=0.01, decay_type="cosine")
    with pytest.raises(ValueError, match="needs final_lr"):
        SGD(lr=0.1, decay_type="linear")
    with pytest.raises(ValueError, match="final_lr must be > 0 for exponential"):
        SGD(lr=0.1, final_lr=0.0, decay_type="exponential")
    with pytest.raises(TypeError, match="schedule must be an LRSchedule"):
        SGD(lr=0.1, schedule=lambda e: 0.1)


# --------------------------------------------------------------------- clipping
def test_clip_options_equal_clipping_then_stepping(kit):
    arrays, grads = kit.initial_arrays(), kit.gradient_steps(4)
    ours, opt = kit.run_ours(lambda ps: Adam(ps, lr=0.1, clip_norm=1.0, clip_value=0.8), arrays, grads)
    assert opt.last_grad_norm is not None and opt.last_grad_norm <= 0.8 * np.sqrt(29)
    manual = [cr.Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
    plain = Adam(manual, lr=0.1)
    for step in grads:
        for p, g in zip(manual, step):
            p.grad = None if g is None else cr.Tensor(g.copy(), dtype=np.float64)
        clip_grad_value(manual, 0.8)
        clip_grad_norm(manual, 1.0)
        plain.step()
    for p, q in zip(ours, manual):
        np.testing.assert_array_equal(p.data, q.data)


def test_clip_norm_matches_torch(torch_parity):
    import torch

    torch_parity(
        lambda ps: SGDMomentum(ps, lr=0.1, clip_norm=0.5),
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
        before_step=lambda ps: torch.nn.utils.clip_grad_norm_(ps, 0.5),
    )


def test_bad_clip_options():
    with pytest.raises(ValueError, match=r"clip_norm must be in \(0, inf\)"):
        SGD(lr=0.1, clip_norm=0.0)
    with pytest.raises(ValueError, match="clip_value"):
        SGD(lr=0.1, clip_value=-1.0)


# ------------------------------------------------------------------ checkpoints
@ALL
def test_state_dict_resumes_bit_exactly(make, kit):
    arrays, grads = kit.initial_arrays(), kit.gradient_steps(6)
    params, opt = kit.run_ours(make, arrays, grads[:3])
    saved = opt.state_dict()
    snapshot = [p.data.copy() for p in params]
    kit.continue_ours(opt, params, grads[3:])
    assert not any(np.array_equal(p.data, s) for p, s in zip(params, snapshot))

    buffer = io.BytesIO()  # through an npz file, as a checkpoint would
    np.savez(buffer, **saved)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as npz:
        loaded = {k: npz[k] for k in npz.files}
    for state in (saved, loaded):
        resumed = [cr.Tensor(s.copy(), requires_grad=True, dtype=np.float64) for s in snapshot]
        fresh = make(resumed)
        fresh.lr = 123.0  # overwritten by the load
        fresh.load_state_dict(state)
        kit.continue_ours(fresh, resumed, grads[3:])
        for p, r in zip(params, resumed):
            np.testing.assert_array_equal(p.data, r.data)
        assert fresh.steps == opt.steps == 6 and fresh.lr == opt.lr


def test_state_dict_is_plain_and_a_copy(kit):
    arrays, grads = kit.initial_arrays(), kit.gradient_steps(4)
    params, opt = kit.run_ours(lambda ps: Adam(ps, lr=0.1), arrays, grads[:2])
    saved = opt.state_dict()
    assert all(isinstance(v, (np.ndarray, int, float, str, bool)) for v in saved.values())
    json.dumps({k: v for k, v in saved.items() if not isinstance(v, np.ndarray)})
    assert saved["optimizer"] == "Adam" and saved["num_params"] == 3 and saved["hyper/beta2"] == 0.999
    assert saved["state/0/step"] == 2 and saved["state/1/step"] == 2
    before = saved["state/0/exp_avg"].copy()
    kit.continue_ours(opt, params, grads[2:])
    np.testing.assert_array_equal(saved["state/0/exp_avg"], before)


def test_load_state_dict_restores_hyper_parameters():
    p = one_param()
    saved = SGDMomentum([p], lr=0.1, momentum=0.5, nesterov=True).state_dict()
    other = SGDMomentum([one_param()], lr=0.1)
    other.load_state_dict(saved)
    assert other.momentum == 0.5 and other.nesterov is True


def test_load_state_dict_errors(kit):
    params, opt = kit.run_ours(lambda ps: Adam(ps), kit.initial_arrays(), kit.gradient_steps(2))
    saved = opt.state_dict()
    with pytest.raises(ValueError, match="holds 3 parameters but Adam has 2"):
        Adam(params[:2]).load_state_dict(saved)
    with pytest.raises(ValueError, match="lazy network"):
        Adam(LazyNet([])).load_state_dict(saved)
    reshaped = [cr.Tensor(np.zeros((4, 3)), requires_grad=True, dtype=np.float64), *params[1:]]
    with pytest.raises(ValueError, match=r"parameter 0: saved state 'exp_avg' has shape \(3, 4\)"):
        Adam(reshaped).load_state_dict(saved)
    with pytest.raises(ValueError, match="for Adam, not AdamW"):
        AdamW(params).load_state_dict(saved)
    with pytest.raises(ValueError, match="not an optimizer state dict"):
        Adam(params).load_state_dict({"lr": 0.1})
    target = Adam(params, lr=0.5)
    with pytest.raises(ValueError, match="needs"):
        target.load_state_dict({k: v for k, v in saved.items() if k != "state/2/exp_avg_sq"})
    assert target.lr == 0.5 and target.state == {}  # a failed load changes nothing


def test_repr_names_the_settings():
    text = repr(SGDMomentum(lr=0.1, momentum=0.8, clip_norm=5.0))
    assert text == "SGDMomentum(lr=0.1, momentum=0.8, nesterov=False, weight_decay=0.0, clip_norm=5.0)"


def test_optimizers_never_read_their_work_arrays_before_writing_them():
    """Under the stale-memory guard the work arrays are NaN before each update: parameters stay finite."""
    from chainrule.ops import scratch

    for make in (lambda ps: cr.SGDMomentum(ps, lr=0.1), lambda ps: cr.Adam(ps, lr=0.1),
                 lambda ps: cr.RMSProp(ps, lr=0.1), lambda ps: cr.AdamW(ps, lr=0.1), lambda ps: cr.AdaGrad(ps, lr=0.1)):
        p = cr.Parameter(np.ones((3, 4)))
        optimizer = make([p])
        with scratch.stale_memory_guard():
            for _ in range(3):
                p.grad = cr.Tensor(np.full((3, 4), 0.5))
                optimizer.step()
        assert np.all(np.isfinite(p.data)), type(optimizer).__name__
