"""The maps, the diagram, the gradients and the neuron graph: checked against chainrule's own backward pass."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.playground.config import BadRequest, Config
from chainrule.playground.sessions import Session
from chainrule.playground.views import hidden_space, network, neuron, unit_map


@pytest.fixture(scope="module")
def session() -> Session:
    session = Session(Config(dataset="circles", samples=80, features=("x1", "x2", "x1*x2"), hidden=(5, 2)))
    session.step(30)
    return session


def test_the_diagram_has_every_weight_its_last_gradient_and_a_map_per_node(session):
    diagram = network(session, 6, "output")
    assert [np.shape(layer["weights"]) for layer in diagram["layers"]] == [(3, 5), (5, 2), (2, 2)]
    assert [np.shape(layer["gradients"]) for layer in diagram["layers"]] == [(3, 5), (5, 2), (2, 2)]
    assert np.allclose(diagram["layers"][0]["weights"], session.dense[0].weight.data, atol=1e-4)
    assert np.allclose(diagram["layers"][1]["gradients"], session.gradients[1], atol=1e-6)
    maps = diagram["maps"]
    assert np.shape(maps["features"]) == (3, 6, 6) and [np.shape(m) for m in maps["hidden"]] == [(5, 6, 6), (2, 6, 6)]
    assert np.allclose(maps["features"][2], (session.grid(6)[:, 0] * session.grid(6)[:, 1]).reshape(6, 6), atol=1e-3)
    assert np.allclose(maps["output"], np.array(session.boundary(6)["probabilities"]), atol=2e-3)
    assert network(Session(Config(samples=20)), 4)["layers"][0]["gradients"] is None  # no mini-batch yet


def test_the_gradient_maps_are_each_points_own_loss_gradient():
    session = Session(Config(dataset="plane", samples=50, hidden=(3,)))
    session.step(5)
    diagram = network(session, 5, "gradient")
    points = session.grid(5)
    distances = ((points[:, None] - session.X[None]) ** 2).sum(axis=2)
    target = session.y[distances.argmin(axis=1), 0]
    output = session.net.predict(session.inputs(points))[:, 0]
    assert np.allclose(np.array(diagram["maps"]["output"]).ravel(), 2 * (output - target), atol=2e-3)  # d(o−t)²/do
    # one hidden unit: ∂loss/∂h = w_out · ∂loss/∂o at every point (the chain rule through the last layer)
    w_out = session.dense[1].weight.data[:, 0]
    assert np.allclose(np.array(diagram["maps"]["hidden"][0][2]).ravel(), w_out[2] * 2 * (output - target), atol=3e-3)
    as_unit = unit_map(session, 0, 2, 5, "gradient")
    assert np.allclose(as_unit["values"], diagram["maps"]["hidden"][0][2], atol=2e-3)


def test_the_neuron_graph_agrees_with_the_whole_networks_backward_pass(session):
    graph = neuron(session, 1, 0, (0.3, -0.2))
    w = np.array([edge["w"] for edge in graph["inputs"]])
    a = np.array([edge["a"] for edge in graph["inputs"]])
    z, y = graph["z"]["value"], graph["y"]["value"]
    assert np.isclose(graph["sum"]["value"], w @ a) and np.isclose(z, w @ a + graph["bias"]["value"])
    assert np.isclose(y, np.tanh(z), atol=1e-6)
    dz = graph["y"]["grad"] * (1 - y**2)  # tanh' = 1 − tanh²
    assert np.isclose(graph["z"]["grad"], dz, rtol=1e-4) and np.isclose(graph["bias"]["grad"], dz, rtol=1e-4)
    assert np.allclose([e["dproduct"] for e in graph["inputs"]], dz, rtol=1e-4)
    assert np.allclose([e["da"] for e in graph["inputs"]], w * dz, rtol=1e-4, atol=1e-9)
    # ∂loss/∂wᵢ from the small graph is the gradient the whole network's backward pass gives that weight
    assert np.allclose([e["dw"] for e in graph["inputs"]], graph["network_weight_grad"], rtol=1e-3, atol=1e-8)
    assert np.allclose([e["dw"] for e in graph["inputs"]], a * dz, rtol=1e-4, atol=1e-9)
    output = neuron(session, 2, 1, (0.0, 0.0))
    assert output["activation"] == "linear" and np.isclose(output["y"]["value"], output["z"]["value"])
    assert [e["name"] for e in neuron(session, 0, 0, (0.0, 0.0))["inputs"]] == ["x1", "x2", "x1*x2"]


def test_the_hidden_space_carries_the_grid_through_a_two_unit_layer(session):
    space = hidden_space(session, 1)
    assert np.shape(space["lines"]) == (22, 41, 2) and np.shape(space["points"]) == (len(session.X), 2)
    assert np.all(np.abs(np.array(space["lines"])) <= 1)  # tanh outputs
    with pytest.raises(BadRequest, match="needs a layer of exactly 2"):
        hidden_space(session, 0)


@pytest.mark.parametrize("call, message", [
    (lambda s: network(s, 33), "resolution must be an integer in [4, 32]"),
    (lambda s: network(s, 8, "weights"), "view must be one of output, gradient"),
    (lambda s: neuron(s, 3, 0, (0.0, 0.0)), "layer must be an integer in [0, 2]"),
    (lambda s: neuron(s, 1, 2, (0.0, 0.0)), "unit must be an integer in [0, 1]"),
    (lambda s: neuron(s, 0, 0, (9.0, 0.0)), "the point must lie in the plane"),
    (lambda s: unit_map(s, 0, 0, 8, "both"), "view must be one of"),
    (lambda s: hidden_space(s, 2), "layer must be an integer in [0, 1]"),
])
def test_the_views_check_their_arguments(session, call, message):
    with pytest.raises(BadRequest, match=__import__("re").escape(message)):
        call(session)
