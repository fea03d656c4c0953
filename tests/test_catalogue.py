"""The operation catalogue (tests/catalogue/): every public operation × every edge-case sample.

Each (entry, sample) runs, inside the stale-memory guard (uninitialised buffers are NaN):
float64 central differences, PyTorch's forward and gradient, the Hessian-vector product
where the operation supports second order, and float32 dtype preservation.
"""

import numpy as np
import pytest

import chainrule as cr
from catalogue import Entry, Sample, entries, public_operations
from catalogue.checks import (check_against_torch, check_finite_differences, check_float32, check_second_order,
                              check_unbounded_gradient)
from catalogue.vocabulary import HAS_TORCH
from chainrule.ops import compiled, scratch

ENTRIES = entries()


def _pairs():
    for index, entry in enumerate(ENTRIES):
        rng = np.random.default_rng(index)
        for sample in entry.samples(rng):
            yield pytest.param(entry, sample, id=f"{entry.name}[{sample.id}]")


@pytest.mark.parametrize("entry, sample", list(_pairs()))
def test_operation(entry, sample):
    _check(entry, sample)


def _check(entry, sample):
    with scratch.stale_memory_guard(), np.errstate(all="ignore"):
        check_finite_differences(entry, sample)
        check_against_torch(entry, sample)
        check_second_order(entry, sample)
        check_float32(entry, sample)


KERNEL_PAIRS = [pair for pair in _pairs() if pair.values[0].name.removeprefix("ops.") in compiled.OPERATIONS]


@pytest.mark.skipif(compiled.compiler() is None, reason="no C compiler ($CC or cc) for the compiled kernels")
@pytest.mark.parametrize("entry, sample", KERNEL_PAIRS)
def test_operation_with_the_compiled_kernels(entry, sample):
    """The same checks with the optional compiled kernels on (chainrule.ops.compiled): NumPy is the reference
    path, and the operations that have a kernel must pass the whole catalogue on both."""
    with compiled.kernels():
        _check(entry, sample)


def test_every_operation_with_a_kernel_is_in_the_catalogue():
    assert set(compiled.OPERATIONS) <= {pair.values[0].name.removeprefix("ops.") for pair in KERNEL_PAIRS}


# Known to put NaN or ±∞ elsewhere than PyTorch under an infinite upstream gradient, not yet looked at one by
# one (found 2026-11-30, stop 24; the selections — relu, where, clip, maximum/minimum, max pooling — were fixed
# then with `chainrule.ops.dual.gate`). Any other entry must match.
UNBOUNDED_NOT_YET_LIKE_TORCH = {
    "Tensor.__pow__", "ops.pow", "Tensor.max", "ops.max", "Tensor.min", "ops.min", "Tensor.norm", "ops.norm",
    "ops.attention", "ops.einsum", "ops.elu", "ops.gru", "ops.layer_norm", "ops.softmax_cross_entropy",
}


@pytest.mark.parametrize("entry, sample", [pair for pair in _pairs() if pair.values[0].differentiable])
def test_an_unbounded_upstream_gradient_against_torch(entry, sample):
    """One upstream gradient element +∞ (a loss that overflowed): NaN and ±∞ land where PyTorch puts them."""
    try:
        with scratch.stale_memory_guard(), np.errstate(all="ignore"):
            check_unbounded_gradient(entry, sample)
    except AssertionError:
        if entry.name not in UNBOUNDED_NOT_YET_LIKE_TORCH:
            raise
        pytest.xfail(f"{entry.name}: known to differ from PyTorch under an infinite upstream gradient")


def test_every_public_operation_has_an_entry():
    covered = {entry.name for entry in ENTRIES}
    missing = public_operations() - covered
    assert not missing, (
        f"public operations without a catalogue entry: {sorted(missing)}; add one in tests/catalogue/ "
        "(see tests/catalogue/__init__.py)"
    )


def test_every_entry_names_a_public_operation_and_has_a_twin():
    public = public_operations()
    unknown = [e.name for e in ENTRIES if e.name not in public]
    assert not unknown, f"catalogue entries for no public operation: {unknown}"
    without = [e.name for e in ENTRIES if e.theirs is None and e.reference is None]
    assert not without, f"entries with neither a PyTorch counterpart nor a reference: {without}"


def test_samples_use_the_edge_case_vocabulary():
    """Across the catalogue: 0-d, size-0 and size-1 inputs and non-contiguous layouts all occur."""
    arrays = [a for e in ENTRIES for s in e.samples(np.random.default_rng(0)) for a in s.inputs]
    assert any(np.ndim(a) == 0 for a in arrays)
    assert any(0 in np.shape(a) for a in arrays)
    assert any(1 in np.shape(a) for a in arrays)
    assert any(not a.flags.c_contiguous for a in arrays if np.ndim(a) > 1)


# ------------------------------------------------------------- the checks themselves can fail
class _WrongSquare(cr.Operation):
    def forward(self, x):
        return x * x

    def backward(self, g, x, y):
        return g * x  # should be 2·g·x


def _square_entry(ours):
    return Entry("test.square", ours, lambda x: x * x, lambda rng: [Sample([np.array([1.0, -2.0])])],
                 second_order=True)


def test_the_checks_catch_a_wrong_gradient():
    entry, sample = _square_entry(lambda x: _WrongSquare()(x)), Sample([np.array([1.0, -2.0, 0.5])])
    with pytest.raises(AssertionError):
        check_finite_differences(entry, sample)
    if HAS_TORCH:
        with pytest.raises(AssertionError, match="gradient of input 0"):
            check_against_torch(entry, sample)


def test_the_second_order_check_catches_a_wrong_second_derivative():
    class FirstOrderRight(cr.Operation):  # right first derivative, written so its derivative is wrong
        def forward(self, x):
            return x * x

        def backward(self, g, x, y):
            return g * 2 * (x.detach() if isinstance(x, cr.Tensor) else x)  # detached: d²/dx² comes out 0

    entry, sample = _square_entry(lambda x: FirstOrderRight()(x)), Sample([np.array([1.0, -2.0])])
    check_finite_differences(entry, sample)
    with pytest.raises(AssertionError, match="Hessian-vector product"):
        check_second_order(entry, sample)


@pytest.mark.skipif(not HAS_TORCH, reason="compares with torch")
def test_non_differentiable_entries_and_deliberate_differences():
    sign = Entry("test.sign", lambda x: cr.Tensor(np.sign(x.data), dtype=x.dtype),
                 lambda x: x.sign(), lambda rng: [], differentiable=False)
    check_against_torch(sign, Sample([np.array([-1.5, 0.0, 2.0])]))
    check_float32(sign, Sample([np.array([-1.5, 0.0, 2.0])]))
    ties = Sample([np.array([1.0, 3.0, 3.0])], {"axis": None, "keepdims": False}, differs="first maximum")
    max_entry = next(e for e in ENTRIES if e.name == "ops.max")
    check_against_torch(max_entry, ties)  # against the documented rule: the first 3 gets the gradient
    with pytest.raises(AssertionError):  # torch.amax splits it between the two
        check_against_torch(max_entry, Sample(ties.inputs, ties.kwargs))
