"""Layer: parameter discovery, modes, state dicts, dtype, seeding."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.layers import Layer


class Block(Layer):
    def __init__(self):
        super().__init__()
        self.inner = cr.Dense(3, input_size=2)
        self.stack = [cr.Dense(2, input_size=3), cr.Dropout(0.5)]
        self.gain = cr.Parameter(np.ones(2))
        self.running = np.zeros(2, dtype=np.float32)

    buffer_names = ("running",)

    def forward(self, x):
        return self.stack[1](self.stack[0](self.inner(x))) * self.gain


def test_parameters_are_found_in_assignment_order_with_dotted_names():
    names = [name for name, _ in Block().named_parameters()]
    assert names == ["inner.weight", "inner.bias", "stack.0.weight", "stack.0.bias", "gain"]


def test_train_and_eval_reach_every_sub_layer():
    block = Block().eval()
    assert not block.training and not block.stack[1].training
    block.train()
    assert all(layer.training for layer in block.all_layers())


def test_state_dict_round_trip_includes_buffers_and_copies():
    a, b = Block(), Block()
    a.running[:] = 7
    state = a.state_dict()
    assert set(state) == {"inner.weight", "inner.bias", "stack.0.weight", "stack.0.bias", "gain", "running"}
    state["gain"][:] = 3  # a copy: the model is untouched
    assert np.all(a.gain.data == 1)
    b.load_state_dict(a.state_dict())
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    np.testing.assert_array_equal(b.running, 7)


def test_load_state_dict_names_the_mismatched_parameter_and_shapes():
    state = Block().state_dict()
    state["inner.weight"] = np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"'inner.weight' has shape \(2, 3\) in this model but \(5, 3\)"):
        Block().load_state_dict(state)


def test_load_state_dict_reports_missing_and_unexpected_names():
    state = Block().state_dict()
    del state["gain"]
    state["extra"] = np.zeros(1)
    with pytest.raises(KeyError, match=r"missing \['gain'\], unexpected \['extra'\]"):
        Block().load_state_dict(state)
    Block().load_state_dict(state, strict=False)


def test_loading_builds_lazy_layers_from_the_state_shapes():
    trained = cr.NeuralNetwork([cr.Dense(4), cr.Dense(2)], seed=0)
    trained(np.ones((1, 6)))
    fresh = cr.NeuralNetwork([cr.Dense(4), cr.Dense(2)], seed=1)
    fresh.load_state_dict(trained.state_dict())
    x = np.random.default_rng(0).standard_normal((3, 6))
    np.testing.assert_array_equal(fresh.predict(x), trained.predict(x))


def test_to_float64_casts_parameters_and_buffers():
    block = Block().to(np.float64)
    assert all(p.dtype == np.float64 for p in block.parameters())
    assert block.running.dtype == np.float64 and block.inner.dtype == np.float64


def test_same_seed_same_weights_and_layers_get_distinct_generators():
    def build(seed):
        net = cr.NeuralNetwork([cr.Dense(5, input_size=4), cr.Dense(5, input_size=5)], seed=seed)
        return [p.data for p in net.parameters()]

    first, again, other = build(3), build(3), build(4)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_repr_lists_the_layers():
    net = cr.NeuralNetwork([cr.Dense(4, "tanh"), cr.Dropout(0.1)], cr.MeanSquaredError())
    text = repr(net)
    assert "(layers.0): Dense(neurons=4, activation=Tanh()" in text and "(layers.1): Dropout(p=0.1)" in text
