"""getitem (basic, integer-array with repeats, boolean), scatter_add, where."""

import numpy as np
import pytest
from harness import Case, check_case, normal

import chainrule as cr

REPEATS = np.array([0, 2, 0, 0])
MASK = np.array([[True, False, True], [False, False, True]])
COND = np.array([[True, False, True, False]])

CASES = [
    Case("getitem", lambda x: x[1:, ::2], lambda x: x[1:, ::2], normal(3, 4), "slices"),
    Case("getitem", lambda x: x[..., None, 1], lambda x: x[..., None, 1], normal(2, 3, 4), "ellipsis-none"),
    Case("getitem", lambda x: x[REPEATS], lambda x: x[REPEATS], normal(3, 2), "repeated-rows"),
    Case("getitem", lambda x: x[REPEATS, [1, 0, 1, 1]], lambda x: x[REPEATS, [1, 0, 1, 1]], normal(3, 2), "pairs"),
    Case("getitem", lambda x: x[MASK], lambda x: x[MASK], normal(2, 3), "mask"),
    Case("scatter_add", lambda x: cr.ops.scatter_add(x, (3, 2), REPEATS),
         lambda x: __import__("torch").zeros(3, 2, dtype=x.dtype).index_put((__import__("torch").tensor(REPEATS),), x, accumulate=True),
         normal(4, 2)),
    Case("where", lambda a, b: cr.where(COND, a, b), lambda a, b: __import__("torch").where(__import__("torch").tensor(COND), a, b),
         normal((3, 4), (4,))),
]


GATHER = np.array([[0, 0, 2], [1, 3, 3], [2, 2, 0]])

CASES += [  # issue 15
    Case("take_along_axis", lambda x: cr.take_along_axis(x, GATHER, 1),
         lambda x: __import__("torch").gather(x, 1, __import__("torch").tensor(GATHER)), normal(3, 4), "repeats"),
    Case("take_along_axis", lambda x: cr.take_along_axis(x, GATHER.T[:, :2] % 2, 0),
         lambda x: __import__("torch").gather(x, 0, __import__("torch").tensor(GATHER.T[:, :2] % 2)), normal(2, 2),
         "axis-0"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_repeated_index_accumulates():
    x = cr.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


def test_indexing_with_a_tensor_is_explained():
    x = cr.Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="not with a Tensor"):
        x[cr.Tensor([0.0])]


def test_out_of_range_index_names_the_shape():
    with pytest.raises(IndexError, match=r"shape \(2,\)"):
        cr.Tensor([1.0, 2.0])[np.array([5])]


def test_where_needs_a_boolean_condition():
    with pytest.raises(TypeError, match="boolean"):
        cr.where(np.array([1, 0]), cr.Tensor([1.0, 2.0]), 0.0)


def test_take_along_axis_matches_numpy_with_negative_indices():
    x = np.arange(12.0).reshape(3, 4)
    idx = np.array([[-1], [0], [2]])
    np.testing.assert_array_equal(cr.take_along_axis(cr.Tensor(x), idx, 1).data, np.take_along_axis(x, idx, 1))
    with pytest.raises(IndexError, match="do not fit"):
        cr.take_along_axis(cr.Tensor(x), np.array([[4]]), 1)
