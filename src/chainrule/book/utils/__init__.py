"""The book's `lincoln.utils`: `np_utils` (array helpers) and `mnist` (``mnist.load()``)."""

from chainrule.book.utils import mnist, np_utils

__all__ = ["mnist", "np_utils"]
