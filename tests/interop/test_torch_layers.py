"""One layer at a time through PyTorch and back: equal outputs in float64, in training and evaluation mode."""

import pickle

import numpy as np
import pytest

import chainrule as cr
from chainrule.interop import RecurrentOutputs, UnsupportedLayerError, from_torch, to_torch
from chainrule.layers import (
    GRU, LSTM, RNN, AvgPool2D, BatchNorm, Conv2D, ConvTranspose2D, Embedding, MaxPool2D, TimeDistributed,
)

torch = pytest.importorskip("torch", reason="the PyTorch interop tests need torch")
nn = torch.nn

TOKENS = "tokens"
CASES = {
    "conv same relu": (lambda: Conv2D(4, 3, padding="same", activation="relu"), (3, 2, 7, 7)),
    "conv strided dilated tanh no bias": (
        lambda: Conv2D(3, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), activation="tanh", bias=False),
        (2, 2, 9, 8)),
    "conv same dilated leaky": (lambda: Conv2D(2, 3, padding="same", dilation=2, activation=cr.LeakyReLU(0.2)),
                                (2, 3, 8, 8)),
    "conv channel softmax": (lambda: Conv2D(3, 1, activation=cr.Softmax(1)), (2, 2, 4, 4)),
    "conv grouped": (lambda: Conv2D(6, 3, padding=1, groups=2, activation="tanh"), (2, 4, 5, 5)),
    "conv depthwise": (lambda: Conv2D(4, 3, groups=4, bias=False), (2, 4, 5, 5)),
    "conv transpose": (lambda: ConvTranspose2D(3, 4, stride=2, padding=1, activation="tanh"), (2, 2, 4, 3)),
    "conv transpose output padding dilated": (
        lambda: ConvTranspose2D(2, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2), dilation=(1, 2),
                                bias=False), (2, 3, 3, 4)),
    "max pool": (lambda: MaxPool2D(2), (2, 3, 6, 6)),
    "max pool overlapping padded": (lambda: MaxPool2D(3, stride=2, padding=1), (2, 2, 7, 7)),
    "avg pool padded (count_include_pad)": (lambda: AvgPool2D(3, stride=2, padding=1), (2, 2, 7, 7)),
    "avg pool rectangular": (lambda: AvgPool2D((2, 3)), (2, 2, 6, 6)),
    "max pool ceil mode": (lambda: MaxPool2D(3, stride=2, ceil_mode=True), (2, 2, 6, 6)),
    "avg pool ceil mode, padding not counted": (
        lambda: AvgPool2D(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 2, 6, 7)),
    "batch norm (N, C)": (lambda: BatchNorm(momentum=0.3, eps=1e-3), (8, 4)),
    "embedding": (lambda: Embedding(9, 4), TOKENS),
    "time distributed dense": (lambda: TimeDistributed(cr.Dense(4, "sigmoid")), (3, 5, 6)),
    "time distributed softmax": (lambda: TimeDistributed(cr.Dense(4, cr.Softmax(1))), (3, 5, 6)),
    "rnn outputs": (lambda: RecurrentOutputs(RNN(5)), (3, 6, 4)),
    "gru outputs, 2 layers": (lambda: RecurrentOutputs(GRU(5, num_layers=2)), (3, 6, 4)),
    "lstm outputs, 2 layers": (lambda: RecurrentOutputs(LSTM(5, num_layers=2)), (3, 6, 4)),
}


def _randomize(layer, seed=0):
    """Every parameter and buffer drawn at random (zero biases, unit variances would hide a missed copy)."""
    rng = np.random.default_rng(seed)
    for p in layer.parameters():
        p.data[...] = 0.5 * rng.standard_normal(p.shape)
    for sub in layer.all_layers():
        for name in sub.buffer_names:
            getattr(sub, name)[...] = rng.uniform(0.5, 2.0, getattr(sub, name).shape)


def _built(make, shape, seed=1):
    layer = make().to(np.float64)
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 9, (3, 5)) if shape == TOKENS else rng.standard_normal(shape)
    layer.eval()(x)  # builds lazily sized layers; no statistics move in eval mode
    _randomize(layer)
    return layer, x


def _numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    return value.data if isinstance(value, cr.Tensor) else value


def _close(ours, theirs, rtol=1e-10):
    np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=rtol, atol=rtol * 1e-2)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", CASES)
def test_each_layer_and_its_module_compute_the_same(name, training):
    layer, x = _built(*CASES[name])
    layer.train(training)
    module = to_torch(layer)
    assert module.training == training
    _close(layer(x), module(torch.from_numpy(x)))  # in training mode both move their running statistics
    if isinstance(layer, TimeDistributed):
        return  # alone, an nn.Linear comes back as a Dense: only after a recurrent layer is it TimeDistributed
    back = from_torch(module)
    assert type(back) is type(layer) or isinstance(back, cr.NeuralNetwork)  # a fused activation comes as a network
    assert back.training == training
    if layer.parameters():  # a layer without parameters comes back in the default float32
        assert back.dtype == np.float64
    _close(back(x if isinstance(layer, Embedding) else cr.Tensor(x, dtype=np.float64)), layer(x))


def test_batch_norm_running_statistics_move_alike_and_serve_evaluation():
    layer, x = _built(*CASES["batch norm (N, C)"])
    module = to_torch(layer.train())
    _close(layer(x), module(torch.from_numpy(x)))
    _close(layer.running_mean, module.running_mean)
    _close(layer.running_var, module.running_var)  # both keep the unbiased variance, both move by momentum
    layer.eval(), module.eval()
    x2 = np.random.default_rng(5).standard_normal(x.shape)
    _close(layer(x2), module(torch.from_numpy(x2)))


@pytest.mark.parametrize("kind", [RNN, GRU, LSTM])
def test_recurrent_layers_take_and_give_their_state_as_torch_does(kind):
    layer = kind(5, input_size=3, num_layers=2).to(np.float64)
    _randomize(layer)
    module = to_torch(layer)
    assert type(module).__name__ == kind.__name__ and module.batch_first
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 6, 3))
    state = [rng.standard_normal((2, 4, 5)) for _ in range(2 if kind is LSTM else 1)]
    ours_state = tuple(cr.Tensor(s, dtype=np.float64) for s in state) if kind is LSTM else state[0]
    theirs_state = tuple(torch.from_numpy(s) for s in state) if kind is LSTM else torch.from_numpy(state[0])
    ours, ours_final = layer(x, ours_state)
    theirs, theirs_final = module(torch.from_numpy(x), theirs_state)
    _close(ours, theirs)
    for mine, yours in zip(*((f if kind is LSTM else (f,)) for f in (ours_final, theirs_final))):
        _close(mine, yours)
    back = from_torch(module)
    assert isinstance(back, kind) and back.num_layers == 2
    _close(back(x, ours_state)[0], ours)


def test_recurrent_wrapper_survives_pickling():
    module = to_torch(RecurrentOutputs(LSTM(4, input_size=2)).to(np.float64))
    copy = pickle.loads(pickle.dumps(module))
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((2, 3, 2)))
    _close(copy(x), module(x))


@pytest.mark.parametrize("module, fragment", [
    (nn.ConvTranspose2d(2, 4, 3, groups=2), "groups=1"),
    (nn.Conv2d(2, 2, 3, padding=1, padding_mode="reflect"), "zero padding"),
    (nn.Conv2d(2, 2, 2, padding="same"), "odd kernel"),
    (nn.MaxPool2d(2, return_indices=True), "return_indices=False"),
    (nn.MaxPool2d(3, dilation=2), "dilation=1"),
    (nn.AvgPool2d(2, divisor_override=3), "divisor_override"),
    (nn.BatchNorm1d(3, affine=False), "affine=True"),
    (nn.BatchNorm2d(3, momentum=None), "cumulative average"),
    (nn.BatchNorm1d(3, track_running_stats=False), "track_running_stats=True"),
    (nn.Embedding(5, 3, padding_idx=0), "padding_idx"),
    (nn.LSTM(3, 4), "batch_first=True"),
    (nn.GRU(3, 4, batch_first=True, bidirectional=True), "one direction"),
    (nn.LSTM(3, 4, batch_first=True, bias=False), "with biases"),
    (nn.RNN(3, 4, batch_first=True, nonlinearity="relu"), "uses tanh"),
    (nn.LSTM(3, 4, batch_first=True, proj_size=2), "proj_size"),
    (nn.GRU(3, 4, num_layers=2, dropout=0.5, batch_first=True), "no dropout"),
], ids=lambda v: v if isinstance(v, str) else type(v).__name__)
def test_module_options_without_an_equivalent_are_refused_by_name(module, fragment):
    with pytest.raises(UnsupportedLayerError, match=fragment) as error:
        from_torch(module)
    assert isinstance(error.value, TypeError)
    assert type(module).__name__ in str(error.value)


def test_layers_without_an_equivalent_are_refused_by_name():
    with pytest.raises(TypeError, match=r"TimeDistributed\(Embedding\).*supported: TimeDistributed\(Dense\)"):
        to_torch(TimeDistributed(Embedding(4, 2)))
    with pytest.raises(ValueError, match="Conv2D layer has no weights yet.*in_channels"):
        to_torch(Conv2D(3, 3))
