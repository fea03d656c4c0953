"""Catalogue entries: the fused losses."""

import numpy as np

import chainrule as cr
from catalogue import Entry, Sample
from catalogue.vocabulary import to_torch, torch, values


def _ce_samples(rng):
    labels = [np.array([2, 0, 1, 2]), np.array([1, 1, 1, 1])]
    samples = [Sample([values(rng, (4, 3))], {"target": t}, f"labels-{i}") for i, t in enumerate(labels)]
    samples.append(Sample([values(rng, (4, 3))], {"target": np.eye(3)[labels[0]]}, "one-hot"))
    samples.append(Sample([values(rng, (4, 3))], {"target": rng.dirichlet(np.ones(3), 4)}, "soft"))
    samples.append(Sample([values(rng, (1, 4))], {"target": np.array([[0.5, 0.2, 0.1, 0.0]])}, "soft-sum<1"))
    samples.append(Sample([values(rng, (2, 3))], {"target": np.array([[0.5, 0.7, 0.1], [1.0, 1.0, 0.0]])},
                          "soft-sum>1"))
    samples.append(Sample([values(rng, (2, 3, 4))], {"target": rng.integers(0, 4, (2, 3))}, "sequence"))
    samples.append(Sample([values(rng, (2, 4), "saturating")], {"target": np.array([0, 3])}, "saturating", fd=False))
    return samples


def _torch_ce(x, target):
    t = to_torch(target)
    classes = x.shape[-1]
    return torch().nn.functional.cross_entropy(x.reshape(-1, classes),
                                               t.reshape(-1) if target.dtype.kind in "iu" else t.reshape(-1, classes))


def _mse_samples(rng):
    return [Sample([values(rng, s)], {"target": values(rng, s)}, f"{s}") for s in ((3, 2), (), (1,), (4,))]


def _bce_logit_samples(rng):
    return [Sample([values(rng, s)], {"target": t}, name) for s, t, name in (
        ((3, 2), np.array([[0.0, 1.0], [1.0, 0.2], [0.5, 0.0]]), "soft"),
        ((4,), np.array([1.0, 0.0, 1.0, 1.0]), "hard"),
        ((), np.array(1.0), "0d"),
    )] + [Sample([values(rng, (2, 3), "saturating")], {"target": np.array([[1.0, 0.0, 1.0], [0.0, 0.3, 1.0]])},
                 "saturating", fd=False)]


def _bce_samples(rng):
    """Probabilities in (0, 1), and exactly 0 and 1 (PyTorch floors each log at −100)."""
    return [Sample([values(rng, s, "unit")], {"target": t}, name) for s, t, name in (
        ((3, 2), np.array([[0.0, 1.0], [1.0, 0.2], [0.5, 0.0]]), "soft"),
        ((4,), np.array([1.0, 0.0, 1.0, 1.0]), "hard"),
        ((), np.array(0.3), "0d"),
    )] + [Sample([np.array([0.0, 1.0, 0.0, 1.0, 1e-30])], {"target": np.array([0.0, 1.0, 1.0, 0.0, 0.5])},
                 "p-at-0-and-1", fd=False)]


ENTRIES = [
    Entry("ops.softmax_cross_entropy", lambda x, target: cr.ops.softmax_cross_entropy(x, target), _torch_ce,
          _ce_samples, second_order=True),
    Entry("ops.mean_squared_error", lambda x, target: cr.ops.mean_squared_error(x, target),
          lambda x, target: torch().nn.functional.mse_loss(x, to_torch(target)), _mse_samples, second_order=True),
    Entry("ops.binary_cross_entropy", lambda p, target: cr.ops.binary_cross_entropy(p, target),
          lambda p, target: torch().nn.functional.binary_cross_entropy(p, to_torch(target)), _bce_samples,
          second_order=True),
    Entry("ops.binary_cross_entropy_with_logits", lambda x, target: cr.ops.binary_cross_entropy_with_logits(x, target),
          lambda x, target: torch().nn.functional.binary_cross_entropy_with_logits(x, to_torch(target)),
          _bce_logit_samples, second_order=True),
]
