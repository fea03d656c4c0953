"""The playground's network and its regularisation term."""

from __future__ import annotations

import numpy as np

from chainrule.playground.config import Config
from chainrule.playground.model import build_network, dense_layers, penalty, set_dropout
from chainrule.playground.sessions import Session


def test_the_network_follows_the_features_the_layers_and_the_task():
    net, loss = build_network(Config(features=("x1", "x2", "x1^2"), hidden=(5, 3), dropout=0.2), seed=0)
    shapes = [dense.weight.shape for dense in dense_layers(net)]
    assert shapes == [(3, 5), (5, 3), (3, 2)] and type(loss).__name__ == "SoftmaxCrossEntropy"
    net, loss = build_network(Config(dataset="plane", hidden=()), seed=0)
    assert [d.weight.shape for d in dense_layers(net)] == [(2, 1)] and type(loss).__name__ == "MeanSquaredError"
    set_dropout(net, 0.5)


def test_the_penalty_and_its_gradient_are_l1_and_l2_of_the_weights():
    for kind, rate in (("l1", 0.3), ("l2", 0.7)):
        net, _ = build_network(Config(hidden=(4,), regularization=kind, reg_rate=rate), seed=1)
        weights = [dense.weight for dense in dense_layers(net)]
        term = penalty(net, Config(regularization=kind, reg_rate=rate))
        if kind == "l1":
            value = rate * sum(np.abs(w.data).sum() for w in weights)
        else:
            value = rate / 2 * sum((w.data.astype(np.float64) ** 2).sum() for w in weights)
        assert np.isclose(term.item(), value, rtol=1e-5)
        term.backward()
        for w in weights:
            assert np.allclose(w.grad.data, rate * (np.sign(w.data) if kind == "l1" else w.data), atol=1e-6)
    assert penalty(net, Config(regularization="l2", reg_rate=0.0)) is None
    assert penalty(net, Config(regularization="none", reg_rate=1.0)) is None


def test_l1_drives_weights_to_zero_and_l2_shrinks_them():
    def weights(**settings):
        session = Session(Config(dataset="circles", features=tuple(Config.__dataclass_fields__["features"].default)
                                 + ("x1^2", "x2^2", "x1*x2", "sin x1", "sin x2"), hidden=(6,),
                                 optimizer="adam", lr=0.03, **settings))
        session.step(200)
        return np.concatenate([d.weight.data.ravel() for d in session.dense])

    plain, l1, l2 = weights(), weights(regularization="l1", reg_rate=0.01), weights(regularization="l2", reg_rate=0.03)
    assert np.mean(np.abs(l1) < 1e-2) > np.mean(np.abs(plain) < 1e-2) + 0.2  # sparse
    assert np.linalg.norm(l2) < 0.8 * np.linalg.norm(plain)
