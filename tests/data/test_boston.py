"""Boston housing: both CSV layouts, the loader's search, and the book's split."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.data import boston
from chainrule.data.boston import FEATURE_NAMES, book_split, load_boston, read_boston_csv
from chainrule.data.errors import DataFormatError, DatasetNotFoundError

COLUMNS = [*FEATURE_NAMES, "MEDV"]


def synthetic_table(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    table = np.round(rng.uniform(0, 100, size=(506, 14)), 4)
    table[:, 3] = rng.integers(0, 2, size=506)  # CHAS is 0/1
    return table


def write_clean(path, table):
    rows = [",".join(COLUMNS)] + [",".join(f"{v:g}" for v in row) for row in table]
    path.write_text("\n".join(rows) + "\n")


def write_original(path, table):
    header = ",".join(f'"{c.lower()}"' for c in COLUMNS)
    rows = [
        ",".join(f'"{v:g}"' if j == 3 else f"{v:g}" for j, v in enumerate(row)) for row in table
    ]
    path.write_text("\n".join([header] + rows) + "\n")


def test_both_layouts_parse_to_the_same_table(tmp_path):
    table = synthetic_table()
    write_clean(tmp_path / "clean.csv", table)
    write_original(tmp_path / "quoted.csv", table)
    np.testing.assert_array_equal(read_boston_csv(tmp_path / "clean.csv"), table)
    np.testing.assert_array_equal(read_boston_csv(tmp_path / "quoted.csv"), table)


@pytest.mark.parametrize(
    "mangle, message",
    [
        (lambda lines: ["a,b,c"] + lines[1:], "expected the header CRIM,ZN"),
        (lambda lines: lines[:1] + ["1,2,3"] + lines[2:], "line 2: expected 14 values, got 3"),
        (lambda lines: lines[:3] + [lines[3].replace(",", ",x", 1)] + lines[4:], "line 4: could not convert"),
        (lambda lines: lines[:-1], "expected 506 data rows, got 505"),
        (lambda lines: [], "an empty file"),
    ],
)
def test_malformed_csv_is_reported_with_its_line(tmp_path, mangle, message):
    write_clean(tmp_path / "b.csv", synthetic_table())
    lines = (tmp_path / "b.csv").read_text().splitlines()
    (tmp_path / "b.csv").write_text("\n".join(mangle(lines)))
    with pytest.raises(DataFormatError, match=message):
        read_boston_csv(tmp_path / "b.csv")


def test_load_boston_prefers_the_clean_file_and_accepts_the_original(tmp_path, monkeypatch, make_data_file):
    folder = tmp_path / "boston"
    folder.mkdir()
    clean, original = synthetic_table(1), synthetic_table(2)
    write_clean(folder / "boston_housing.csv", clean)
    write_original(folder / "BostonHousing.csv", original)
    monkeypatch.setattr(boston, "BOSTON_CLEAN", make_data_file(folder / "boston_housing.csv", "boston"))
    monkeypatch.setattr(boston, "BOSTON_ORIGINAL", make_data_file(folder / "BostonHousing.csv", "boston"))
    X, y = load_boston(root=tmp_path, download=False)
    assert X.shape == (506, 13) and y.shape == (506,) and X.dtype == y.dtype == np.float64
    np.testing.assert_array_equal(X, clean[:, :13])
    np.testing.assert_array_equal(y, clean[:, 13])
    (folder / "boston_housing.csv").unlink()
    X, y = load_boston(root=tmp_path, download=False)
    np.testing.assert_array_equal(y, original[:, 13])


def test_missing_data_mentions_both_accepted_files(tmp_path, web):
    with pytest.raises(DatasetNotFoundError) as info:
        load_boston(root=tmp_path)
    message = str(info.value)
    assert "boston/BostonHousing.csv" in message and "boston/boston_housing.csv" in message
    assert web.requests and web.requests[0][0] == boston.BOSTON_ORIGINAL.urls[0]


def test_docstring_states_the_ethical_problem():
    assert "Black residents" in boston.__doc__ and "Black residents" in load_boston.__doc__


def test_book_split_reproduces_the_sklearn_recipe():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(506, 13))
    X[:, 5] = 7.0  # a constant column must not become NaN
    y = np.arange(506, dtype=np.float64)
    X_train, X_test, y_train, y_test = book_split(X, y)
    assert X_train.shape == (354, 13) and X_test.shape == (152, 13)
    assert y_train.shape == (354, 1) and y_test.shape == (152, 1)
    order = np.random.RandomState(80718).permutation(506)
    np.testing.assert_array_equal(y_test.ravel(), order[:152])
    np.testing.assert_array_equal(y_train.ravel(), order[152:])
    everything = np.vstack([X_train, X_test])
    np.testing.assert_allclose(everything.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(everything.std(axis=0), np.where(np.arange(13) == 5, 0, 1), atol=1e-12)
    np.testing.assert_allclose(X_test[:, 0], (X[order[:152], 0] - X[:, 0].mean()) / X[:, 0].std())
    with pytest.raises(ValueError, match="got X \\(506, 13\\), y \\(505, 1\\)"):
        book_split(X, y[:-1])


def test_embedded_checksums_match_the_published_list(published_sums):
    for f in (boston.BOSTON_CLEAN, boston.BOSTON_ORIGINAL):
        if f.relative_path in published_sums:
            assert published_sums[f.relative_path] == f.sha256
    assert boston.BOSTON_CLEAN.relative_path in published_sums


def test_real_data_gives_the_books_least_squares_numbers(real_data):
    X, y = load_boston(root=real_data("boston/boston_housing.csv"), download=False)
    np.testing.assert_allclose(X.mean(axis=0)[[0, 11]], [3.613524, 356.674032], atol=1e-6)
    X_train, X_test, y_train, y_test = book_split(X, y)
    design = np.hstack([np.ones((len(X_train), 1)), X_train])
    weights = np.linalg.lstsq(design, y_train, rcond=None)[0]
    error = np.hstack([np.ones((len(X_test), 1)), X_test]) @ weights - y_test
    assert round(float(np.abs(error).mean()), 4) == 3.5671
    assert round(float(np.sqrt((error**2).mean())), 4) == 5.0476
    assert round(float(weights[0, 0]), 4) == 22.6195


def test_real_original_file_matches_the_clean_one(real_data):
    folder = real_data("boston/BostonHousing.csv")
    clean = real_data("boston/boston_housing.csv")
    np.testing.assert_array_equal(
        read_boston_csv(folder / "boston" / "BostonHousing.csv"), read_boston_csv(clean / "boston" / "boston_housing.csv")
    )
