"""Sessions and the session store, without HTTP."""

from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule.playground.config import PRESETS, BadRequest, Config, parse_config
from chainrule.playground.sessions import MAX_HISTORY, Session, SessionStore
from chainrule.playground.views import unit_map


def test_the_same_settings_give_the_same_points_and_the_same_training():
    config = Config(dataset="circles", samples=60, hidden=(5, 3), optimizer="adam", lr=0.01)
    a, b = Session(config), Session(config)
    assert np.array_equal(a.X, b.X) and a.id != b.id
    assert a.step(30) == b.step(30)


def test_reset_draws_new_weights_and_keeps_the_points():
    session = Session(Config(samples=40))
    before = session.net.state_dict()
    session.step(20)
    points = session.X.copy()
    state = session.reset()
    after = session.net.state_dict()
    assert state["step"] == 0 and state["epoch"] == 0 and np.array_equal(session.X, points)
    assert not np.allclose(before["layers.0.weight"], after["layers.0.weight"])


def test_each_activation_and_optimizer_builds_and_trains():
    for activation in ("tanh", "sigmoid", "relu", "leaky_relu", "linear"):
        for optimizer in ("sgd", "momentum", "adam"):
            session = Session(Config(samples=30, hidden=(4, 4), activation=activation, optimizer=optimizer))
            metrics = session.step(3)
            assert metrics["step"] == 3 and metrics["loss"] > 0


def test_the_grid_runs_from_the_top_left_corner():
    session = Session(Config(samples=20))
    xmin, xmax, ymin, ymax = session.extent
    grid = session.grid(4)
    assert grid[0, 0] < xmin + 0.5 * (xmax - xmin) and grid[0, 1] > ymin + 0.5 * (ymax - ymin)
    assert grid[3, 0] > grid[0, 0] and grid[4, 1] < grid[0, 1]  # along a row, then down a row


def test_limits_are_checked_in_the_session_too():
    session = Session(Config(samples=20, hidden=(3,)))
    for call in (lambda: session.step(0), lambda: session.boundary(3), lambda: unit_map(session, 1, 0, 10),
                 lambda: unit_map(session, 0, 3, 10), lambda: session.step(epochs=2), lambda: session.step()):
        with pytest.raises(BadRequest):
            call()


def test_a_long_history_is_thinned_but_keeps_its_ends():
    session = Session(Config(samples=20, hidden=(2,)))
    for _ in range(MAX_HISTORY + 5):
        session.step(1)
    steps = session.history["step"]
    assert len(steps) <= MAX_HISTORY and steps[-1] == MAX_HISTORY + 5 and steps == sorted(steps)


def test_the_store_evicts_the_least_recently_used():
    store = SessionStore(2)
    config = parse_config({"samples": 20})
    a, b = store.create(config), store.create(config)
    store.get(a.id)
    c = store.create(config)
    assert a.id in store and b.id not in store and c.id in store and len(store) == 2
    store.delete(a.id)
    store.delete(a.id)
    with pytest.raises(KeyError):
        store.get(a.id)
    with pytest.raises(ValueError, match="capacity"):
        SessionStore(0)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_a_valid_setting(name):
    config = parse_config(PRESETS[name])
    assert Session(config).step(5)["step"] == 5


def test_changing_the_training_settings_keeps_the_weights_the_steps_and_the_loss():
    session = Session(Config(samples=60, hidden=(5,), optimizer="momentum", lr=0.1))
    session.step(40)
    weights, loss = session.net.state_dict(), session.loss
    answer = session.update({"lr": 0.001, "batch_size": 5, "regularization": "l2", "reg_rate": 0.01,
                             "dropout": 0.2})
    assert answer["step"] == 40 and answer["loss"] == loss and answer["config"]["lr"] == 0.001
    after = session.net.state_dict()
    assert all(np.array_equal(weights[key], after[key]) for key in weights)
    assert session.optimizer.lr == 0.001 and session.net.layers[1].p == 0.2
    metrics = session.step(1)
    assert metrics["step"] == 41 and abs(metrics["loss"] - loss) < 0.05  # a small rate: a small change
    momentum = session.optimizer
    session.update({"optimizer": "adam", "lr": 0.01})
    assert type(session.optimizer).__name__ == "Adam" and session.optimizer is not momentum
    assert session.step(1)["step"] == 42 and session.history["step"][-3:] == [40, 41, 42]


def test_settings_that_change_the_data_or_the_network_are_refused_by_update():
    session = Session(Config(samples=20))
    for body, message in (({"dataset": "spirals"}, "can change while training"), ({"hidden": [3]}, "hidden"),
                          ({"lr": 50}, "lr must be a number in [1e-05, 10]"), ([1], "JSON object")):
        with pytest.raises(BadRequest, match=re.escape(message)):
            session.update(body)
    assert Config().restarts_for(Config(features=("x1",))) and not Config().restarts_for(Config(dropout=0.5))


def test_a_step_is_one_mini_batch_or_one_epoch_every_time():
    session = Session(Config(samples=100, test_ratio=0.3, batch_size=20))  # 70 training points: 4 batches
    assert [session.step(1)["step"] for _ in range(3)] == [1, 2, 3]
    assert [session.step(epochs=1)["step"] for _ in range(3)] == [7, 11, 15]


def test_train_and_test_loss_are_both_reported_and_overfitting_shows():
    session = Session(parse_config(PRESETS["overfitting"]))
    for _ in range(25):
        metrics = session.step(100)
    history = session.history
    best = int(np.argmin(history["test_loss"]))
    assert metrics["test_loss"] > 2 * history["test_loss"][best]  # the test loss rose again...
    assert metrics["loss"] < 0.5 * history["loss"][best]  # ...while the training loss kept falling
    assert metrics["test_accuracy"] is not None and len(session.X_test) == 50


def test_regression_reports_no_accuracy_and_draws_the_output():
    session = Session(Config(dataset="plane", samples=100, hidden=(3,), optimizer="adam", lr=0.03))
    metrics = session.step(200)
    assert metrics["accuracy"] is None and metrics["loss"] < 0.05
    outputs = np.array(session.boundary(8)["outputs"])
    assert outputs[0, -1] > 0.5 and outputs[-1, 0] < -0.5  # top right high, bottom left low: x1 + x2


def test_a_dead_relu_layer_is_named():
    session = Session(Config(samples=40, hidden=(4, 3), activation="relu"))
    assert session.diagnosis() is None
    session.dense[1].bias.data[:] = -100.0
    assert session.metrics()["diagnosis"].startswith("all units of layer 2 output 0 everywhere: dead ReLUs")
    tanh = Session(Config(samples=40, hidden=(4,), activation="tanh"))
    tanh.dense[0].bias.data[:] = -100.0
    assert tanh.diagnosis() is None


def test_points_are_added_to_the_training_set_within_limits():
    session = Session(Config(samples=20, test_ratio=0.0))
    state = session.add_point({"x": 0.25, "y": -0.5, "label": 1})
    assert len(state["points"]) == 21 and state["points"][-1] == [0.25, -0.5] and state["labels"][-1] == 1
    assert session.step(21)["step"] == 21
    for body, message in (({"x": 0.0, "y": 0.0, "label": 2}, "label must be an integer in [0, 1]"),
                          ({"x": 50.0, "y": 0.0, "label": 1}, "x must be a number in"),
                          ({"x": 0.0, "label": 1}, "the field y is required"),
                          ({"x": 0.0, "y": 0.0, "label": 1, "z": 1}, "unknown field 'z'")):
        with pytest.raises(BadRequest, match=re.escape(message)):
            session.add_point(body)
    regression = Session(Config(dataset="plane", samples=20))
    assert regression.add_point({"x": 0.0, "y": 0.0, "label": -0.5})["labels"][-1] == -0.5
    full = Session(Config(samples=1000, test_ratio=0.0))
    with pytest.raises(BadRequest, match="the most allowed"):
        full.add_point({"x": 0.0, "y": 0.0, "label": 0})
