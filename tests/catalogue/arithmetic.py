"""Catalogue entries: + − × ÷ power, negation, matrix product, cast, and their Tensor operators."""

import numpy as np

import chainrule as cr
from catalogue import Entry, Sample
from catalogue.vocabulary import binary, laid_out, singular, to_torch, unary, values


def _pow_samples(rng):
    samples = binary(rng, ("positive", "normal"))
    for p, kind in ((3.0, "normal"), (2.0, "normal"), (0.5, "positive"), (-1.0, "away"), (0.0, "normal")):
        samples += [Sample([values(rng, s, kind)], {"p": p}, f"constant-exponent-{p}-{'x'.join(map(str, s))}")
                    for s in ((), (2, 3))]
    samples += singular([0.0], p=0.0) + singular([0.0], p=2.0) + singular([0.0], p=1.0)
    for b in (2.0, 0.0, 1.5):  # d(aᵇ)/db at a = 0: PyTorch's 0
        samples.append(Sample([np.zeros((2,)), np.full((2,), b)], id=f"zero-base-b={b}", fd=False))
    return samples


def _pow(a, b=None, *, p=None):
    return a**p if b is None else a**b


def _matmul_samples(rng):
    pairs = [((3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (3, 4, 2)), ((4,), (4, 3)), ((3, 4), (4,)),
             ((4,), (4,)), ((0, 4), (4, 3)), ((3, 0), (0, 2)), ((1, 1), (1, 1))]
    samples = [Sample([values(rng, a), values(rng, b)], id=f"{a}@{b}") for a, b in pairs]
    samples.append(Sample([laid_out(values(rng, (3, 4)), "transposed"), laid_out(values(rng, (4, 2)), "reversed")],
                          id="noncontiguous"))
    return samples


def _scalar_samples(rng):
    """A tensor against Python and NumPy constants, for the reflected operators."""
    return [Sample([values(rng, s, "positive")], {"c": c}, f"{type(c).__name__}-{s}")
            for s in ((), (2, 3)) for c in (2.5, np.array([1.5, 0.5, 2.0]))]


def _const(c):
    return c if isinstance(c, float) else to_torch(c)


ENTRIES = [
    Entry("ops.add", cr.ops.add, lambda a, b: a + b, binary, second_order=True),
    Entry("ops.sub", cr.ops.sub, lambda a, b: a - b, binary, second_order=True),
    Entry("ops.mul", cr.ops.mul, lambda a, b: a * b, binary, second_order=True),
    Entry("ops.div", cr.ops.div, lambda a, b: a / b, lambda rng: binary(rng, ("normal", "away")), second_order=True),
    Entry("ops.pow", lambda a, b=None, p=None: cr.ops.pow(a, p if b is None else b), _pow, _pow_samples,
          second_order=True),
    Entry("ops.neg", cr.ops.neg, lambda a: -a, unary, second_order=True),
    Entry("ops.matmul", cr.ops.matmul, lambda a, b: a @ b, _matmul_samples, second_order=True),
    Entry("ops.cast", lambda a: cr.ops.cast(cr.ops.cast(a, np.float32), np.float64) * 1.0,
          lambda a: a.float().double(), lambda rng: [Sample([np.array([0.5, 0.25, -2.0])], id="exact", fd=False)],
          second_order=True, float32=False),
    Entry("Tensor.astype", lambda a: a.astype(np.float32).astype(np.float64),
          lambda a: a.float().double(), lambda rng: [Sample([np.array([[0.5, 0.25], [-2.0, 8.0]])], id="exact", fd=False)],
          second_order=True, float32=False),
    Entry("Tensor.__add__", lambda a, b: a + b, lambda a, b: a + b, binary, second_order=True),
    Entry("Tensor.__sub__", lambda a, b: a - b, lambda a, b: a - b, binary, second_order=True),
    Entry("Tensor.__mul__", lambda a, b: a * b, lambda a, b: a * b, binary, second_order=True),
    Entry("Tensor.__truediv__", lambda a, b: a / b, lambda a, b: a / b, lambda rng: binary(rng, ("normal", "away")),
          second_order=True),
    Entry("Tensor.__pow__", lambda a, b=None, p=None: a ** (p if b is None else b), _pow, _pow_samples,
          second_order=True),
    Entry("Tensor.__neg__", lambda a: -a, lambda a: -a, unary, second_order=True),
    Entry("Tensor.__matmul__", lambda a, b: a @ b, lambda a, b: a @ b, _matmul_samples, second_order=True),
    Entry("Tensor.__radd__", lambda a, c: c + a, lambda a, c: _const(c) + a, _scalar_samples, second_order=True),
    Entry("Tensor.__rsub__", lambda a, c: c - a, lambda a, c: _const(c) - a, _scalar_samples, second_order=True),
    Entry("Tensor.__rmul__", lambda a, c: c * a, lambda a, c: _const(c) * a, _scalar_samples, second_order=True),
    Entry("Tensor.__rtruediv__", lambda a, c: c / a, lambda a, c: _const(c) / a, _scalar_samples, second_order=True),
    Entry("Tensor.__rpow__", lambda a, c: c**a, lambda a, c: _const(c) ** a, _scalar_samples, second_order=True),
    Entry("Tensor.__rmatmul__", lambda a, c: c @ a, lambda a, c: to_torch(c) @ a,
          lambda rng: [Sample([values(rng, (3, 2))], {"c": values(rng, (4, 3))}, "ndarray@tensor"),
                       Sample([values(rng, (3,))], {"c": values(rng, (3,))}, "dot")], second_order=True),
]
