"""reshape, transpose, flatten, broadcast_to, swapaxes, concat, stack, split."""

import numpy as np
import pytest
from harness import Case, check_case, normal

import chainrule as cr

CASES = [
    Case("reshape", lambda x: x.reshape(4, 3), lambda x: x.reshape(4, 3), normal(3, 4)),
    Case("reshape", lambda x: x.reshape(-1), lambda x: x.reshape(-1), normal(2, 3, 2), "minus-one"),
    Case("transpose", lambda x: x.T, lambda x: x.T, normal(3, 4), "matrix"),
    Case("transpose", lambda x: x.transpose(2, 0, 1), lambda x: x.permute(2, 0, 1), normal(2, 3, 4), "permute"),
    Case("swapaxes", lambda x: x.swapaxes(0, 2), lambda x: x.swapaxes(0, 2), normal(2, 3, 4)),
    Case("flatten", lambda x: cr.flatten(x, 1), lambda x: x.flatten(1), normal(2, 3, 4)),
    Case("broadcast_to", lambda x: cr.broadcast_to(x, (2, 3, 4)), lambda x: x.broadcast_to((2, 3, 4)), normal(3, 1)),
    Case("concat", lambda a, b: cr.concat([a, b], axis=1), lambda a, b: __import__("torch").cat([a, b], 1),
         normal((2, 3), (2, 5))),
    Case("stack", lambda a, b: cr.stack([a, b], axis=1), lambda a, b: __import__("torch").stack([a, b], 1),
         normal((2, 3), (2, 3))),
    Case("split", lambda x: cr.split(x, [1, 3], axis=1),
         lambda x: __import__("torch").tensor_split(x, [1, 3], dim=1), normal(2, 5), "indices"),
    Case("split", lambda x: cr.split(x, 3), lambda x: x.split(2), normal(6, 2), "sections"),
]


CASES += [  # issue 15
    Case("squeeze", cr.squeeze, lambda x: x.squeeze(), normal(3, 1, 4, 1), "all"),
    Case("squeeze", lambda x: cr.squeeze(x, -1), lambda x: x.squeeze(-1), normal(3, 1, 4, 1), "axis"),
    Case("unsqueeze", lambda x: cr.unsqueeze(x, 1), lambda x: x.unsqueeze(1), normal(3, 4)),
    Case("expand_dims", lambda x: cr.expand_dims(x, -1), lambda x: x.unsqueeze(-1), normal(3, 4)),
    Case("pad", lambda x: cr.pad(x, ((1, 0), (2, 3)), value=0.5),
         lambda x: __import__("torch").nn.functional.pad(x, (2, 3, 1, 0), value=0.5), normal(3, 4)),
    Case("pad", lambda x: cr.pad(x, 1), lambda x: __import__("torch").nn.functional.pad(x, (1, 1, 1, 1, 1, 1)),
         normal(2, 2, 3), "every-side"),
    Case("repeat", lambda x: cr.repeat(x, 3, axis=1), lambda x: x.repeat_interleave(3, dim=1), normal(2, 3)),
    Case("repeat", lambda x: cr.repeat(x, 2), lambda x: x.repeat_interleave(2), normal(2, 3), "flattened"),
    Case("tile", lambda x: cr.tile(x, (2, 1, 3)), lambda x: x.repeat(2, 1, 3), normal(2, 3)),
    Case("tile", lambda x: cr.tile(x, 2), lambda x: x.repeat(1, 2), normal(2, 3), "int"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_split_with_an_unused_piece_gives_zero_gradient_there():
    x = cr.Tensor(np.arange(6.0), requires_grad=True)
    first, _ = cr.split(x, 2)
    (first * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2, 2, 2, 0, 0, 0])


def test_reshape_error_counts_elements():
    with pytest.raises(ValueError, match=r"\(2, 3\) \(6 elements\) into \(4, 2\)"):
        cr.Tensor(np.zeros((2, 3))).reshape(4, 2)


def test_concat_error_names_shapes():
    with pytest.raises(ValueError, match="must agree except along axis 0"):
        cr.concat([cr.Tensor(np.zeros((2, 3))), cr.Tensor(np.zeros((2, 4)))], axis=0)


def test_squeeze_refuses_an_axis_that_is_not_length_one():
    with pytest.raises(ValueError, match="has length 4, not 1"):
        cr.squeeze(cr.Tensor(np.zeros((3, 4))), 1)


def test_pad_explains_bad_widths():
    with pytest.raises(ValueError, match="before, after"):
        cr.pad(cr.Tensor(np.zeros((3, 4))), [(1, 1), (1, 1), (1, 1)])


def test_split_on_an_empty_axis_and_with_cuts_out_of_order():
    """np.split's rules, forward and backward (issue 14, #6)."""
    pieces = cr.ops.split(cr.Tensor(np.zeros((0, 3))), 2, axis=0)
    assert [p.shape for p in pieces] == [(0, 3), (0, 3)]
    x = cr.Tensor(np.arange(8.0), requires_grad=True, dtype=np.float64)
    pieces = cr.ops.split(x, [4, 2])  # x[:4], x[4:2] (empty), x[2:]: elements 2, 3 are in two pieces
    assert [p.data.tolist() for p in pieces] == [[0, 1, 2, 3], [], [2, 3, 4, 5, 6, 7]]
    sum(p.sum() for p in pieces).backward()
    assert x.grad.data.tolist() == [1, 1, 2, 2, 1, 1, 1, 1]
