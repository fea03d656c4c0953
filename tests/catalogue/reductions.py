"""Catalogue entries: sum, mean, max, sum_to, and the Tensor reduction methods."""

import chainrule as cr
from catalogue import Entry, Sample
from catalogue.vocabulary import laid_out, reductions, torch, values

FIRST_MAXIMUM = (
    "max sends the whole gradient to the FIRST maximal element of each reduced slice (C order over the "
    "reduced axes), as max pooling does; torch.amax splits it evenly among ties"
)


def _torch_reduction(name):
    def run(x, axis=None, keepdims=False):
        if axis == ():
            return x * 1.0  # reducing over no axis: chainrule returns x unchanged
        dims = tuple(range(x.ndim)) if axis is None else axis
        return getattr(torch(), name)(x, dim=dims, keepdim=keepdims)

    return run


def first_maximum(x, axis=None, keepdims=False):
    """chainrule's documented max in torch: the value at the first arg-max of each slice."""
    t = torch()
    if axis == ():
        return x * 1.0
    axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in ((axis,) if isinstance(axis, int)
                                                                               else axis))
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = x.permute(*rest, *axes)
    flat = moved.reshape(*moved.shape[: len(rest)], -1)
    y = flat.gather(-1, flat.argmax(-1, keepdim=True)).squeeze(-1)
    if keepdims:
        y = y.reshape([1 if a in axes else n for a, n in enumerate(x.shape)])
    return y


def _max_samples(rng):
    samples = reductions(rng)
    for axis in (None, 1, (0, 2)):
        for keepdims in (False, True):
            samples.append(Sample([values(rng, (2, 3, 4), "ties")], {"axis": axis, "keepdims": keepdims},
                                  f"ties-axis={axis}-keepdims={keepdims}", fd=False, differs=FIRST_MAXIMUM))
    return samples


def _sum_to_samples(rng):
    pairs = [((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), (2, 1)), ((2, 3), ()), ((), ()), ((0, 3), (1, 3)),
             ((2, 3, 4), (3, 1))]
    samples = [Sample([values(rng, s)], {"shape": t}, f"{s}->{t}") for s, t in pairs]
    samples.append(Sample([laid_out(values(rng, (3, 4)), "transposed")], {"shape": (4,)}, "transposed"))
    return samples


def _torch_sum_to(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    y = x.sum(dim=axes, keepdim=True) if axes else x
    return y.reshape(shape)


ENTRIES = [
    Entry("ops.sum", cr.ops.sum, _torch_reduction("sum"), reductions, second_order=True),
    Entry("ops.mean", cr.ops.mean, _torch_reduction("mean"),
          lambda rng: [s for s in reductions(rng) if not s.id.startswith("3x0")], second_order=True),
    Entry("ops.max", cr.ops.max, _torch_reduction("amax"), _max_samples, second_order=True, reference=first_maximum),
    Entry("ops.sum_to", cr.ops.sum_to, _torch_sum_to, _sum_to_samples, second_order=True),
    Entry("Tensor.sum", lambda x, axis=None, keepdims=False: x.sum(axis, keepdims), _torch_reduction("sum"),
          reductions, second_order=True),
    Entry("Tensor.mean", lambda x, axis=None, keepdims=False: x.mean(axis, keepdims), _torch_reduction("mean"),
          lambda rng: [s for s in reductions(rng) if not s.id.startswith("3x0")], second_order=True),
    Entry("Tensor.max", lambda x, axis=None, keepdims=False: x.max(axis, keepdims), _torch_reduction("amax"),
          _max_samples, second_order=True, reference=first_maximum),
]
