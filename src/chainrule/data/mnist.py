"""MNIST and Fashion-MNIST: 70,000 grey 28×28 images in 10 classes, as NumPy arrays.

Both come as four gzip-compressed IDX files (see `chainrule.data.idx`): 60,000 training
and 10,000 test images and their labels. The files are found or downloaded by
`chainrule.data.storage` and checked against the SHA-256s below before they are read.

- MNIST: handwritten digits 0–9. Y. LeCun, C. Cortes, C. J. C. Burges,
  "The MNIST database of handwritten digits".
- Fashion-MNIST: photos of clothes (`FASHION_MNIST_CLASSES`), same format and sizes.
  H. Xiao, K. Rasul, R. Vollgraf (Zalando Research, 2017), MIT licence.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from chainrule.data.errors import DataFormatError
from chainrule.data.idx import read_idx
from chainrule.data.storage import DataFile, fetch_all, mirror_urls

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
FASHION_MNIST_MIRRORS = (
    "https://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)

#: Fashion-MNIST's label i is the garment FASHION_MNIST_CLASSES[i].
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

_FILE_NAMES = (  # in the order of the arrays returned
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
_MNIST_SHA256 = (
    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
)
_MNIST_SIZES = (9_912_422, 28_881, 1_648_877, 4_542)
_FASHION_SHA256 = (
    "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
)
_FASHION_SIZES = (26_421_880, 29_515, 4_422_102, 5_148)

#: The four files of each data set: train images, train labels, test images, test labels.
MNIST_FILES = tuple(
    DataFile("mnist", name, sha, mirror_urls(MNIST_MIRRORS, name), size)
    for name, sha, size in zip(_FILE_NAMES, _MNIST_SHA256, _MNIST_SIZES)
)
FASHION_MNIST_FILES = tuple(
    DataFile("fashion-mnist", name, sha, mirror_urls(FASHION_MNIST_MIRRORS, name), size)
    for name, sha, size in zip(_FILE_NAMES, _FASHION_SHA256, _FASHION_SIZES)
)

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def load_mnist(root: str | os.PathLike[str] | None = None, download: bool = True) -> Split:
    """The MNIST handwritten digits.

    Args:
        root: a folder holding ``mnist/<file>`` or ``<file>``, searched first; then
            ``$CHAINRULE_DATA``, then the user cache (see `chainrule.data.storage`).
        download: fetch missing files from the mirrors into the cache.

    Returns:
        ``(X_train, y_train, X_test, y_test)``: images uint8 of shape (60000, 28, 28) and
        (10000, 28, 28), pixel values 0 (background) to 255; labels int64 of shape
        (60000,) and (10000,), values 0–9.

    Raises:
        DatasetNotFoundError: the files are missing and could not be downloaded.
        ChecksumError, DataFormatError: a file is damaged.
    """
    return _load_four(MNIST_FILES, root, download)


def load_fashion_mnist(root: str | os.PathLike[str] | None = None, download: bool = True) -> Split:
    """Fashion-MNIST: the same shapes and dtypes as `load_mnist`; labels name `FASHION_MNIST_CLASSES`.

    Files are searched as ``fashion-mnist/<file>`` or ``<file>`` in each folder.
    """
    return _load_four(FASHION_MNIST_FILES, root, download)


def _load_four(files: tuple[DataFile, ...], root: str | os.PathLike[str] | None, download: bool) -> Split:
    """Read train images, train labels, test images, test labels; check shapes and label range."""
    paths = fetch_all(files, root=root, download=download)
    train = _check_pair(read_idx(paths[0]), read_idx(paths[1]), paths[0], paths[1])
    test = _check_pair(read_idx(paths[2]), read_idx(paths[3]), paths[2], paths[3])
    return train[0], train[1], test[0], test[1]


def _check_pair(images: np.ndarray, labels: np.ndarray, image_path: Path, label_path: Path) -> tuple[np.ndarray, np.ndarray]:
    if images.dtype != np.uint8 or images.shape[1:] != (28, 28):
        raise DataFormatError(
            f"{image_path}: expected uint8 images of shape (N, 28, 28), got {images.dtype} of shape {images.shape}"
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise DataFormatError(
            f"{label_path}: expected {len(images)} labels, one per image in {image_path.name}, "
            f"got an array of shape {labels.shape}"
        )
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataFormatError(f"{label_path}: labels must lie in 0..9, found values {labels.min()}..{labels.max()}")
    return images, labels
