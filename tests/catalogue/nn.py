"""Catalogue entries: the layers' functional cores — linear, conv2d, pooling, batch_norm, dropout,
embedding and the recurrent cells."""

import numpy as np

import chainrule as cr
from catalogue import Entry, Sample
from catalogue.vocabulary import CONV_GEOMETRIES, laid_out, pool_samples, to_torch, torch, values
from chainrule.ops.recurrent import GATES

ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu")


def torch_activation(y, activation):
    return {"linear": lambda v: v, "sigmoid": torch().sigmoid, "tanh": torch().tanh, "relu": torch().relu}[activation](y)


# ------------------------------------------------------------------------ linear
def _linear_samples(rng):
    samples = []
    for activation in ACTIVATIONS:
        for n in (3, 1, 0):  # an ordinary batch, one sample, an empty batch
            samples.append(Sample([values(rng, (n, 4)), values(rng, (4, 2)), values(rng, (2,))],
                                  {"activation": activation}, f"{activation}-N={n}", fd=activation != "relu"))
        samples.append(Sample([values(rng, (3, 4)), values(rng, (4, 2))], {"activation": activation},
                              f"{activation}-no-bias", fd=activation != "relu"))
    samples.append(Sample([laid_out(values(rng, (3, 4)), "transposed"), laid_out(values(rng, (4, 2)), "reversed"),
                           values(rng, (2,))], {"activation": "tanh"}, "noncontiguous"))
    # σ(z) for z = −40, −20, 3, 1000: the fused activation must keep relative precision (σ(−40) ≈ 4e-18)
    samples.append(Sample([np.array([[1.0], [0.5]]), np.array([[-40.0, -20.0, 3.0, 1000.0]]), np.zeros(4)],
                          {"activation": "sigmoid"}, "sigmoid-saturating", fd=False, atol=0.0))
    return samples


def _linear(x, w, b=None, activation="linear"):
    return cr.ops.linear(x, w, b, activation)


def _torch_linear(x, w, b=None, activation="linear"):
    return torch_activation(x @ w if b is None else x @ w + b, activation)


# ------------------------------------------------------------------------ conv2d
def _conv_samples(rng):
    samples = []
    for h, w, k, s, p, d in CONV_GEOMETRIES:
        kh, kw = (k, k) if isinstance(k, int) else k
        kwargs = {"stride": s, "padding": p, "dilation": d}
        samples.append(Sample([values(rng, (2, 2, h, w)), values(rng, (3, 2, kh, kw)), values(rng, (3,))], kwargs,
                              f"{h}x{w}-k{k}-s{s}-p{p}-d{d}"))
    samples.append(Sample([values(rng, (2, 1, 5, 5)), values(rng, (2, 1, 3, 3))], {}, "one-channel-no-bias"))
    samples.append(Sample([values(rng, (0, 2, 5, 5)), values(rng, (3, 2, 3, 3)), values(rng, (3,))], {},
                          "empty-batch"))
    for activation in ("sigmoid", "tanh"):
        samples.append(Sample([values(rng, (1, 2, 4, 4)), values(rng, (3, 2, 3, 3)), values(rng, (3,))],
                              {"activation": activation}, activation))
    x = np.ones((1, 1, 3, 3))
    samples.append(Sample([x, np.full((2, 1, 3, 3), -40.0 / 9), np.array([0.0, -1000.0])],
                          {"activation": "sigmoid"}, "sigmoid-saturating", fd=False, atol=0.0))
    samples.append(Sample([np.ascontiguousarray(values(rng, (2, 4, 4, 2))).transpose(0, 3, 1, 2),
                           values(rng, (3, 2, 2, 2)), values(rng, (3,))], {"stride": 2}, "channels-last"))
    return samples


def _conv(x, w, b=None, stride=1, padding=0, dilation=1, activation="linear"):
    return cr.ops.conv2d(x, w, b, stride, padding, dilation, activation)


def _torch_conv(x, w, b=None, stride=1, padding=0, dilation=1, activation="linear"):
    return torch_activation(torch().nn.functional.conv2d(x, w, b, stride, padding, dilation), activation)


# ----------------------------------------------------------------------- pooling
def _pool_all(rng):
    samples = pool_samples(rng)
    samples.append(Sample([values(rng, (1, 2, 4, 4), "ties")], {"kernel_size": 2, "stride": 1, "padding": 0},
                          "ties", fd=False))
    return samples


# -------------------------------------------------------------------- batch norm
def _bn_samples(rng):
    samples = []
    for shape in ((4, 3), (2, 3, 2, 2), (2, 1), (3, 2, 1, 1)):
        c = shape[1]
        args = [values(rng, shape), values(rng, (c,)) + 1.5, values(rng, (c,))]
        samples.append(Sample(args, {"training": True}, f"train-{shape}"))
        samples.append(Sample(args, {"training": False, "stats": (values(rng, (c,)), values(rng, (c,), "positive"))},
                              f"eval-{shape}"))
    samples.append(Sample([laid_out(values(rng, (4, 3)), "transposed"), np.ones(3), np.zeros(3)], {"training": True},
                          "transposed"))
    return samples


def _batch_norm(x, gamma, beta, training, stats=(None, None)):
    mean, var = (None, None) if stats[0] is None else (stats[0].astype(x.dtype), stats[1].astype(x.dtype))
    return cr.ops.batch_norm(x, gamma, beta, mean, var, training)


def _torch_batch_norm(x, gamma, beta, training, stats=(None, None)):
    mean, var = (None, None) if stats[0] is None else (to_torch(stats[0]), to_torch(stats[1]))
    return torch().nn.functional.batch_norm(x, mean, var, gamma, beta, training, 0.1, 1e-5)


# ---------------------------------------------------------------------- dropout
def _dropout_mask(shape, p, dtype=np.float64):
    """The mask `chainrule.ops.dropout` draws from np.random.default_rng(0), scaled by 1/(1 − p)."""
    keep = np.random.default_rng(0).random(shape, dtype=np.float32) >= p
    return np.asarray(keep.astype(dtype) / (1 - p))


def _dropout_samples(rng):
    return [Sample([values(rng, s)], {"p": p}, f"{s}-p={p}") for s in ((4, 5), (), (0, 3)) for p in (0.0, 0.3)]


# -------------------------------------------------------------------- embedding
def _embedding_samples(rng):
    indices = [np.array([2, 0, 2, 2]), np.array([[1, 3], [3, 1]]), np.array([], dtype=int), np.array(1)]
    return [Sample([values(rng, (4, 3))], {"indices": i}, f"indices{i.shape}") for i in indices]


# -------------------------------------------------------------------- recurrent
def _recurrent_samples(cell):
    states = 2 if cell == "lstm" else 1

    def make(rng):
        samples = []
        for n, t, f, h in ((2, 3, 3, 4), (1, 1, 2, 3)):
            g = GATES[cell]
            arrays = [values(rng, (n, t, f))] + [values(rng, (n, h)) for _ in range(states)]
            arrays += [0.6 * values(rng, s) for s in ((f, g * h), (h, g * h), (g * h,), (g * h,))]
            samples.append(Sample(arrays, id=f"N{n}-T{t}-F{f}-H{h}"))
        if cell != "rnn":  # saturating gates: σ of large negative pre-activations must keep its precision
            gates = {"gru": [-40.0, -40.0, 1.0], "lstm": [-40.0, -40.0, 1.0, 40.0]}[cell]  # lstm: i, f, g, o
            g = len(gates)
            arrays = [np.full((1, 1, 1), 1.0)] + [np.zeros((1, 1)) for _ in range(states)]
            arrays += [np.array([gates]), np.zeros((1, g)), np.zeros(g), np.zeros(g)]
            samples.append(Sample(arrays, id="saturating-gates", fd=False, atol=0.0))
        return samples

    return make


def torch_recurrent(cell):
    """The same computation in torch.nn.{RNN, GRU, LSTM}, with our (transposed) weights as its parameters."""

    def run(x, *rest):
        t = torch()
        module = {"rnn": t.nn.RNN, "gru": t.nn.GRU, "lstm": t.nn.LSTM}[cell]
        module = module(x.shape[2], rest[0].shape[1], batch_first=True).double()
        states, (w_ih, w_hh, b_ih, b_hh) = rest[:-4], rest[-4:]
        params = {"weight_ih_l0": w_ih.T, "weight_hh_l0": w_hh.T, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
        if cell == "lstm":
            y, (h, c) = t.func.functional_call(module, params, (x, (states[0][None], states[1][None])))
            return y, h[0], c[0]
        y, h = t.func.functional_call(module, params, (x, states[0][None]))
        return y, h[0]

    return run


ENTRIES = [
    Entry("ops.linear", _linear, _torch_linear, _linear_samples, second_order=True),
    Entry("ops.conv2d", _conv, _torch_conv, _conv_samples, second_order=True),
    Entry("ops.max_pool2d", cr.ops.max_pool2d, lambda x, **kw: torch().nn.functional.max_pool2d(x, **kw), _pool_all,
          second_order=True),
    Entry("ops.avg_pool2d", cr.ops.avg_pool2d, lambda x, **kw: torch().nn.functional.avg_pool2d(x, **kw),
          pool_samples, second_order=True),
    Entry("ops.batch_norm", _batch_norm, _torch_batch_norm, _bn_samples, second_order=True),
    Entry("ops.dropout", lambda x, p: cr.ops.dropout(x, p, np.random.default_rng(0)),
          lambda x, p: x * torch().from_numpy(_dropout_mask(tuple(x.shape), p)), _dropout_samples, second_order=True),
    Entry("ops.embedding", lambda w, indices: cr.ops.embedding(indices, w),
          lambda w, indices: torch().nn.functional.embedding(to_torch(indices), w), _embedding_samples),
] + [
    Entry(f"ops.{cell}", getattr(cr.ops, cell), torch_recurrent(cell), _recurrent_samples(cell))
    for cell in ("rnn", "gru", "lstm")
]
