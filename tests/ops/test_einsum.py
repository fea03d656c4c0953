"""einsum: gradcheck and PyTorch parity for products, contractions, sums; second order; refused forms."""

import numpy as np
import pytest
from harness import Case, check_case, normal

import chainrule as cr


def _both(subscripts):
    ours = lambda *xs: cr.einsum(subscripts, *xs)  # noqa: E731
    theirs = lambda *xs: __import__("torch").einsum(subscripts, *xs)  # noqa: E731
    return ours, theirs


CASES = [
    Case("einsum", *_both("ij,jk->ik"), normal((2, 3), (3, 4)), "matmul"),
    Case("einsum", *_both("bij,bjk->bik"), normal((2, 2, 3), (2, 3, 2)), "batched"),
    Case("einsum", *_both("ij,jk,k->i"), normal((2, 3), (3, 4), (4,)), "three-operands"),
    Case("einsum", *_both("ij,k->jk"), normal((2, 3), (4,)), "summed-in-one-operand"),
    Case("einsum", *_both("ij->ji"), normal(3, 4), "transpose"),
    Case("einsum", *_both("i,j"), normal((3,), (4,)), "implicit-outer"),
    Case("einsum", *_both("ij,ij->"), normal((3, 4), (3, 4)), "dot"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_backward_is_an_einsum_so_second_derivatives_work():
    rng = np.random.default_rng(0)
    b = cr.Tensor(rng.standard_normal((3, 2)), dtype=np.float64)
    cr.gradcheck(lambda a: cr.grad((cr.einsum("ij,jk->ik", a, b) ** 2).sum(), [a], create_graph=True)[0],
                 [rng.standard_normal((2, 3))])


@pytest.mark.parametrize("subscripts, operands, message", [
    ("ii->", [np.eye(2)], "repeats within the operand"),
    ("...i->i", [np.eye(2)], "ellipsis"),
    ("ij,jk->ik", [np.eye(2)], "names 2 operands"),
    ("ij,jk->ik", [np.ones((2, 3)), np.ones((2, 3))], "letter 'j' has length 3"),
    ("ij->q", [np.eye(2)], "output"),
])
def test_unsupported_or_wrong_subscripts_are_explained(subscripts, operands, message):
    with pytest.raises(ValueError, match=message):
        cr.einsum(subscripts, *[cr.Tensor(o) for o in operands])
