"""Sessions and the session store, without HTTP."""

from __future__ import annotations

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
