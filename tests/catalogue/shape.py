"""Catalogue entries: reshape, transpose, swapaxes, broadcast_to, flatten, concat, stack, split, and Tensor's."""

import chainrule as cr
from catalogue import Entry, Sample
from catalogue.vocabulary import SHAPES, laid_out, shape_id, torch, values


def _reshape_samples(rng):
    cases = [((2, 3), (3, 2)), ((2, 3), (-1,)), ((), (1, 1)), ((1,), ()), ((0, 3), (3, 0)), ((2, 3, 4), (4, -1))]
    samples = [Sample([values(rng, s)], {"shape": t}, f"{shape_id(s)}->{t}") for s, t in cases]
    samples.append(Sample([laid_out(values(rng, (3, 4)), "transposed")], {"shape": (2, 6)}, "transposed"))
    samples.append(Sample([laid_out(values(rng, (3, 4)), "reversed")], {"shape": (12,)}, "reversed"))
    return samples


def _transpose_samples(rng):
    cases = [((2, 3), None), ((2, 3, 4), (1, 2, 0)), ((2, 3, 4), (-1, 0, 1)), ((), None), ((0, 3), None), ((5,), None)]
    samples = [Sample([values(rng, s)], {"axes": a}, f"{shape_id(s)}-{a}") for s, a in cases]
    samples.append(Sample([laid_out(values(rng, (3, 4)), "reversed")], {"axes": None}, "reversed"))
    return samples


def _torch_transpose(x, axes=None):
    return x.permute(tuple(reversed(range(x.ndim))) if axes is None else tuple(axes))


def _swapaxes_samples(rng):
    cases = [((2, 3), 0, 1), ((2, 3, 4), 0, -1), ((2, 3, 4), 1, 1), ((0, 3), 0, 1)]
    return [Sample([values(rng, s)], {"axis1": a, "axis2": b}, f"{shape_id(s)}-{a},{b}") for s, a, b in cases]


def _broadcast_samples(rng):
    cases = [((3,), (2, 3)), ((), (2, 3)), ((2, 1), (2, 4)), ((1, 3), (0, 3)), ((), ()), ((2, 3), (2, 3))]
    return [Sample([values(rng, s)], {"shape": t}, f"{shape_id(s)}->{t}") for s, t in cases]


def _flatten_samples(rng):
    cases = [((2, 3, 4), 0, -1), ((2, 3, 4), 1, -1), ((2, 3, 4), 0, 1), ((), 0, -1), ((0, 3, 2), 1, -1), ((5,), 0, -1)]
    samples = [Sample([values(rng, s)], {"start_axis": a, "end_axis": b}, f"{shape_id(s)}-{a}..{b}")
               for s, a, b in cases]
    samples.append(Sample([laid_out(values(rng, (3, 4)), "transposed")], {"start_axis": 0, "end_axis": -1},
                          "transposed"))
    return samples


def _torch_flatten(x, start_axis=0, end_axis=-1):
    return x.reshape(1) if x.ndim == 0 else torch().flatten(x, start_axis, end_axis)


def _join_samples(rng, new_axis):
    shapes = [[(2, 3), (2, 3)], [(2, 3), (2, 3), (2, 3)], [(3,)], [(0, 3), (0, 3)], [(1, 2), (1, 2)]]
    if not new_axis:
        shapes += [[(2, 3), (4, 3), (0, 3)], [(2, 1), (2, 3)]]
    samples = []
    for group in shapes:
        axes = (0, -1) if new_axis or len({s[-1] for s in group}) == 1 and len({s[0] for s in group}) == 1 else (0,)
        if not new_axis and len({s[0] for s in group}) != 1:
            axes = (0,)
        if not new_axis and len({s[-1] for s in group}) != 1:
            axes = (-1,)
        for axis in axes:
            samples.append(Sample([values(rng, s) for s in group], {"axis": axis},
                                  f"{'+'.join(map(shape_id, group))}-axis={axis}"))
    if new_axis:
        samples.append(Sample([values(rng, ()), values(rng, ())], {"axis": 0}, "0d+0d"))
    samples.append(Sample([laid_out(values(rng, (3, 4)), "transposed"), laid_out(values(rng, (3, 4)), "reversed")],
                          {"axis": 0}, "noncontiguous"))
    return samples


def _split_samples(rng):
    cases = [((6, 2), 3, 0), ((6, 2), [2, 5], 0), ((2, 6), [1, 3], -1), ((6,), [0, 6], 0), ((6,), [4, 2], 0),
             ((8,), [4, 2], 0), ((6,), [2, 2], 0), ((0, 3), 1, 0), ((0, 3), [0], 0), ((6,), [7], 0),
             ((3, 0), 3, 0), ((4,), 1, 0)]
    return [Sample([values(rng, s)], {"indices": i, "axis": a}, f"{shape_id(s)}-{i}-axis={a}") for s, i, a in cases]


def _torch_split(x, indices, axis):
    """np.split's rule in torch: sections, or cuts at `indices` (a later cut before an earlier one gives empty)."""
    length = x.shape[axis]
    if isinstance(indices, int):
        return tuple(torch().tensor_split(x, indices, dim=axis))
    bounds = [0, *indices, length]
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        start, stop = min(start, length), min(stop, length)
        pieces.append(x.narrow(axis % x.ndim, start, max(stop - start, 0)))
    return tuple(pieces)


ENTRIES = [
    Entry("ops.reshape", cr.ops.reshape, lambda x, shape: x.reshape(shape), _reshape_samples, second_order=True),
    Entry("Tensor.reshape", lambda x, shape: x.reshape(*shape) if shape else x.reshape(shape),
          lambda x, shape: x.reshape(shape), _reshape_samples, second_order=True),
    Entry("ops.transpose", cr.ops.transpose, _torch_transpose, _transpose_samples, second_order=True),
    Entry("Tensor.transpose", lambda x, axes=None: x.transpose() if axes is None else x.transpose(*axes),
          _torch_transpose, _transpose_samples, second_order=True),
    Entry("Tensor.T", lambda x: x.T, lambda x: x.permute(tuple(reversed(range(x.ndim)))),
          lambda rng: [Sample([values(rng, s)], id=shape_id(s)) for s in SHAPES], second_order=True),
    Entry("ops.swapaxes", cr.ops.swapaxes, lambda x, axis1, axis2: x.transpose(axis1, axis2), _swapaxes_samples,
          second_order=True),
    Entry("Tensor.swapaxes", lambda x, axis1, axis2: x.swapaxes(axis1, axis2),
          lambda x, axis1, axis2: x.transpose(axis1, axis2), _swapaxes_samples, second_order=True),
    Entry("ops.broadcast_to", cr.ops.broadcast_to, lambda x, shape: x.broadcast_to(shape), _broadcast_samples,
          second_order=True),
    Entry("ops.flatten", cr.ops.flatten, _torch_flatten, _flatten_samples, second_order=True),
    Entry("Tensor.flatten", lambda x, start_axis=0, end_axis=-1: x.flatten(start_axis, end_axis), _torch_flatten,
          _flatten_samples, second_order=True),
    Entry("ops.concat", lambda *xs, axis: cr.ops.concat(xs, axis), lambda *xs, axis: torch().cat(xs, axis),
          lambda rng: _join_samples(rng, False), second_order=True),
    Entry("ops.stack", lambda *xs, axis: cr.ops.stack(xs, axis), lambda *xs, axis: torch().stack(xs, axis),
          lambda rng: _join_samples(rng, True), second_order=True),
    Entry("ops.split", lambda x, indices, axis: cr.ops.split(x, indices, axis), _torch_split, _split_samples,
          second_order=True),
]
