"""Chapter 4 on a small slice of MNIST, and the PyTorch side's parity."""

from pathlib import Path

import numpy as np
import pytest
from harness import HAS_TORCH

import chainrule as cr
from chainrule.reproduce import ch4
from chainrule.reproduce.mnist_data import book_mnist

DATA = Path(__file__).resolve().parents[2] / "data"


def test_quick_run_gives_a_row_per_configuration():
    rows = ch4.run(str(DATA), quick=True, with_torch=False)
    assert [r.experiment for r in rows] == [f"{c.name}, 2 epochs on 2,000 images (quick)" for c in ch4.CONFIGS]
    assert all(0.1 < r.ours <= 1.0 for r in rows)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_pytorch_from_the_same_weights_and_batches_lands_where_we_land():
    import torch

    from chainrule.reproduce.torch_trainer import fit_torch

    X_train, y_train, X_test, y_test = book_mnist(str(DATA), limit=600)
    net = cr.NeuralNetwork([cr.Dense(32, "tanh"), cr.Dense(10)], cr.SoftmaxCrossEntropy(), seed=0)
    net.predict(X_train[:1])
    reference = cr.NeuralNetwork([cr.Dense(32, "tanh"), cr.Dense(10)], cr.SoftmaxCrossEntropy())
    reference.load_state_dict(net.state_dict())
    cr.Trainer(net, cr.SGDMomentum(lr=0.05), quiet=True).fit(X_train, y_train, X_test, y_test, epochs=3, eval_every=1,
                                                             batch_size=50, seed=3, early_stopping=False)
    ours = net.evaluate(X_test, y_test)
    theirs = fit_torch(reference, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9), lambda epoch: 0.05,
                       X_train, y_train, X_test, y_test, epochs=3, eval_every=1, batch_size=50, seed=3,
                       early_stopping=False)
    assert theirs["loss"] == pytest.approx(ours["loss"], rel=1e-4)
    assert theirs["accuracy"] == pytest.approx(ours["accuracy"], abs=0.002)
    assert np.isfinite(theirs["loss"])
