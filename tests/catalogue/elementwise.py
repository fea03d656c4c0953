"""Catalogue entries: exp, log, sqrt, abs, clip, the activations, and their Tensor methods."""

import chainrule as cr
from catalogue import Entry, Sample
from catalogue.vocabulary import each, singular, torch, unary, values


def _saturating(rng, **kwargs):
    """±1000 and ±40 (σ(−40) ≈ 4e-18): compared with PyTorch in relative terms (atol = 0)."""
    return [Sample([values(rng, (2, 5), "saturating")], dict(kwargs), "saturating", fd=False, atol=0.0)]


def _softmax_samples(rng):
    samples = [Sample([values(rng, s)], {"axis": a}, f"{s}-axis={a}")
               for s, a in (((2, 3), -1), ((2, 3), 0), ((4,), 0), ((2, 3, 4), 1), ((0, 3), -1), ((2, 1), -1))]
    samples.append(Sample([values(rng, (2, 5), "saturating")], {"axis": -1}, "saturating", fd=False))
    samples.append(Sample([values(rng, (3, 4), "ties")], {"axis": -1}, "ties"))
    return samples


def _clip_samples(rng):
    samples = [Sample([values(rng, s, "away") * 2], {"low": lo, "high": hi}, f"{s}-[{lo},{hi}]")
               for s in ((), (2, 3), (0,)) for lo, hi in ((-1.0, 1.0), (None, 0.5), (-0.5, None))]
    return samples


ENTRIES = [
    Entry("ops.exp", cr.ops.exp, lambda x: x.exp(), each(unary, _saturating), second_order=True),
    Entry("ops.log", cr.ops.log, lambda x: x.log(), each(lambda r: unary(r, "positive"), lambda r: singular([0.0])),
          second_order=True),
    Entry("ops.sqrt", cr.ops.sqrt, lambda x: x.sqrt(),
          each(lambda r: unary(r, "positive"), lambda r: singular([0.0])), second_order=True),
    Entry("ops.abs", cr.ops.abs, lambda x: x.abs(), each(lambda r: unary(r, "away"), lambda r: singular([0.0])),
          second_order=True),
    Entry("ops.clip", lambda x, low=None, high=None: cr.ops.clip(x, low, high),
          lambda x, low=None, high=None: torch().clamp(x, low, high), _clip_samples, second_order=True),
    Entry("ops.sigmoid", cr.ops.sigmoid, lambda x: torch().sigmoid(x), each(unary, _saturating), second_order=True),
    Entry("ops.tanh", cr.ops.tanh, lambda x: torch().tanh(x), each(unary, _saturating), second_order=True),
    Entry("ops.relu", cr.ops.relu, lambda x: torch().relu(x), each(lambda r: unary(r, "away"),
                                                                 lambda r: singular([0.0])), second_order=True),
    Entry("ops.leaky_relu", lambda x, slope=0.01: cr.ops.leaky_relu(x, slope),
          lambda x, slope=0.01: torch().nn.functional.leaky_relu(x, slope),
          each(lambda r: unary(r, "away"), lambda r: unary(r, "away", shapes=[(2, 3)], slope=0.2)),
          second_order=True),
    Entry("ops.softmax", lambda x, axis=-1: cr.ops.softmax(x, axis), lambda x, axis=-1: torch().softmax(x, axis),
          _softmax_samples, second_order=True),
    Entry("ops.log_softmax", lambda x, axis=-1: cr.ops.log_softmax(x, axis),
          lambda x, axis=-1: torch().log_softmax(x, axis), _softmax_samples, second_order=True),
    Entry("Tensor.exp", lambda x: x.exp(), lambda x: x.exp(), unary, second_order=True),
    Entry("Tensor.log", lambda x: x.log(), lambda x: x.log(), lambda r: unary(r, "positive"), second_order=True),
    Entry("Tensor.sqrt", lambda x: x.sqrt(), lambda x: x.sqrt(), lambda r: unary(r, "positive"), second_order=True),
    Entry("Tensor.abs", lambda x: x.abs(), lambda x: x.abs(), lambda r: unary(r, "away"), second_order=True),
]
