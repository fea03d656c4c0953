"""Chapter 3's cells through chainrule.book (the book's Trainer), on the book's Boston split.

The data is small (354 training rows), so the cells run as printed: 50 epochs,
evaluation every 10, the book's seed. Because chainrule.book draws its weights
and shuffles with NumPy's global generator exactly as the book's code did, the
printed errors are the book's to the digit; the book was right here (no ReLU,
no Glorot, no softmax), so they must match.
"""

from pathlib import Path

import numpy as np
import pytest

from notebook_cells import numbers_after, run_cell

DATA = Path(__file__).resolve().parents[2] / "data"

SETUP = """
import numpy as np
from lincoln.layers import Dense
from lincoln.activations import Sigmoid, Linear
from lincoln.losses import MeanSquaredError
from lincoln.optimizers import SGD
from lincoln.network import NeuralNetwork
from lincoln.train import Trainer

def mae(y_true, y_pred):
    return np.mean(np.abs(y_true - y_pred))

def rmse(y_true, y_pred):
    return np.sqrt(np.mean(np.power(y_true - y_pred, 2)))

def eval_regression_model(model, X_test, y_test):
    preds = model.forward(X_test)
    preds = preds.reshape(-1, 1)
    print("Mean absolute error: {:.2f}".format(mae(preds, y_test)))
    print()
    print("Root mean squared error {:.2f}".format(rmse(preds, y_test)))
"""

CELL = """
model = NeuralNetwork(
    layers=[{hidden}Dense(neurons=1, activation=Linear())],
    loss=MeanSquaredError(),
    seed=20190501)
trainer = Trainer(model, SGD(lr=0.01))
trainer.fit(X_train, y_train, X_test, y_test, epochs=50, eval_every=10, seed=20190501)
print()
eval_regression_model(model, X_test, y_test)
"""
HIDDEN = "Dense(neurons=13, activation=Sigmoid()),\n            "
CELLS = {  # the book's three models: linear regression, one hidden layer of 13 sigmoids, two
    "linear regression": CELL.format(hidden=""),
    "13 sigmoid": CELL.format(hidden=HIDDEN),
    "13 sigmoid, 13 sigmoid": CELL.format(hidden=2 * HIDDEN),
}
BOOK = {"linear regression": (3.52, 5.01), "13 sigmoid": (2.60, 4.03), "13 sigmoid, 13 sigmoid": (2.45, 3.83)}


@pytest.fixture(scope="module")
def boston():
    if not (DATA / "boston").exists():
        pytest.skip("the vendored Boston data is absent")
    from chainrule.data import book_split, load_boston

    X_train, X_test, y_train, y_test = book_split(*load_boston(str(DATA)))
    return {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}


@pytest.mark.parametrize("name", list(CELLS))
def test_chapter_3_cells_print_the_book_s_errors(boston, name):
    _, namespace = run_cell(SETUP, dict(boston))
    printed, _ = run_cell(CELLS[name], namespace)
    losses = numbers_after(printed, "epochs is")
    assert len(losses) == 5 and losses == sorted(losses, reverse=True)  # it fell at every evaluation, as in the book
    assert (numbers_after(printed, "Mean absolute error:")[0], numbers_after(printed, "Root mean squared error")[0]) \
        == BOOK[name]


def test_early_stopping_puts_back_the_best_evaluated_model_and_says_so(capsys):
    from chainrule.book import Dense, Linear, MeanSquaredError, NeuralNetwork, SGD, Trainer

    rng = np.random.default_rng(0)
    X, Xt = rng.normal(size=(64, 3)), rng.normal(size=(32, 3))
    y, yt = X @ np.ones((3, 1)), Xt @ np.array([[1.0], [1.0], [-1.0]])  # fitting y takes it away from yt, in time
    net = NeuralNetwork([Dense(1, Linear())], MeanSquaredError(), seed=1)
    trainer = Trainer(net, SGD(0.05))
    snapshots = {}
    evaluate = net.loss.forward

    def spy(prediction, target):
        if len(prediction) == len(Xt):  # an evaluation (after epoch len(snapshots) + 1, as eval_every=1)
            snapshots[len(snapshots) + 1] = [p.copy() for p in net.params()]
        return evaluate(prediction, target)

    net.loss.forward = spy
    trainer.fit(X, y, Xt, yt, epochs=30, eval_every=1, batch_size=16, seed=3)
    printed = capsys.readouterr().out
    assert "Loss increased after epoch" in printed
    best = int(printed.split("using the model from epoch")[1].split()[0])
    assert all(np.array_equal(a, b) for a, b in zip(net.params(), snapshots[best]))
    assert numbers_after(printed, "final loss was")[0] == pytest.approx(trainer.best_loss, abs=5e-4)
