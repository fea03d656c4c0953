"""RNN, GRU and LSTM layers: gradients, stacked parity with torch.nn, state carrying, save/load, errors."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.layers import GRU, LSTM, RNN
from chainrule.ops.recurrent import from_torch_layout, to_torch_layout

LAYERS = {"rnn": RNN, "gru": GRU, "lstm": LSTM}


def _flat(result):
    outputs, state = result
    return (outputs, *state) if isinstance(state, tuple) else (outputs, state)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_gradients_of_a_stacked_layer_with_a_given_state(cell):
    layer = LAYERS[cell](3, num_layers=2)
    layer.seed(0)
    layer.to(np.float64)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 2))
    layer(x)
    states = [rng.standard_normal((2, 2, 3)) for _ in range(2 if cell == "lstm" else 1)]

    def run(inp, *rest):
        state = tuple(rest[:2]) if cell == "lstm" else rest[0]
        return _flat(layer(inp, state))

    params = layer.parameters()
    cr.gradcheck(lambda inp, *rest: run(inp, *rest[: len(states)]), [x, *states, *params])


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_two_layers_match_torch_outputs_states_and_every_gradient(cell):
    torch = pytest.importorskip("torch")
    layer = LAYERS[cell](4, input_size=3, num_layers=2)
    layer.seed(2)
    layer.to(np.float64)
    module = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](
        3, 4, num_layers=2, batch_first=True).double()
    with torch.no_grad():
        for k in range(2):
            for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                                   to_torch_layout(*layer.layer_parameters(k))):
                getattr(module, f"{name}_l{k}").copy_(torch.tensor(value))
    x = np.random.default_rng(3).standard_normal((5, 6, 3))
    ours = _flat(layer(x))
    result = module(torch.tensor(x))
    theirs = (result[0], *result[1]) if cell == "lstm" else result
    weights = [np.random.default_rng(4 + i).standard_normal(o.shape) for i, o in enumerate(ours)]
    sum((o * w).sum() for o, w in zip(ours, weights)).backward()
    sum((o * torch.tensor(w)).sum() for o, w in zip(theirs, weights)).backward()
    for mine, yours in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, yours.detach().numpy(), rtol=1e-6, atol=1e-9)
    for k in range(2):
        names = [f"{n}_l{k}" for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        expected = from_torch_layout(*[getattr(module, n).grad.numpy() for n in names])
        for name, want in zip(names, expected):
            np.testing.assert_allclose(getattr(layer, name).grad.data, want, rtol=1e-6, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_carried_state_continues_the_sequence(cell):
    layer = LAYERS[cell](5, input_size=2, num_layers=2)
    layer.seed(0)
    layer.to(np.float64)
    x = np.random.default_rng(0).standard_normal((3, 8, 2))
    whole, _ = layer(x)
    first, state = layer(x[:, :5])
    carried = tuple(s.detach() for s in state) if cell == "lstm" else state.detach()
    second, _ = layer(x[:, 5:], carried)
    np.testing.assert_allclose(np.concatenate([first.data, second.data], axis=1), whole.data, rtol=1e-12)


def test_detached_state_stops_gradients_at_the_batch_boundary():
    layer = LSTM(3, input_size=2)
    layer.seed(0)
    x = np.random.default_rng(0).standard_normal((2, 4, 2))
    _, (h, c) = layer(x)
    outputs, _ = layer(x, (h.detach(), c.detach()))
    outputs.sum().backward()
    expected = {name: p.grad.data.copy() for name, p in layer.named_parameters()}
    layer.zero_grad()
    outputs, _ = layer(x, (h.data.copy(), c.data.copy()))  # the same state as plain constants
    outputs.sum().backward()
    for name, p in layer.named_parameters():
        np.testing.assert_array_equal(p.grad.data, expected[name])


def test_input_size_is_read_from_the_first_batch_and_saved(tmp_path):
    layer = GRU(6, num_layers=2)
    assert layer.parameters() == []
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    outputs, h = layer(x)
    assert layer.input_size == 4 and layer.weight_ih_l0.shape == (4, 18) and layer.weight_ih_l1.shape == (6, 18)
    assert outputs.shape == (2, 3, 6) and h.shape == (2, 2, 6)
    lazy = GRU(6, num_layers=2)  # saved before its weights exist in the architecture: rebuilt from their shapes
    lazy.load_state_dict(layer.state_dict())
    cr.save(layer, tmp_path / "gru.npz")
    loaded = cr.load(tmp_path / "gru.npz")
    assert isinstance(loaded, GRU) and loaded.num_layers == 2
    for model in (lazy, loaded):
        np.testing.assert_array_equal(model(x)[0].data, outputs.data)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_save_load_round_trip(tmp_path, cell):
    layer = LAYERS[cell](7, input_size=3, weight_init=0.1)
    layer.seed(5)
    cr.save(layer, tmp_path / "m.npz")
    loaded = cr.load(tmp_path / "m.npz")
    assert loaded.config() == layer.config()
    x = np.ones((1, 2, 3), dtype=np.float32)
    for mine, theirs in zip(_flat(layer(x)), _flat(loaded(x))):
        np.testing.assert_array_equal(mine.data, theirs.data)


def test_initialisation_schemes():
    uniform = LSTM(100, input_size=50)
    uniform.seed(0)
    bound = 1 / np.sqrt(100)
    assert all(np.abs(p.data).max() <= bound for p in uniform.parameters())
    assert uniform.weight_hh_l0.data.std() == pytest.approx(bound / np.sqrt(3), rel=0.02)
    glorot = GRU(100, input_size=50, weight_init="glorot")
    glorot.seed(0)
    assert glorot.weight_ih_l0.data.std() == pytest.approx(np.sqrt(2 / 150), rel=0.02)
    assert np.all(glorot.bias_ih_l0.data == 0)
    book = RNN(200, input_size=50, weight_init=0.01)
    book.seed(0)
    assert book.weight_hh_l0.data.std() == pytest.approx(0.01, rel=0.02)
    assert book.bias_hh_l0.data.std() == pytest.approx(0.01, rel=0.2)


def test_a_single_sequence_and_a_wrong_feature_count_are_explained():
    layer = LSTM(4, input_size=3)
    with pytest.raises(ValueError, match=r"shape \(N, T, 3\), got \(5, 3\); a single sequence needs a batch axis"):
        layer(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, T, 3\), got \(2, 5, 4\)"):
        layer(np.zeros((2, 5, 4)))


def test_wrong_states_are_explained():
    lstm, gru = LSTM(4, input_size=3, num_layers=2), GRU(4, input_size=3)
    x = np.zeros((2, 5, 3))
    with pytest.raises(TypeError, match=r"pair \(h, c\)"):
        lstm(x, np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match=r"state of shape \(num_layers=2, N=2, H=4\), got \(1, 2, 4\)"):
        lstm(x, (np.zeros((1, 2, 4)), np.zeros((1, 2, 4))))
    with pytest.raises(TypeError, match="one tensor of shape"):
        gru(x, (np.zeros((1, 2, 4)), np.zeros((1, 2, 4))))


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden_size": 0}, "hidden_size must be a positive integer"),
    ({"hidden_size": 4, "num_layers": 0}, "num_layers must be a positive integer"),
    ({"hidden_size": 4, "weight_init": "he"}, "weight_init must be one of"),
    ({"hidden_size": 4, "weight_init": -0.1}, "positive standard deviation"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RNN(**kwargs)
