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
