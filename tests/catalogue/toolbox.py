"""Catalogue entries for issue 15's operations: the rest of the toolbox, and the Tensor methods.

Elementwise (sin, cos, log1p, expm1, softplus, elu, silu, maximum, minimum), comparisons (boolean,
no gradient), reductions (min, prod, logsumexp, var, std, cumsum, norm, argmax, argmin), shape and
indexing (squeeze, unsqueeze, expand_dims, pad, take_along_axis, einsum, repeat, tile), network
operations (conv_transpose2d, grouped and "same" conv2d, linear on (…, n_in)).
"""

import math

import numpy as np

import chainrule as cr
from catalogue import Entry, Sample
from catalogue.elementwise import _clip_samples, _saturating, _softmax_samples
from catalogue.losses import _ce_samples
from catalogue.reductions import FIRST_MAXIMUM, _torch_reduction, first_maximum
from catalogue.vocabulary import (
    binary, each, laid_out, reductions, singular, to_torch, torch, torch_axis, unary, values,
)

FIRST_MINIMUM = FIRST_MAXIMUM.replace("max", "min").replace("maximal", "minimal").replace("amax", "amin")


def first_minimum(x, axis=None, keepdims=False):
    """chainrule's documented min in torch: −(first maximum of −x)."""
    return -first_maximum(-x, axis, keepdims)


def _min_samples(rng):
    samples = reductions(rng)
    for axis in (None, 1, (0, 2)):
        samples.append(Sample([values(rng, (2, 3, 4), "ties")], {"axis": axis, "keepdims": False},
                              f"ties-axis={axis}", fd=False, differs=FIRST_MINIMUM))
    return samples


def _counted(samples, at_least=2):
    """Reduction samples whose slices hold at least `at_least` elements (var needs n > correction)."""
    kept = []
    for s in samples:
        x, axis = s.inputs[0], s.kwargs.get("axis")
        axes = range(x.ndim) if axis is None else ((axis,) if isinstance(axis, int) else axis)
        if x.size and int(np.prod([x.shape[a] for a in axes])) >= at_least:
            kept.append(s)
    return kept


def _torch_prod(x, axis=None, keepdims=False):
    if axis == ():
        return x * 1.0
    axes = range(x.ndim) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    for a in sorted((a % x.ndim for a in axes), reverse=True):
        x = x.prod(a, keepdim=keepdims)
    return x


def _prod_samples(rng):
    samples = reductions(rng)
    zeros = values(rng, (3, 4))
    zeros[0, 1] = 0.0
    zeros[1, 0] = zeros[1, 2] = 0.0
    samples += [Sample([zeros], {"axis": 1}, "zeros-axis=1"), Sample([zeros], {}, "zeros-all")]
    return samples


def _torch_var(name):
    def run(x, axis=None, keepdims=False, correction=1):
        return getattr(torch(), name)(x, dim=torch_axis(axis, x.ndim), keepdim=keepdims, correction=correction)

    return run


def _var_samples(rng):
    samples = _counted(reductions(rng, axes=[None, 0, -1, (0, 2)]), 3)
    samples.append(Sample([values(rng, (5, 3))], {"axis": 0, "correction": 0}, "correction=0"))
    samples.append(Sample([values(rng, (5, 3))], {"axis": 0, "correction": 2}, "correction=2"))
    return samples


def _norm_samples(rng):
    samples = []
    for p in (2, 1, 3, math.inf):
        for s in reductions(rng, "away", axes=[None, -1, (0, 2)]):
            s.kwargs["p"] = p
            s.id = f"p={p}-{s.id}"
            samples.append(s)
        samples.append(Sample([np.zeros((2, 3))], {"p": p, "axis": 1}, f"p={p}-zeros", fd=False))
    samples.append(Sample([values(rng, (2, 3), "ties")], {"p": math.inf, "axis": 1}, "inf-ties", fd=False))
    return samples


def _torch_norm(x, p=2, axis=None, keepdims=False):
    return torch().linalg.vector_norm(x, p, dim=torch_axis(axis, x.ndim), keepdim=keepdims)


def _cumsum_samples(rng):
    return [Sample([values(rng, s)], {"axis": a}, f"{s}-axis={a}")
            for s, a in (((5,), 0), ((2, 3), 0), ((2, 3), -1), ((2, 3, 4), 1), ((0, 3), 1), ((1, 4), 0))] + [
        Sample([laid_out(values(rng, (3, 4)), "reversed")], {"axis": 1}, "reversed")]


def _as_float_tensor(result):
    """A boolean or integer result as a float64 Tensor (no graph), so the checks can compare it with torch's."""
    return cr.Tensor(np.asarray(result).astype(np.float64), dtype=np.float64)


def _arg_samples(rng):
    return [Sample([values(rng, (2, 3, 4), kind)], {"axis": axis}, f"{kind}-axis={axis}")
            for kind in ("normal", "ties") for axis in (None, 0, -1)] + [
        Sample([values(rng, ())], {"axis": None}, "0d"), Sample([values(rng, (0, 3))], {"axis": 1}, "0x3-axis=1")]


def _comparisons(rng):
    return binary(rng) + binary(rng, ("ties", "ties"))


def _ties(rng):
    return [Sample(s.inputs, id="ties-" + s.id, fd=False) for s in binary(rng, ("ties", "ties"))]


def _squeeze_samples(rng):
    return [Sample([values(rng, s)], {"axis": a}, f"{s}-axis={a}")
            for s, a in (((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), -1), ((1, 3, 1), (0, 2)), ((), None),
                         ((0, 1), 1), ((2, 3), None))]


def _unsqueeze_samples(rng):
    return [Sample([values(rng, s)], {"axis": a}, f"{s}-axis={a}")
            for s, a in (((2, 3), 0), ((2, 3), -1), ((2, 3), 1), ((), 0), ((0, 3), 1))] + [
        Sample([laid_out(values(rng, (3, 4)), "transposed")], {"axis": 1}, "transposed")]


def _pad_samples(rng):
    return [Sample([values(rng, s)], {"pad_width": w, "value": v}, f"{s}-{w}-{v}")
            for s, w, v in (((2, 3), ((1, 0), (2, 3)), 0.0), ((2, 3), 1, 0.5), ((4,), (0, 2), -1.0),
                            ((2, 1, 3), ((0, 0), (1, 1), (0, 2)), 0.0), ((0, 3), ((1, 1), (0, 0)), 0.0))]


def _torch_pad(x, pad_width, value=0.0):
    widths = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    return torch().nn.functional.pad(x, [int(n) for pair in widths[::-1] for n in pair], value=value)


def _take_samples(rng):
    return [
        Sample([values(rng, (3, 4))], {"indices": np.array([[0, 0, 2], [1, 3, 3], [2, 2, 0]]), "axis": 1}, "repeats"),
        Sample([values(rng, (3, 4))], {"indices": np.array([[2, 0, 1, 1], [0, 0, 0, 2]]), "axis": 0}, "axis=0"),
        Sample([values(rng, (2, 3, 2))], {"indices": np.array([[[1, 0]], [[0, 0]]]), "axis": 1}, "3d"),
        Sample([values(rng, (3, 4))], {"indices": np.zeros((3, 0), np.int64), "axis": 1}, "no-indices"),
        Sample([laid_out(values(rng, (3, 4)), "reversed")], {"indices": np.array([[-1], [0], [1]]), "axis": 1},
               "negative-reversed"),
    ]


def _torch_take(x, indices, axis):
    idx = np.where(indices < 0, indices + x.shape[axis], indices)
    return torch().gather(x, axis, torch().from_numpy(idx))


EINSUMS = [("ij,jk->ik", (2, 3), (3, 4)), ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)), ("ij,k->jk", (2, 3), (4,)),
           ("ij->ji", (3, 4)), ("i,j", (3,), (4,)), ("ij,ij->", (3, 4), (3, 4)), ("ij,jk->ik", (0, 3), (3, 2)),
           ("ij,jk,k->i", (2, 3), (3, 4), (4,))]


def _einsum_samples(rng):
    return [Sample([values(rng, s) for s in shapes], {"subscripts": subscripts}, f"{subscripts}-{shapes}")
            for subscripts, *shapes in EINSUMS]


def _repeat_samples(rng):
    return [Sample([values(rng, s)], {"repeats": r, "axis": a}, f"{s}-r={r}-axis={a}")
            for s, r, a in (((2, 3), 3, 1), ((2, 3), 2, 0), ((2, 3), 2, None), ((), 3, None), ((0, 3), 2, 1),
                            ((2, 3), 0, 1))]


def _tile_samples(rng):
    return [Sample([values(rng, s)], {"reps": r}, f"{s}-reps={r}")
            for s, r in (((2, 3), (2, 1, 3)), ((2, 3), 2), ((3,), (2, 2)), ((), (2,)), ((0, 3), (2, 1)),
                         ((2, 3), (1, 0)))]


def _conv_transpose_samples(rng):
    geometries = [  # (H, W, kernel, stride, padding, output_padding, dilation)
        (3, 3, 2, 1, 0, 0, 1), (3, 4, 4, 2, 1, 0, 1), (3, 2, (3, 2), (2, 3), (1, 0), (1, 2), 1),
        (3, 3, 3, 2, 1, 0, 2), (2, 2, 1, 3, 0, 0, 1),
    ]
    samples = []
    for h, w, k, s, p, q, d in geometries:
        kh, kw = (k, k) if isinstance(k, int) else k
        kwargs = {"stride": s, "padding": p, "output_padding": q, "dilation": d}
        samples.append(Sample([values(rng, (2, 3, h, w)), values(rng, (3, 2, kh, kw)), values(rng, (2,))], kwargs,
                              f"{h}x{w}-k{k}-s{s}-p{p}-q{q}-d{d}"))
    samples.append(Sample([values(rng, (0, 2, 3, 3)), values(rng, (2, 2, 2, 2))], {"stride": 2}, "empty-batch"))
    channels_last = np.ascontiguousarray(values(rng, (2, 3, 3, 2))).transpose(0, 3, 1, 2)
    samples.append(Sample([channels_last, values(rng, (2, 3, 3, 3))], {"stride": 2, "padding": 1}, "channels-last"))
    return samples


def _torch_conv_transpose(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1):
    return torch().nn.functional.conv_transpose2d(x, w, b, stride, padding, output_padding, 1, dilation)


def _grouped_conv_samples(rng):
    return [
        Sample([values(rng, (2, 4, 5, 5)), values(rng, (6, 2, 3, 3)), values(rng, (6,))],
               {"groups": 2, "padding": 1, "activation": "tanh"}, "groups=2"),
        Sample([values(rng, (2, 3, 5, 4)), values(rng, (3, 1, 2, 2))], {"groups": 3, "stride": 2}, "depthwise"),
        Sample([values(rng, (1, 2, 5, 6)), values(rng, (3, 2, 3, 3)), values(rng, (3,))],
               {"padding": "same", "dilation": (1, 2)}, "same-dilated"),
        Sample([values(rng, (0, 4, 4, 4)), values(rng, (4, 2, 3, 3))], {"groups": 2, "padding": "same"}, "empty-batch"),
    ]


def _grouped_conv(x, w, b=None, stride=1, padding=0, dilation=1, activation="linear", groups=1):
    return cr.ops.conv2d(x, w, b, stride, padding, dilation, activation, groups)


def _torch_grouped_conv(x, w, b=None, stride=1, padding=0, dilation=1, activation="linear", groups=1):
    y = torch().nn.functional.conv2d(x, w, b, stride, padding, dilation, groups)
    return torch().tanh(y) if activation == "tanh" else y


def _ceil_pool_samples(rng, average=False):
    """Ceil mode (a last window past the padding) and, for the average, padding left out of the divisor."""
    samples = []
    for h, w, k, s, p in ((5, 5, 2, 2, 0), (6, 7, 3, 2, 1), (8, 8, 2, 3, 0), (6, 7, (2, 3), (3, 2), (1, 1))):
        for options in ({"ceil_mode": True}, {"ceil_mode": True, "count_include_pad": False},
                        {"count_include_pad": False}):
            if "count_include_pad" in options and not average:
                continue
            kwargs = {"kernel_size": k, "stride": s, "padding": p, **options}
            samples.append(Sample([values(rng, (2, 2, h, w))], kwargs, f"{h}x{w}-k{k}-s{s}-p{p}-{options}"))
    return samples


def _linear_nd_samples(rng):
    return [Sample([values(rng, x), values(rng, (4, 3)), values(rng, (3,))], {}, f"{x}")
            for x in ((2, 5, 4), (2, 1, 2, 4), (4,), (0, 2, 4))]


def _smoothing_samples(rng):
    """The cross-entropy samples whose rows sum to 1 (PyTorch smooths those), with ε = 0.1 and 1."""
    return [Sample(s.inputs, {**s.kwargs, "label_smoothing": eps}, f"smoothing={eps}-{s.id}", s.fd)
            for s in _ce_samples(rng) if "sum" not in s.id for eps in (0.1, 1.0)]


def _torch_smoothed_ce(x, target, label_smoothing):
    t = to_torch(target)
    classes = x.shape[-1]
    t = t.reshape(-1) if target.dtype.kind in "iu" else t.reshape(-1, classes)
    return torch().nn.functional.cross_entropy(x.reshape(-1, classes), t, label_smoothing=label_smoothing)


COMPARISONS = {"less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge", "equal": "eq",
               "not_equal": "ne"}
OPERATORS = {"less": "__lt__", "less_equal": "__le__", "greater": "__gt__", "greater_equal": "__ge__",
             "equal": "__eq__", "not_equal": "__ne__"}


def _compare_entries():
    entries = []
    for name, torch_name in COMPARISONS.items():
        theirs = (lambda t: lambda a, b: getattr(torch(), t)(a, b).double())(torch_name)
        ours = (lambda n: lambda a, b: _as_float_tensor(getattr(cr.ops, n)(a, b)))(name)
        method = (lambda m: lambda a, b: _as_float_tensor(getattr(a, m)(b)))(OPERATORS[name])
        entries.append(Entry(f"ops.{name}", ours, theirs, _comparisons, differentiable=False, float32=False))
        entries.append(Entry(f"Tensor.{OPERATORS[name]}", method, theirs, _comparisons, differentiable=False,
                             float32=False))
    return entries


def _arg_entries():
    entries = []
    for name in ("argmax", "argmin"):
        theirs = (lambda n: lambda x, axis=None: getattr(torch(), n)(x, dim=axis).double())(name)
        entries.append(Entry(f"ops.{name}", (lambda n: lambda x, axis=None: _as_float_tensor(
            getattr(cr.ops, n)(x, axis)))(name), theirs, _arg_samples, differentiable=False, float32=False))
        entries.append(Entry(f"Tensor.{name}", (lambda n: lambda x, axis=None: _as_float_tensor(
            getattr(x, n)(axis)))(name), theirs, _arg_samples, differentiable=False, float32=False))
    return entries


def _torch_fn(path):
    def run(*xs, **kwargs):
        fn = torch()
        for part in path.split("."):
            fn = getattr(fn, part)
        return fn(*xs, **kwargs)

    return run


ENTRIES = [
    # ------------------------------------------------------------ elementwise
    Entry("ops.sin", cr.ops.sin, _torch_fn("sin"), unary, second_order=True),
    Entry("ops.cos", cr.ops.cos, _torch_fn("cos"), unary, second_order=True),
    Entry("ops.log1p", cr.ops.log1p, _torch_fn("log1p"),
          each(lambda r: unary(r, "positive"), lambda r: unary(r, "unit", shapes=[(2, 3)]),
               lambda r: singular([-1.0])), second_order=True),
    Entry("ops.expm1", cr.ops.expm1, _torch_fn("expm1"), each(unary, lambda r: [Sample([np.array([1e-12, -3e-9])],
                                                                                      id="tiny", atol=0.0)]),
          second_order=True),
    Entry("ops.softplus", lambda x, beta=1.0: cr.ops.softplus(x, beta),
          lambda x, beta=1.0: torch().nn.functional.softplus(x, beta),
          each(unary, _saturating, lambda r: unary(r, shapes=[(2, 3)], beta=2.5)), second_order=True),
    Entry("ops.elu", lambda x, alpha=1.0: cr.ops.elu(x, alpha), lambda x, alpha=1.0: torch().nn.functional.elu(x, alpha),
          each(lambda r: unary(r, "away"), lambda r: unary(r, "away", shapes=[(2, 3)], alpha=0.3),
               lambda r: [Sample([values(r, (2, 5), "saturating")], id="saturating", fd=False)]), second_order=True),
    Entry("ops.silu", cr.ops.silu, lambda x: torch().nn.functional.silu(x), each(unary, _saturating),
          second_order=True),
    Entry("ops.maximum", cr.ops.maximum, _torch_fn("maximum"), each(binary, _ties), second_order=True),
    Entry("ops.minimum", cr.ops.minimum, _torch_fn("minimum"), each(binary, _ties), second_order=True),
    *_compare_entries(),
    # ------------------------------------------------------------- reductions
    Entry("ops.min", cr.ops.min, _torch_reduction("amin"), _min_samples, second_order=True, reference=first_minimum),
    Entry("ops.prod", cr.ops.prod, _torch_prod, _prod_samples),
    Entry("ops.logsumexp", cr.ops.logsumexp, _torch_reduction("logsumexp"),
          each(lambda r: [s for s in reductions(r) if s.kwargs["axis"] != ()],
               lambda r: [Sample([values(r, (2, 5), "saturating")], {"axis": -1}, "saturating", fd=False)]),
          second_order=True),
    Entry("ops.var", cr.ops.var, _torch_var("var"), _var_samples, second_order=True),
    Entry("ops.std", cr.ops.std, _torch_var("std"), _var_samples, second_order=True),
    Entry("ops.norm", cr.ops.norm, _torch_norm, _norm_samples, second_order=True),
    Entry("ops.cumsum", cr.ops.cumsum, lambda x, axis: torch().cumsum(x, axis), _cumsum_samples, second_order=True),
    *_arg_entries(),
    # ------------------------------------------------------- shape, indexing
    Entry("ops.squeeze", cr.ops.squeeze, lambda x, axis=None: x.squeeze() if axis is None else x.squeeze(axis),
          _squeeze_samples, second_order=True),
    Entry("ops.unsqueeze", cr.ops.unsqueeze, lambda x, axis: x.unsqueeze(axis), _unsqueeze_samples, second_order=True),
    Entry("ops.expand_dims", cr.ops.expand_dims, lambda x, axis: x.unsqueeze(axis), _unsqueeze_samples,
          second_order=True),
    Entry("ops.pad", cr.ops.pad, _torch_pad, _pad_samples, second_order=True),
    Entry("ops.take_along_axis", cr.ops.take_along_axis, _torch_take, _take_samples, second_order=True),
    Entry("ops.einsum", lambda *xs, subscripts: cr.ops.einsum(subscripts, *xs),
          lambda *xs, subscripts: torch().einsum(subscripts, *xs), _einsum_samples, second_order=True),
    Entry("ops.repeat", cr.ops.repeat, lambda x, repeats, axis=None: torch().repeat_interleave(x, repeats, dim=axis),
          _repeat_samples, second_order=True),
    Entry("ops.tile", cr.ops.tile, lambda x, reps: torch().tile(x, (reps,) if isinstance(reps, int) else reps),
          _tile_samples, second_order=True),
    # ------------------------------------------------------ network operations
    Entry("ops.conv_transpose2d", cr.ops.conv_transpose2d, _torch_conv_transpose, _conv_transpose_samples,
          second_order=True),
    Entry("ops.conv2d", _grouped_conv, _torch_grouped_conv, _grouped_conv_samples, second_order=True),
    Entry("ops.max_pool2d", cr.ops.max_pool2d, lambda x, **kw: torch().nn.functional.max_pool2d(x, **kw),
          _ceil_pool_samples, second_order=True),
    Entry("ops.avg_pool2d", cr.ops.avg_pool2d, lambda x, **kw: torch().nn.functional.avg_pool2d(x, **kw),
          lambda rng: _ceil_pool_samples(rng, average=True), second_order=True),
    Entry("ops.linear", lambda x, w, b: cr.ops.linear(x, w, b, "tanh"), lambda x, w, b: torch().tanh(x @ w + b),
          _linear_nd_samples, second_order=True),
        Entry("ops.softmax_cross_entropy",
          lambda x, target, label_smoothing: cr.ops.softmax_cross_entropy(x, target, label_smoothing),
          _torch_smoothed_ce, _smoothing_samples, second_order=True),
    # ---------------------------------------------------------- Tensor methods
    Entry("Tensor.relu", lambda x: x.relu(), lambda x: x.relu(), lambda r: unary(r, "away"), second_order=True),
    Entry("Tensor.tanh", lambda x: x.tanh(), lambda x: x.tanh(), each(unary, _saturating), second_order=True),
    Entry("Tensor.sigmoid", lambda x: x.sigmoid(), lambda x: x.sigmoid(), each(unary, _saturating), second_order=True),
    Entry("Tensor.softmax", lambda x, axis=-1: x.softmax(axis), lambda x, axis=-1: x.softmax(axis), _softmax_samples,
          second_order=True),
    Entry("Tensor.log_softmax", lambda x, axis=-1: x.log_softmax(axis), lambda x, axis=-1: x.log_softmax(axis),
          _softmax_samples, second_order=True),
    Entry("Tensor.clip", lambda x, low=None, high=None: x.clip(low, high),
          lambda x, low=None, high=None: x.clamp(low, high), _clip_samples, second_order=True),
    Entry("Tensor.sin", lambda x: x.sin(), lambda x: x.sin(), unary, second_order=True),
    Entry("Tensor.cos", lambda x: x.cos(), lambda x: x.cos(), unary, second_order=True),
    Entry("Tensor.log1p", lambda x: x.log1p(), lambda x: x.log1p(), lambda r: unary(r, "positive"), second_order=True),
    Entry("Tensor.expm1", lambda x: x.expm1(), lambda x: x.expm1(), unary, second_order=True),
    Entry("Tensor.min", lambda x, axis=None, keepdims=False: x.min(axis, keepdims), _torch_reduction("amin"),
          _min_samples, second_order=True, reference=first_minimum),
    Entry("Tensor.prod", lambda x, axis=None, keepdims=False: x.prod(axis, keepdims), _torch_prod, _prod_samples),
    Entry("Tensor.cumsum", lambda x, axis: x.cumsum(axis), lambda x, axis: x.cumsum(axis), _cumsum_samples,
          second_order=True),
    Entry("Tensor.logsumexp", lambda x, axis=None, keepdims=False: x.logsumexp(axis, keepdims),
          _torch_reduction("logsumexp"), lambda r: [s for s in reductions(r) if s.kwargs["axis"] != ()],
          second_order=True),
    Entry("Tensor.var", lambda x, axis=None, keepdims=False, correction=1: x.var(axis, keepdims, correction),
          _torch_var("var"), _var_samples, second_order=True),
    Entry("Tensor.std", lambda x, axis=None, keepdims=False, correction=1: x.std(axis, keepdims, correction),
          _torch_var("std"), _var_samples, second_order=True),
    Entry("Tensor.norm", lambda x, p=2, axis=None, keepdims=False: x.norm(p, axis, keepdims), _torch_norm,
          _norm_samples, second_order=True),
    Entry("Tensor.squeeze", lambda x, axis=None: x.squeeze(axis),
          lambda x, axis=None: x.squeeze() if axis is None else x.squeeze(axis), _squeeze_samples, second_order=True),
    Entry("Tensor.unsqueeze", lambda x, axis: x.unsqueeze(axis), lambda x, axis: x.unsqueeze(axis),
          _unsqueeze_samples, second_order=True),
    Entry("Tensor.tile", lambda x, reps: x.tile(reps),
          lambda x, reps: torch().tile(x, (reps,) if isinstance(reps, int) else reps), _tile_samples,
          second_order=True),
]
