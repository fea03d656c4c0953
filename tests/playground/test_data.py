"""The playground's points: the split, the regression sets and the features."""

from __future__ import annotations

import numpy as np

from chainrule.playground.config import Config
from chainrule.playground.data import featurize, make_points, make_regression, target


def test_the_test_share_is_held_out_and_the_sets_do_not_overlap():
    X, y, X_test, y_test = make_points(Config(dataset="circles", samples=200, test_ratio=0.3))
    assert len(X) == 140 and len(X_test) == 60 and len(y) == 140 and len(y_test) == 60
    assert not {tuple(p) for p in X.tolist()} & {tuple(p) for p in X_test.tolist()}
    assert len(make_points(Config(samples=50, test_ratio=0.0))[2]) == 0


def test_the_regression_sets_give_targets_in_minus_one_to_one():
    for kind in ("plane", "gaussians"):
        X, t = make_regression(kind, n=300, noise=0.0, seed=1)
        assert X.shape == (300, 2) and t.shape == (300,) and -1 <= t.min() < 0 < t.max() <= 1
        assert np.allclose(t, target(kind, X))
    _, y, _, _ = make_points(Config(dataset="gaussians", samples=40))
    assert y.dtype == np.float32 and y.shape == (28, 1)


def test_each_feature_is_its_function_of_the_point():
    X = np.array([[0.5, -0.25], [-1.0, 2.0]])
    names = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")
    expected = np.stack([X[:, 0], X[:, 1], X[:, 0] ** 2, X[:, 1] ** 2, X[:, 0] * X[:, 1],
                         np.sin(np.pi * X[:, 0]), np.sin(np.pi * X[:, 1])], axis=1)
    assert np.allclose(featurize(X, names), expected, atol=1e-6)
    assert featurize(X, ("x2^2",)).shape == (2, 1)
