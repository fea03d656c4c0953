"""Chapter 3: replaying the book's random draws gives the book's printed numbers."""

from pathlib import Path

import pytest

from chainrule.reproduce import ch3

DATA = Path(__file__).resolve().parents[2] / "data"


def test_replay_matches_the_book_to_its_printed_digits():
    if not (DATA / "boston").exists():
        pytest.skip("the vendored Boston data is absent")
    rows = {(r.experiment, r.metric): r.ours for r in ch3.run(str(DATA)) if "replaying" in r.experiment}
    printed = {"linear regression": (3.52, 5.01), "13 sigmoid → 1": (2.60, 4.03), "13 sigmoid → 13 sigmoid → 1": (2.45, 3.83)}
    for name, (mae, rmse) in printed.items():
        label = f"{name}, replaying the book's random draws"
        assert round(rows[(label, "MAE")], 2) == mae
        assert rows[(label, "RMSE")] == pytest.approx(rmse, abs=0.011)
