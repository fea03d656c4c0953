"""Catalogue entries: getitem (and Tensor indexing), scatter_add, where."""

import numpy as np

import chainrule as cr
from catalogue import Entry, Sample
from catalogue.vocabulary import BROADCAST_PAIRS, shape_id, to_torch, torch, values

INDICES = [
    ("slice", (slice(1, None), slice(None, None, 2))),
    ("negative-step", (slice(None, None, -1),)),
    ("int", (1,)),
    ("repeated", (np.array([0, 2, 0, 0]),)),
    ("pairs", (np.array([0, 1, 1]), np.array([2, 0, 0]))),
    ("mask", (np.array([True, False, True]),)),
    ("ellipsis-none", (Ellipsis, None)),
    ("empty", (np.array([], dtype=int),)),
]


def _torch_index(index):
    return tuple(to_torch(i) if isinstance(i, np.ndarray) else i for i in index)


def _getitem_samples(rng):
    samples = [Sample([values(rng, (3, 4))], {"index": index}, name) for name, index in INDICES]
    samples.append(Sample([values(rng, ())], {"index": ()}, "0d"))
    samples.append(Sample([values(rng, (3, 4)).T], {"index": (np.array([1, 1, 0]),)}, "transposed-repeated"))
    return samples


def _torch_getitem(x, index):
    """PyTorch has no negative-step slices: flip instead."""
    if index and isinstance(index[0], slice) and index[0].step == -1:
        return x.flip(0)
    return x[_torch_index(index)]


def _scatter_samples(rng):
    cases = [((3, 4), (np.array([0, 2, 0, 0]),), (4, 4)), ((3, 4), (np.array([0, 1, 1]), np.array([2, 0, 0])), (3,)),
             ((3, 4), (np.array([], dtype=int),), (0, 4)), ((4,), (np.array(2),), ())]
    return [Sample([values(rng, x_shape)], {"shape": shape, "index": index}, f"{shape_id(shape)}-{len(index)}")
            for shape, index, x_shape in cases]


def _torch_scatter(x, shape, index):
    return torch().zeros(shape, dtype=x.dtype).index_put(_torch_index(index), x, accumulate=True)


def _where_samples(rng):
    samples = []
    for a, b in BROADCAST_PAIRS:
        shape = np.broadcast_shapes(a, b)
        samples.append(Sample([values(rng, a), values(rng, b)], {"condition": rng.random(shape) < 0.5},
                              f"{shape_id(a)}-{shape_id(b)}"))
    samples.append(Sample([values(rng, (2, 3)), values(rng, (2, 3))], {"condition": np.array([True, False, True])},
                          "condition-broadcast"))
    return samples


ENTRIES = [
    Entry("ops.getitem", lambda x, index: cr.ops.getitem(x, index), _torch_getitem, _getitem_samples,
          second_order=True),
    Entry("Tensor.__getitem__", lambda x, index: x[index], _torch_getitem, _getitem_samples, second_order=True),
    Entry("ops.scatter_add", cr.ops.scatter_add, _torch_scatter, _scatter_samples, second_order=True),
    Entry("ops.where", lambda a, b, condition: cr.ops.where(condition, a, b),
          lambda a, b, condition: torch().where(to_torch(condition), a, b), _where_samples, second_order=True),
]
