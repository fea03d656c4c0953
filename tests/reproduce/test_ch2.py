"""Chapter 2 on the real Boston data (vendored in data/): the book's numbers to the last digit."""

from pathlib import Path

import pytest

from chainrule.reproduce import ch2

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def rows():
    if not (DATA / "boston" / "boston_housing.csv").exists():
        pytest.skip("the vendored Boston data is absent")
    return {(r.experiment, r.metric): r for r in ch2.run(str(DATA), quick=True)}


def test_closed_form_matches_the_book(rows):
    assert rows[("closed-form least squares", "MAE")].ours == pytest.approx(3.5671, abs=5e-5)
    assert rows[("closed-form least squares", "RMSE")].ours == pytest.approx(5.0476, abs=5e-5)
    assert rows[("closed-form least squares", "intercept")].ours == pytest.approx(22.6195, abs=5e-5)


def test_gradient_descent_replays_the_book_exactly(rows):
    label = "linear regression, gradient descent (book's seed)"
    assert rows[(label, "MAE")].ours == pytest.approx(3.5644, abs=5e-5)
    assert rows[(label, "RMSE")].ours == pytest.approx(5.0497, abs=5e-5)
    assert rows[(label, "MAE")].passed and rows[(label, "RMSE")].passed
