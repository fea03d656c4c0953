"""Text for character-level models: `load_text` and the character `Vocabulary`.

Two texts are known by name (and downloaded where missing, like every data set):

- ``"dlfs"``: the 99,993-character file the book's chapter 6 trains its RNNs on
  (``06_rnns/input.txt`` of the book's code). It reads like Shakespeare but is not: it
  looks like text sampled from a character-level RNN. Use it to reproduce the book.
- ``"tinyshakespeare"``: 1,115,394 characters of real Shakespeare, from Karpathy's char-rnn.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from chainrule.data.errors import DataFormatError
from chainrule.data.storage import DataFile, fetch

#: texts known by name
TEXTS = {
    "dlfs": DataFile(
        "dlfs",
        "input.txt",
        "c879e55c5e318b9d978064e246306e01d60be15a50f64d9438daeaeacbc119e8",
        ("https://raw.githubusercontent.com/SethHWeidman/DLFS_code/master/06_rnns/input.txt",),
        size=99_993,
    ),
    "tinyshakespeare": DataFile(
        "tinyshakespeare",
        "input.txt",
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        ("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",),
        size=1_115_394,
    ),
}


def load_text(path_or_name: str | os.PathLike[str], root: str | os.PathLike[str] | None = None, download: bool = True) -> str:
    """A UTF-8 text file as one string, newlines kept exactly as in the file.

    Args:
        path_or_name: one of the names in `TEXTS` (``"dlfs"``, ``"tinyshakespeare"``),
            found like any data set (``root``, ``$CHAINRULE_DATA``, the cache, download);
            anything else is a path to a UTF-8 file.
        root, download: as in `chainrule.data.storage.fetch`, for named texts only.
    """
    if isinstance(path_or_name, str) and path_or_name in TEXTS:
        path = fetch(TEXTS[path_or_name], root=root, download=download)
    else:
        path = Path(path_or_name)
        if not path.is_file():
            raise FileNotFoundError(
                f"load_text: no file {str(path)!r}; pass the path of a UTF-8 text file "
                f"or one of the names {', '.join(map(repr, TEXTS))}"
            )
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataFormatError(
            f"{path}: expected UTF-8 text; byte {err.start} is {data[err.start:err.start + 1]!r} ({err.reason})"
        ) from err


class Vocabulary:
    """A fixed, ordered set of characters: character <-> integer index.

    Built from a text, the characters are sorted by code point, so the same text always
    gives the same indices (a `set` alone has no stable order).

    >>> vocab = Vocabulary("hello")
    >>> vocab.chars
    ('e', 'h', 'l', 'o')
    >>> vocab.encode("hole")
    array([1, 3, 2, 0])
    >>> vocab.decode([1, 0, 2, 2, 3])
    'hello'
    >>> Vocabulary.from_dict(vocab.to_dict()) == vocab
    True
    """

    def __init__(self, text: Iterable[str]) -> None:
        """Build from the distinct characters of `text` (a string, or an iterable of characters)."""
        chars = set(text)
        if not isinstance(text, str):
            for char in chars:
                if not isinstance(char, str) or len(char) != 1:
                    raise TypeError(f"Vocabulary: expected single characters, got {char!r}")
        self._set_chars(sorted(chars))

    def _set_chars(self, chars: list[str]) -> None:
        self._chars = tuple(chars)
        self._index = {char: i for i, char in enumerate(chars)}
        codes = np.array([ord(c) for c in chars], dtype=np.int64)
        self._codes = codes  # index -> code point
        self._order = np.argsort(codes, kind="stable")  # rank -> index
        self._sorted_codes = codes[self._order]

    @property
    def chars(self) -> tuple[str, ...]:
        """The characters, in index order."""
        return self._chars

    def __len__(self) -> int:
        return len(self._chars)

    def __contains__(self, char: object) -> bool:
        return char in self._index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self._chars == other._chars

    def __hash__(self) -> int:
        return hash(self._chars)

    def __repr__(self) -> str:
        shown = "".join(self._chars[:40])
        return f"Vocabulary({len(self)} characters: {shown!r}{'...' if len(self) > 40 else ''})"

    def index(self, char: str) -> int:
        """The index of one character."""
        if char not in self._index:
            raise KeyError(f"Vocabulary: {char!r} is not one of its {len(self)} characters")
        return self._index[char]

    def encode(self, text: str) -> np.ndarray:
        """Indices of the characters of `text`: int64, shape (len(text),)."""
        if not isinstance(text, str):
            raise TypeError(f"Vocabulary.encode: expected a str, got {type(text).__name__}")
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)
        if codes.size == 0:
            return np.zeros(0, dtype=np.int64)
        rank = np.zeros(len(codes), dtype=np.intp)
        known = np.zeros(len(codes), dtype=bool)
        if len(self):
            rank = np.minimum(np.searchsorted(self._sorted_codes, codes), len(self) - 1)
            known = self._sorted_codes[rank] == codes
        if not known.all():
            position = int(np.argmin(known))
            char = text[position]
            raise ValueError(
                f"Vocabulary.encode: character {char!r} (U+{ord(char):04X}) at position {position} is not in "
                f"the vocabulary of {len(self)} characters; build the vocabulary from text that contains it, "
                "or remove it from the input"
            )
        return self._order[rank].astype(np.int64)

    def decode(self, indices: Iterable[int] | np.ndarray) -> str:
        """The text of a sequence of indices (a 1-D array or list of ints)."""
        array = np.asarray(indices)
        if array.ndim > 1:
            raise ValueError(f"Vocabulary.decode: expected a 1-D sequence of indices, got shape {array.shape}")
        array = array.reshape(-1)
        if array.size == 0:
            return ""
        if not np.issubdtype(array.dtype, np.integer):
            raise TypeError(f"Vocabulary.decode: expected integer indices, got dtype {array.dtype}")
        if array.min() < 0 or array.max() >= len(self):
            bad = array[(array < 0) | (array >= len(self))][0]
            raise ValueError(f"Vocabulary.decode: index {bad} is outside 0..{len(self) - 1}")
        return self._codes[array].astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable description, to save with a model: ``{"chars": [...]}``."""
        return {"chars": list(self._chars)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Vocabulary:
        """The vocabulary saved by `to_dict` (the same characters at the same indices)."""
        chars = data.get("chars") if isinstance(data, dict) else None
        if not isinstance(chars, list) or not all(isinstance(c, str) and len(c) == 1 for c in chars):
            raise ValueError(f"Vocabulary.from_dict: expected {{'chars': [single characters]}}, got {data!r:.80}")
        if len(set(chars)) != len(chars):
            raise ValueError("Vocabulary.from_dict: the character list repeats a character")
        vocab = cls.__new__(cls)
        vocab._set_chars(list(chars))
        return vocab
