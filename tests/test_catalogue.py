"""The operation catalogue (tests/catalogue/): every public operation × every edge-case sample.

Each (entry, sample) runs, inside the stale-memory guard (uninitialised buffers are NaN):
float64 central differences, PyTorch's forward and gradient, the Hessian-vector product
where the operation supports second order, and float32 dtype preservation.
"""

import numpy as np
import pytest

from catalogue import entries, public_operations
from catalogue.checks import check_against_torch, check_finite_differences, check_float32, check_second_order
from chainrule.ops import scratch

ENTRIES = entries()


def _pairs():
    for index, entry in enumerate(ENTRIES):
        rng = np.random.default_rng(index)
        for sample in entry.samples(rng):
            yield pytest.param(entry, sample, id=f"{entry.name}[{sample.id}]")


@pytest.mark.parametrize("entry, sample", list(_pairs()))
def test_operation(entry, sample):
    with scratch.stale_memory_guard(), np.errstate(all="ignore"):
        check_finite_differences(entry, sample)
        check_against_torch(entry, sample)
        check_second_order(entry, sample)
        check_float32(entry, sample)


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
