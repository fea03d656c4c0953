"""MNIST and Fashion-MNIST loaders, on tiny generated files (and the real ones where present)."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.data import mnist
from chainrule.data.errors import DataFormatError, DatasetNotFoundError
from chainrule.data.idx import write_idx
from chainrule.data.mnist import FASHION_MNIST_CLASSES, load_fashion_mnist, load_mnist

TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_load_mnist_returns_the_arrays_with_the_promised_dtypes(tmp_path, monkeypatch, fake_idx_set):
    files, arrays = fake_idx_set(tmp_path, "mnist", n_train=6, n_test=4)
    monkeypatch.setattr(mnist, "MNIST_FILES", files)
    X_train, y_train, X_test, y_test = load_mnist(root=tmp_path, download=False)
    assert X_train.shape == (6, 28, 28) and X_train.dtype == np.uint8
    assert X_test.shape == (4, 28, 28) and X_test.dtype == np.uint8
    assert y_train.shape == (6,) and y_train.dtype == np.int64
    assert y_test.shape == (4,) and y_test.dtype == np.int64
    for got, written in zip((X_train, y_train, X_test, y_test), arrays):
        np.testing.assert_array_equal(got, written)


def test_load_fashion_mnist_uses_its_own_folder(tmp_path, monkeypatch, fake_idx_set):
    files, arrays = fake_idx_set(tmp_path, "fashion-mnist", n_train=3, n_test=2, seed=5)
    monkeypatch.setattr(mnist, "FASHION_MNIST_FILES", files)
    X_train, y_train, X_test, y_test = load_fashion_mnist(root=tmp_path, download=False)
    np.testing.assert_array_equal(X_test, arrays[2])
    assert len(FASHION_MNIST_CLASSES) == 10 and FASHION_MNIST_CLASSES[9] == "Ankle boot"
    assert all(f.dataset == "fashion-mnist" for f in mnist.FASHION_MNIST_FILES)


def test_files_are_downloaded_from_the_mirrors_when_missing(tmp_path, monkeypatch, web, cache, fake_idx_set):
    served = tmp_path / "server"
    files, arrays = fake_idx_set(served, "mnist", urls_base="https://mirror.example/mnist/")
    for f in files:
        web.serve(f.urls[0], (served / "mnist" / f.name).read_bytes())
    monkeypatch.setattr(mnist, "MNIST_FILES", files)
    _, y_train, _, _ = load_mnist()
    np.testing.assert_array_equal(y_train, arrays[1])
    assert sorted(p.name for p in (cache / "mnist").iterdir()) == sorted(f.name for f in files)


def rewrite(tmp_path, files, index, array, monkeypatch, make_data_file):
    """Replace file `index` of a fake set by `array` (with its new checksum registered)."""
    path = tmp_path / files[index].dataset / files[index].name
    write_idx(path, array)
    replaced = list(files)
    replaced[index] = make_data_file(path, files[index].dataset)
    monkeypatch.setattr(mnist, "MNIST_FILES", tuple(replaced))


@pytest.mark.parametrize(
    "index, array, message",
    [
        (1, np.zeros(5, dtype=np.uint8), "expected 6 labels, one per image"),
        (1, np.zeros((6, 1), dtype=np.uint8), "expected 6 labels"),
        (0, np.zeros((6, 27, 28), dtype=np.uint8), "shape \\(N, 28, 28\\)"),
        (2, np.zeros((4, 28, 28), dtype=np.float32), "expected uint8 images"),
        (3, np.array([0, 1, 10, 2], dtype=np.uint8), "labels must lie in 0..9, found values 0..10"),
    ],
)
def test_inconsistent_files_are_reported(tmp_path, monkeypatch, fake_idx_set, make_data_file, index, array, message):
    files, _ = fake_idx_set(tmp_path, "mnist", n_train=6, n_test=4)
    rewrite(tmp_path, files, index, array, monkeypatch, make_data_file)
    with pytest.raises(DataFormatError, match=message) as info:
        load_mnist(root=tmp_path, download=False)
    assert files[index].name in str(info.value)


def test_missing_files_name_every_expected_file(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(root=tmp_path, download=False)
    for f in mnist.MNIST_FILES:
        assert f"mnist/{f.name}" in str(info.value) and f.sha256 in str(info.value)


def test_embedded_checksums_match_the_published_list(published_sums):
    checked = [f for f in mnist.MNIST_FILES + mnist.FASHION_MNIST_FILES if f.relative_path in published_sums]
    assert len(checked) >= 4
    for f in checked:
        assert published_sums[f.relative_path] == f.sha256, f.relative_path
    assert all(f.urls and f.urls[0].endswith(f.name) for f in mnist.MNIST_FILES)


def test_real_mnist_loads_with_the_known_label_counts(real_data):
    folder = real_data("mnist/train-images-idx3-ubyte.gz")
    X_train, y_train, X_test, y_test = load_mnist(root=folder, download=False)
    assert X_train.shape == (60000, 28, 28) and X_test.shape == (10000, 28, 28)
    assert np.bincount(y_test).tolist() == TEST_LABEL_COUNTS
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert X_test.max() == 255 and X_test.min() == 0
