"""Data sets and data preparation, on NumPy and the standard library only.

- `idx`: read and write IDX files (MNIST's format), safely.
- `storage`: find data files (``root=``, ``$CHAINRULE_DATA``, the user cache), verify
  their SHA-256, download them atomically.
- `mnist`, `boston`, `text`: the data sets of the book.
- `preprocessing`: standardize, one-hot, train/test split, mini-batches.
- `toy`: two-dimensional problems (circles, XOR, spirals, blobs) for seeing decision boundaries.
"""

from chainrule.data.errors import ChecksumError, DataFormatError, DatasetNotFoundError
from chainrule.data.idx import read_idx, write_idx
from chainrule.data.storage import DATA_ENV, DataFile, cache_dir, fetch, fetch_all, find, verify
from chainrule.data.mnist import FASHION_MNIST_CLASSES, load_fashion_mnist, load_mnist
from chainrule.data.boston import FEATURE_NAMES as BOSTON_FEATURE_NAMES, book_split, load_boston
from chainrule.data.text import Vocabulary, load_text
from chainrule.data.toy import KINDS as TOY_KINDS, make_toy
from chainrule.data.preprocessing import Standardized, batches, one_hot, standardize, train_test_split

__all__ = [
    "BOSTON_FEATURE_NAMES", "DATA_ENV", "FASHION_MNIST_CLASSES", "ChecksumError", "DataFile", "DataFormatError",
    "DatasetNotFoundError", "Standardized", "Vocabulary", "batches", "book_split", "cache_dir", "fetch", "fetch_all",
    "find", "make_toy", "TOY_KINDS", "load_boston", "load_fashion_mnist", "load_mnist", "load_text", "one_hot", "read_idx", "standardize",
    "train_test_split", "verify", "write_idx",
]
