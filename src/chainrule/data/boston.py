"""Boston housing: 506 census tracts, 13 features, the median home value (MEDV) as target.

The small regression set of the book's chapters 2–4 (Harrison & Rubinfeld, 1978, via
StatLib / UCI). Two files hold the same 506 × 14 values, either is accepted:

- ``boston/boston_housing.csv``: a plain CSV, header ``CRIM,ZN,...,MEDV``;
- ``boston/BostonHousing.csv``: the mlbench table as published (quoted lower-case header,
  CHAS quoted); this one can be downloaded.

A known ethical problem: column B is 1000·(Bk − 0.63)², where Bk is the proportion of
Black residents in the tract — the authors built a racial variable into a model of house
prices, which is why scikit-learn removed `load_boston`. It is kept here only to
reproduce the book's examples as a small regression benchmark; do not draw conclusions
about people or housing from it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from chainrule.data.errors import DataFormatError, DatasetNotFoundError
from chainrule.data.storage import DataFile, fetch, find

#: the 13 input columns, in order
FEATURE_NAMES = (
    "CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT",
)
TARGET_NAME = "MEDV"

BOSTON_CLEAN = DataFile(
    "boston", "boston_housing.csv", "79ac716620024011b03c0c44d2bf99069b8173649181926d9109c25475a3804c", size=34_695
)
BOSTON_ORIGINAL = DataFile(
    "boston",
    "BostonHousing.csv",
    "ab16ba38fbbbbcc69fe930aab1293104f1442c8279c130d9eba03dd864bef675",
    ("https://raw.githubusercontent.com/selva86/datasets/master/BostonHousing.csv",),
    size=35_735,
)

_ROWS = 506
_BOOK_SEED = 80718


def load_boston(root: str | os.PathLike[str] | None = None, download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The Boston housing data.

    Ethical note: column B encodes the proportion of Black residents of each tract; see
    this module's docstring. Use the data only as a small regression benchmark.

    Args:
        root: a folder holding ``boston/<file>`` or ``<file>``, searched first; then
            ``$CHAINRULE_DATA``, then the user cache.
        download: fetch ``BostonHousing.csv`` from its mirror when neither file is found.

    Returns:
        ``(X, y)``: X float64 of shape (506, 13), columns `FEATURE_NAMES`; y float64 of
        shape (506,), MEDV in thousands of dollars.
    """
    path = find(BOSTON_CLEAN, root) or find(BOSTON_ORIGINAL, root)
    if path is None:
        try:
            path = fetch(BOSTON_ORIGINAL, root=root, download=download)
        except DatasetNotFoundError as err:
            raise DatasetNotFoundError(
                f"{err}\n(The clean CSV {BOSTON_CLEAN.relative_path}, SHA-256 {BOSTON_CLEAN.sha256}, "
                "is accepted in its place.)"
            ) from None
    table = read_boston_csv(path)
    return table[:, :-1].copy(), table[:, -1].copy()


def read_boston_csv(path: str | os.PathLike[str]) -> np.ndarray:
    """Parse either Boston CSV (quotes optional, header in any case) into float64 (506, 14)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except UnicodeDecodeError as err:
        raise DataFormatError(f"{path}: expected an ASCII CSV file: {err}") from err
    expected = [*FEATURE_NAMES, TARGET_NAME]
    header = [cell.strip().strip('"').upper() for cell in lines[0].split(",")] if lines else []
    if header != expected:
        raise DataFormatError(f"{path}: expected the header {','.join(expected)}, got {lines[0] if lines else 'an empty file'!r}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = [cell.strip().strip('"') for cell in line.split(",")]
        try:
            if len(cells) != len(expected):
                raise ValueError(f"expected {len(expected)} values, got {len(cells)}")
            rows.append([float(cell) for cell in cells])
        except ValueError as err:
            raise DataFormatError(f"{path}, line {number}: {err}") from err
    if len(rows) != _ROWS:
        raise DataFormatError(f"{path}: expected {_ROWS} data rows, got {len(rows)}")
    return np.array(rows, dtype=np.float64)


def book_split(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The book's train/test split, reproduced without scikit-learn.

    1. Standardise every column of X over all rows (mean 0, standard deviation 1 with
       ddof=0). This uses the test rows too, as the book does (``StandardScaler`` on the
       whole set); y is left as it is.
    2. ``np.random.RandomState(80718).permutation(n)``: the first ⌈0.3·n⌉ indices (152 of
       506) are the test set, the rest the training set — what scikit-learn's
       ``train_test_split(..., test_size=0.3, random_state=80718)`` does.

    Args:
        X: (n, d) features. y: (n,) or (n, 1) targets.

    Returns:
        ``(X_train, X_test, y_train, y_test)``, float64; y as column vectors (n, 1).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    if X.ndim != 2 or len(X) != len(y) or len(X) < 2:
        raise ValueError(
            f"book_split: expected X of shape (n, d) and n targets, n >= 2; got X {X.shape}, y {y.shape}"
        )
    std = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(std == 0, 1.0, std)
    order = np.random.RandomState(_BOOK_SEED).permutation(len(X))  # legacy generator: the book's numbers
    n_test = math.ceil(0.3 * len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]
