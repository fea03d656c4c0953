"""`einsum`: sums of products written with index letters, and a backward that is itself an einsum.

Forward. For subscripts such as ``"ij,jk->ik"``, with s_j the letters of operand j and s_out
those of the output, every letter names an axis and letters missing from s_out are summed:

    y[s_out] = Σ_{letters not in s_out} Π_j x_j[s_j]            (matmul: y_ik = Σ_j a_ij b_jk)

Backward. y is linear in each operand, so for operand k

    ∂y[s_out]/∂x_k[s_k] = Σ_{letters in neither s_out nor s_k} Π_{j≠k} x_j[s_j]

and the chain rule, ∂L/∂x_k[s_k] = Σ_{s_out} g[s_out] · ∂y[s_out]/∂x_k[s_k], sums the product
of g and the *other* operands over every letter that is not in s_k:

    ∂L/∂x_k = einsum("s_out, s_j (j ≠ k) -> s_k", g, x_j (j ≠ k))

— the same kind of sum of products, with g in the place of x_k and s_k as the output
(for matmul: ∂L/∂a = einsum("ik,jk->ij", g, b) = g·bᵀ, ∂L/∂b = einsum("ik,ij->jk", g, a)
= aᵀ·g). A letter of s_k that appears nowhere else was summed over in the forward pass; the
gradient does not depend on it, so it is broadcast along that axis (∂Σ_i x_i/∂x_i = 1).
With create_graph the backward calls this same operation on tensors, so einsum supports
derivatives of any order.

Limits: explicit letters only (no ``...``), and no letter twice within one operand (traces
and diagonals such as ``"ii->"``): both are refused with a message.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.ops.dual import broadcast_to
from chainrule.tensor import Tensor


class Einsum(Operation):
    """y = einsum(subscripts, *xs); ∂L/∂x_k = einsum(s_out, s_j (j≠k) -> s_k) (module docstring)."""

    def __init__(self, terms: list[str], output: str) -> None:
        self.terms, self.output = terms, output

    def forward(self, *xs):
        return np.asarray(np.einsum(",".join(self.terms) + "->" + self.output, *xs, optimize=True))

    def backward(self, g, *xs_and_y):
        xs = xs_and_y[:-1]
        grads = []
        for k, (x, letters) in enumerate(zip(xs, self.terms)):
            if not self.needs_grad[k]:
                grads.append(None)
                continue
            others = [self.terms[j] for j in range(len(xs)) if j != k]
            seen = set(self.output).union(*others)
            kept = "".join(c for c in letters if c in seen)
            operands = [g] + [xs[j] for j in range(len(xs)) if j != k]
            gk = _einsum([self.output] + others, kept, operands)
            if kept != letters:  # letters summed in x_k alone: broadcast back along them
                gk = broadcast_to(gk.reshape(tuple(n if c in seen else 1 for c, n in zip(letters, x.shape))), x.shape)
            grads.append(gk)
        return tuple(grads)


def _einsum(inputs: list[str], output: str, operands: list[Any]) -> Any:
    if any(isinstance(x, Tensor) for x in operands):
        return Einsum(inputs, output)(*operands)
    return np.asarray(np.einsum(",".join(inputs) + "->" + output, *operands, optimize=True))


def parse_subscripts(subscripts: str, count: int) -> tuple[list[str], str]:
    """("ij,jk->ik", 2) → (["ij", "jk"], "ik"); without "->", the output is the letters used once, sorted."""
    text = subscripts.replace(" ", "")
    if "." in text:
        raise ValueError(f"einsum: ellipsis ('...') is not supported, got {subscripts!r}; name every axis")
    left, arrow, output = text.partition("->")
    inputs = left.split(",")
    if len(inputs) != count:
        raise ValueError(f"einsum: {subscripts!r} names {len(inputs)} operands but {count} were given")
    letters = "".join(inputs)
    if not all(c.isalpha() for c in letters + output):
        raise ValueError(f"einsum: subscripts must be letters, got {subscripts!r}")
    if not arrow:
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for term in inputs:
        if len(set(term)) != len(term):
            raise ValueError(f"einsum: a letter repeats within the operand {term!r} (a trace or diagonal), which "
                             "is not supported; take the diagonal with indexing first")
    if len(set(output)) != len(output) or not set(output) <= set(letters):
        raise ValueError(f"einsum: the output {output!r} must use distinct letters that appear in the inputs")
    return inputs, output


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Sum of products over index letters, as ``np.einsum`` / ``torch.einsum``.

    y[s_out] = Σ_{other letters} Π_j x_j[s_j];  ∂L/∂x_k = einsum("s_out, s_j (j ≠ k) -> s_k", g, x_j (j ≠ k))
    (derivation in the module docstring).

    >>> a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((3, 4)))
    >>> einsum("ij,jk->ik", a, b).shape
    (2, 4)
    """
    inputs, output = parse_subscripts(subscripts, len(operands))
    sizes: dict[str, int] = {}
    for term, x in zip(inputs, operands):
        shape = tuple(getattr(x, "shape", np.shape(x)))
        if len(shape) != len(term):
            raise ValueError(f"einsum: operand {term!r} has {len(term)} letters but shape {shape}")
        for c, n in zip(term, shape):
            if sizes.setdefault(c, n) != n:
                raise ValueError(f"einsum: letter {c!r} has length {sizes[c]} in one operand and {n} in another")
    return Einsum(inputs, output)(*operands)
