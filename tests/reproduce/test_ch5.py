"""Chapter 5 in quick mode on the vendored MNIST: the rows exist, and PyTorch trains in lockstep."""

from pathlib import Path

import numpy as np
import pytest
from harness import HAS_TORCH

import chainrule as cr
from chainrule.layers import Conv2D, MaxPool2D
from chainrule.reproduce import ch5

DATA = Path(__file__).resolve().parents[2] / "data"
needs_mnist = pytest.mark.skipif(not (DATA / "mnist" / "train-images-idx3-ubyte.gz").exists(), reason="MNIST is absent")


@needs_mnist
def test_quick_run_gives_every_row(monkeypatch):
    monkeypatch.setattr(ch5, "QUICK_TRAIN", 120)  # two batches: the run itself is what is tested here
    monkeypatch.setattr(ch5, "QUICK_TEST", 60)
    rows = ch5.run(str(DATA), quick=True, with_torch=False)
    labels = [(r.experiment.split(",")[0], r.metric) for r in rows]
    assert len(rows) == 5 and labels.count(("book's CNN (conv 16 5×5 tanh", "test accuracy %")) == 1
    assert all(0.0 <= r.ours <= 1.0 for r in rows if r.metric.endswith("%"))
    assert rows[0].book == pytest.approx(0.9031) and all(r.torch is None for r in rows)
    assert all(r.seconds > 0 for r in rows)


@needs_mnist
def test_the_book_preprocessing_standardises_with_the_training_pixels():
    X_train, y_train, X_test, y_test = ch5.standardized_mnist(str(DATA), quick=False)
    assert X_train.shape == (60_000, 1, 28, 28) and X_train.dtype == np.float32
    assert abs(float(X_train.mean(dtype=np.float64))) < 1e-4
    assert float(X_train.std(dtype=np.float64)) == pytest.approx(1.0, rel=1e-4)
    quick = ch5.standardized_mnist(str(DATA), quick=True)  # the first images of the same preparation
    np.testing.assert_array_equal(quick[0], X_train[: ch5.QUICK_TRAIN])
    assert y_train.dtype == np.int64 and len(quick[2]) == len(quick[3]) == ch5.QUICK_TEST


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_the_pytorch_mirror_trains_in_lockstep_with_ours():
    """Same weights, batches, dropout masks and optimizer: both frameworks end at the same weights."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((120, 1, 8, 8)).astype(np.float32), rng.integers(0, 10, 120)
    net = cr.NeuralNetwork([Conv2D(4, 3, padding=1, activation="tanh"), MaxPool2D(2), cr.Flatten(),
                            cr.Dropout(0.3), cr.Dense(10)], cr.SoftmaxCrossEntropy(), seed=3)
    net.predict(X[:1])
    mirror = ch5.torch_mirror(net)
    ch5.train_ours(net, cr.SGDMomentum(lr=0.1, momentum=0.9), X, y)
    ch5.train_torch(mirror, 0.1, "cross_entropy", X, y)
    np.testing.assert_allclose(mirror[0].weight.detach().numpy(), net.layers[0].weight.data, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ch5.torch_predictor(mirror)(X), net.predict(X), rtol=1e-4, atol=1e-4)
