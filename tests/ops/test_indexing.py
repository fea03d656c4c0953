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
