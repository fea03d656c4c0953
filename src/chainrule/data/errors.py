"""The three exceptions of `chainrule.data`.

- `DataFormatError` (a `ValueError`): a file's bytes are not what they should be —
  truncated, a wrong magic number, a size that does not match, a corrupt gzip stream.
- `ChecksumError` (a `DataFormatError`): a data file's SHA-256 is not the published one.
- `DatasetNotFoundError` (a `FileNotFoundError`): a data file is in none of the folders
  searched and could not be downloaded; the message says which files to put where.
"""

from __future__ import annotations


class DataFormatError(ValueError):
    """A data file is damaged, truncated or not in the format expected.

    The message names the file and the problem, e.g.
    ``"labels.idx: truncated: the header declares 60000 bytes of data, the file holds 512"``.
    """


class ChecksumError(DataFormatError):
    """A data file's SHA-256 differs from the expected one; the file is never used."""


class DatasetNotFoundError(FileNotFoundError):
    """A data set's files were not found and could not be downloaded.

    The message lists the folders searched, the expected file names and how to fix it
    (copy the files there, or point ``CHAINRULE_DATA`` at a folder holding them).
    """
