"""standardize, one_hot, train_test_split, batches."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.data.preprocessing import batches, one_hot, standardize, train_test_split

# ------------------------------------------------------------------ standardize


def test_standardize_fits_on_train_and_applies_to_test():
    X_train = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    X_test = np.array([[3.0, 12.0]])
    train, test, mean, std = standardize(X_train, X_test)
    np.testing.assert_allclose(train.mean(axis=0), [0, 0], atol=1e-15)
    np.testing.assert_allclose(train[:, 0].std(), 1.0)
    np.testing.assert_allclose(mean, [[3.0, 10.0]])
    np.testing.assert_allclose(std, [[np.sqrt(8 / 3), 1.0]])  # the constant column divides by 1
    np.testing.assert_allclose(test, [[0.0, 2.0]])
    assert not np.isnan(train).any()


def test_standardize_other_axis_and_dtypes():
    X = np.array([[1, 2, 3], [10, 20, 30]])
    result = standardize(X, axis=1)
    assert result.train.dtype == np.float64 and result.test is None
    np.testing.assert_allclose(result.train.mean(axis=1), [0, 0], atol=1e-15)
    assert result.mean.shape == (2, 1)
    assert standardize(X.astype(np.float32)).train.dtype == np.float32


def test_standardize_rejects_mismatched_or_empty_input():
    with pytest.raises(ValueError, match="X_test must match X_train \\(4, 3\\) except along axis 0; got \\(2, 5\\)"):
        standardize(np.ones((4, 3)), np.ones((2, 5)))
    with pytest.raises(ValueError, match="at least one sample"):
        standardize(np.ones((0, 3)))
    with pytest.raises(ValueError, match="axis 2"):
        standardize(np.ones((4, 3)), axis=2)
    with pytest.raises(TypeError, match="real numbers"):
        standardize(np.array([["a"]]))


# ------------------------------------------------------------------ one_hot


def test_one_hot_values_shape_dtype():
    out = one_hot(np.array([2, 0, 1]), num_classes=4)
    assert out.dtype == np.float32 and out.shape == (3, 4)
    np.testing.assert_array_equal(out, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]])
    grid = one_hot(np.array([[1, 2], [0, 1]]), dtype=np.int64)
    assert grid.shape == (2, 2, 3) and grid.dtype == np.int64
    np.testing.assert_array_equal(grid.argmax(axis=-1), [[1, 2], [0, 1]])
    assert one_hot(np.zeros(0, dtype=np.int64), num_classes=3).shape == (0, 3)


def test_one_hot_errors():
    with pytest.raises(ValueError, match="labels must lie in 0..2, found 3"):
        one_hot([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="found -1"):
        one_hot([0, -1], num_classes=3)
    with pytest.raises(TypeError, match="integer class labels, got dtype float64.*astype"):
        one_hot(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="pass num_classes"):
        one_hot(np.zeros(0, dtype=np.int64))
    with pytest.raises(ValueError, match="positive"):
        one_hot([0], num_classes=0)


# ------------------------------------------------------------------ train_test_split


def test_split_is_a_seeded_partition():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=3)
    assert len(X_test) == 3 and len(X_train) == 7  # ceil(0.25 * 10)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(10))
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)  # rows stay paired
    again = train_test_split(X, y, test_size=0.25, seed=3)
    np.testing.assert_array_equal(again[3], y_test)
    assert not np.array_equal(train_test_split(X, y, seed=4)[3], train_test_split(X, y, seed=5)[3])


def test_split_without_shuffle_and_with_a_count():
    y = np.arange(10)
    _, _, y_train, y_test = train_test_split(y, y, test_size=4, shuffle=False)
    assert y_train.tolist() == [0, 1, 2, 3, 4, 5] and y_test.tolist() == [6, 7, 8, 9]


def test_split_leaves_the_global_random_state_alone():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    train_test_split(np.arange(50), np.arange(50), seed=None)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.arange(5), np.arange(4)), "same number of samples, got 5 and 4"),
        ((np.arange(0), np.arange(0)), "empty"),
        ((np.arange(5), np.arange(5), 1.5), "fraction in \\(0, 1\\) or a count, got 1.5"),
        ((np.arange(5), np.arange(5), 5), "both must be at least 1"),
        ((np.arange(1), np.arange(1)), "both must be at least 1"),
    ],
)
def test_split_errors(args, message):
    with pytest.raises(ValueError, match=message):
        train_test_split(*args)


# ------------------------------------------------------------------ batches


def test_batches_cover_everything_with_a_partial_last_batch():
    X, y = np.arange(14).reshape(7, 2), np.arange(7)
    got = list(batches(X, y, batch_size=3))
    assert [len(xb) for xb, _ in got] == [3, 3, 1]
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in got]), X)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in got]), y)


def test_shuffled_batches_are_a_seeded_permutation():
    X, y = np.arange(10) * 10, np.arange(10)
    first = list(batches(X, y, 4, shuffle=True, rng=7))
    order = np.concatenate([yb for _, yb in first])
    assert sorted(order.tolist()) == list(range(10)) and order.tolist() != list(range(10))
    assert all(np.array_equal(xb, yb * 10) for xb, yb in first)
    again = np.concatenate([yb for _, yb in batches(X, y, 4, shuffle=True, rng=np.random.default_rng(7))])
    np.testing.assert_array_equal(again, order)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.arange(5), np.arange(6), 2), "same number of samples, got 5 and 6"),
        ((np.arange(0), np.arange(0), 2), "empty"),
        ((np.arange(5), np.arange(5), 0), "positive integer, got 0"),
        ((np.arange(5), np.arange(5), -3), "got -3"),
        ((np.arange(5), np.arange(5), 2.5), "got 2.5"),
    ],
)
def test_batches_validate_when_called_not_when_iterated(args, message):
    with pytest.raises(ValueError, match=message):
        batches(*args)  # no next(): the error comes at once
