"""The work-array pool: reuse only what nothing else refers to."""

import numpy as np

from chainrule.ops import scratch

SHAPE = (256, 512)  # 512 KiB of float32: large enough to be pooled


def test_a_free_array_is_handed_out_again():
    scratch.clear()
    first = scratch.take(SHAPE, np.float32)
    address = first.__array_interface__["data"][0]
    del first
    assert scratch.take(SHAPE, np.float32).__array_interface__["data"][0] == address


def test_an_array_still_referenced_is_never_handed_out_twice():
    scratch.clear()
    held = scratch.take(SHAPE, np.float32)
    view = scratch.take(SHAPE, np.float32)[1:]  # only a view survives: it keeps its base busy
    other = scratch.take(SHAPE, np.float32)
    assert not np.shares_memory(held, other) and not np.shares_memory(view, other)


def test_small_and_huge_arrays_are_not_kept():
    scratch.clear()
    small = scratch.take((4, 4), np.float32)
    del small
    assert scratch._pool.nbytes == 0


def test_take_like_keeps_the_memory_order():
    template = np.zeros((8, 64, 32, 16), np.float32).transpose(0, 3, 1, 2)  # channels-last (N, C, H, W)
    array = scratch.take_like(template)
    assert array.shape == template.shape and np.argsort(array.strides).tolist() == np.argsort(template.strides).tolist()


def test_the_stale_memory_guard_hands_out_nan():
    scratch.clear()
    before = scratch.is_stale_memory_guarded()  # on when the suite runs with CHAINRULE_STALE_MEMORY_GUARD=1
    with scratch.stale_memory_guard():
        assert scratch.is_stale_memory_guarded()
        for array in (scratch.take(SHAPE, np.float32), scratch.take((4, 4), np.float64),
                      scratch.empty((3,), np.float32), scratch.empty_like(np.zeros(2))):
            assert np.isnan(array).all()
    assert scratch.is_stale_memory_guarded() == before
    with scratch.stale_memory_guard(False):
        assert not scratch.is_stale_memory_guarded()


def test_importing_chainrule_keeps_freed_memory_for_reuse():
    """A training step's pattern: two dozen arrays of 0.2 to 1.5 MB allocated and written, held, then all freed.
    With glibc's own settings every step faults all their pages in again; with chainrule's, the first step
    does and later ones reuse them. Counted in page faults (getrusage), not time; CHAINRULE_MALLOC=system
    is the control."""
    import os
    import subprocess
    import sys

    import pytest

    code = (
        "import resource, numpy as np, chainrule\n"
        "from chainrule.ops import scratch\n"
        "def step():\n"
        "    held = [np.ones(n, np.float32) for n in (98304, 393216, 98304, 131072, 393216, 49152) * 4]\n"
        "step()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "for _ in range(20):\n"
        "    step()\n"
        "print(scratch.FREED_MEMORY_KEPT, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n"
    )
    runs = {}
    for setting in ("", "system"):
        env = dict(os.environ, CHAINRULE_MALLOC=setting)
        kept, faults = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                      check=True).stdout.split()
        runs[setting] = (kept == "True", int(faults))
    if not runs[""][0]:
        pytest.skip("not glibc: malloc is left as it is")
    assert runs["system"][0] is False
    pages_per_step = 4 * 4 * (98304 + 393216 + 98304 + 131072 + 393216 + 49152) // 4096
    assert runs["system"][1] > 10 * pages_per_step  # the control: the steps fault their pages in again
    assert runs[""][1] < pages_per_step  # kept: not even one step's worth in 20 steps
