"""IDX files, the format of MNIST: `read_idx` (safe against damaged files) and `write_idx`.

An IDX file is a 4-byte magic number, the sizes of its dimensions, then the data:

    byte 0, 1   0x00 0x00
    byte 2      type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte 3      number of dimensions d
    then        d sizes, each a big-endian uint32
    then        prod(sizes) items, big-endian, C order (last index fastest)

MNIST's ``train-images-idx3-ubyte`` is ``00 00 08 03``, then 60000, 28, 28, then
47,040,000 pixels. Files are usually gzip-compressed (``.gz``); `read_idx` recognises
gzip by its content, so the file name does not matter.

`read_idx` trusts nothing in the file. It checks the declared size against the bytes
that can actually be there *before* it allocates anything (a raw file must hold exactly
that many bytes; a gzip file cannot expand more than 1032-fold; nothing may exceed
``max_bytes``), decompresses with a cap (a gzip bomb stops one byte past the declared
size), converts multi-byte items to the machine's byte order in place (the data is held
once), refuses anything that is not a regular file (a FIFO, a device) without blocking, and reports every problem as a `DataFormatError` that names the file.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from chainrule.checks import open_regular_file
from chainrule.data.errors import DataFormatError

#: type code -> NumPy dtype (big-endian, as stored in the file)
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: `read_idx` refuses files whose data would exceed this many bytes (1 GiB) unless told otherwise.
MAX_IDX_BYTES = 1 << 30

_GZIP_MAGIC = b"\x1f\x8b"
_MAX_DEFLATE_RATIO = 1032  # deflate cannot expand one input byte into more than ~1032 bytes
_MAX_DIMS = 32
_CHUNK = 1 << 18


def read_idx(path: str | os.PathLike[str], max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a NumPy array.

    Args:
        path: the file; gzip compression is detected from the content.
        max_bytes: refuse files whose data would take more than this many bytes.

    Returns:
        An array of the declared shape ``(d0, d1, ...)`` and the dtype of the type code
        (uint8 for MNIST), in native byte order, writable.

    Raises:
        DataFormatError: anything wrong with the content (the message names the file
            and the problem). FileNotFoundError: the path does not exist.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_idx(folder + "/x.idx.gz", np.arange(6, dtype=np.uint8).reshape(2, 3))
    ...     read_idx(folder + "/x.idx.gz")
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    path = Path(path)
    # a missing file raises FileNotFoundError, as usual; a FIFO or a device is refused without blocking
    with open_regular_file(path, DataFormatError) as raw:
        try:
            return _read(raw, path, max_bytes)
        except DataFormatError:
            raise
        except (OSError, EOFError) as err:  # an I/O error while reading
            raise DataFormatError(f"{path}: could not be read: {err}") from err


def _read(raw: BinaryIO, path: Path, max_bytes: int) -> np.ndarray:
    file_size = os.fstat(raw.fileno()).st_size
    compressed = raw.read(2) == _GZIP_MAGIC
    raw.seek(0)
    stream: _Stream = _GunzipStream(raw, path) if compressed else raw

    magic = stream.read(4)
    if len(magic) < 4:
        raise DataFormatError(
            f"{path}: truncated: an IDX file starts with a 4-byte magic number, "
            f"the file holds only {len(magic)} byte(s)"
        )
    zero0, zero1, type_code, ndim = magic
    if zero0 != 0 or zero1 != 0:
        raise DataFormatError(
            f"{path}: not an IDX file: the magic number must start with two zero bytes, "
            f"got {magic.hex(' ')} (is it an HTML error page or another format?)"
        )
    if type_code not in IDX_DTYPES:
        known = ", ".join(f"0x{code:02X} ({dt.name})" for code, dt in IDX_DTYPES.items())
        raise DataFormatError(f"{path}: unknown IDX type code 0x{type_code:02X}; expected one of {known}")
    if not 1 <= ndim <= _MAX_DIMS:
        raise DataFormatError(f"{path}: the header declares {ndim} dimensions; expected 1 to {_MAX_DIMS}")

    size_bytes = stream.read(4 * ndim)
    if len(size_bytes) < 4 * ndim:
        raise DataFormatError(
            f"{path}: truncated header: {ndim} dimension sizes need {4 * ndim} bytes, "
            f"found {len(size_bytes)}"
        )
    shape = tuple(int(s) for s in np.frombuffer(size_bytes, dtype=">u4"))
    dtype = IDX_DTYPES[type_code]
    nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow

    # Check the declared size against what can be there, before allocating anything.
    if nbytes > max_bytes:
        raise DataFormatError(
            f"{path}: the header declares shape {shape} of {dtype.name}, {nbytes:,} bytes, "
            f"more than the limit of {max_bytes:,}; pass a larger max_bytes if the file is genuine"
        )
    header_len = 4 + 4 * ndim
    if compressed:
        if nbytes + header_len > _MAX_DEFLATE_RATIO * file_size:
            raise DataFormatError(
                f"{path}: the header declares {nbytes:,} bytes of data, which a gzip file of "
                f"{file_size:,} bytes cannot hold; the file is damaged or truncated"
            )
    elif file_size - header_len != nbytes:
        problem = "truncated" if file_size - header_len < nbytes else "trailing bytes after the data"
        raise DataFormatError(
            f"{path}: {problem}: the header declares shape {shape} of {dtype.name}, "
            f"{nbytes:,} bytes of data; the file holds {file_size - header_len:,}"
        )

    payload = _read_exactly(stream, nbytes, path, shape, dtype)
    _check_end(stream, path, shape, nbytes)
    array = np.frombuffer(payload, dtype=dtype).reshape(shape)  # writable: a view of the bytearray
    if not dtype.isnative:
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))  # in place: no second copy
    return array


def _read_exactly(stream: _Stream, nbytes: int, path: Path, shape: tuple[int, ...], dtype: np.dtype) -> bytearray:
    """Read `nbytes` into a buffer that grows with the data actually found."""
    payload = bytearray()
    while len(payload) < nbytes:
        piece = stream.read(min(_CHUNK * 8, nbytes - len(payload)))
        if not piece:
            raise DataFormatError(
                f"{path}: truncated: the header declares shape {shape} of {dtype.name}, "
                f"{nbytes:,} bytes of data; the file holds {len(payload):,}"
            )
        payload += piece
    return payload


def _check_end(stream: _Stream, path: Path, shape: tuple[int, ...], nbytes: int) -> None:
    if stream.read(1):
        raise DataFormatError(
            f"{path}: trailing data: the header declares shape {shape}, {nbytes:,} bytes, "
            "but the file holds more"
        )


class _Stream(Protocol):
    def read(self, n: int, /) -> bytes | bytearray: ...


class _GunzipStream:
    """Decompress a gzip file on demand, never producing more bytes than asked for.

    `read(n)` returns exactly n bytes, or fewer only at the clean end of the data.
    A stream that stops early, a bad CRC, or bytes after the last gzip member that are
    not another member raise `DataFormatError`.
    """

    def __init__(self, raw: BinaryIO, path: Path) -> None:
        self._raw = raw
        self._path = path
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip wrapper only
        self._pending = b""

    def read(self, n: int) -> bytearray:
        out = bytearray()
        while len(out) < n:
            piece = self._next(n - len(out))
            if piece is None:
                break
            out += piece
        return out

    def _next(self, max_out: int) -> bytes | None:
        """Some decompressed bytes (possibly none yet), or None at the clean end."""
        if self._inflater.eof:  # one gzip member done: another one, or the end
            rest = self._inflater.unused_data
            if len(rest) < 2:
                rest += self._raw.read(_CHUNK)
            if not rest:
                return None
            if rest[:2] != _GZIP_MAGIC:
                raise DataFormatError(f"{self._path}: unexpected bytes after the end of the gzip stream")
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._pending = rest
        elif not self._pending:
            self._pending = self._raw.read(_CHUNK)
            if not self._pending:
                raise DataFormatError(
                    f"{self._path}: truncated: the gzip stream ends before its end marker "
                    "(an incomplete download?)"
                )
        try:
            piece = self._inflater.decompress(self._pending, max_out)
        except zlib.error as err:
            raise DataFormatError(f"{self._path}: corrupt gzip stream: {err}") from err
        self._pending = self._inflater.unconsumed_tail
        return piece


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write `array` as an IDX file; gzip-compressed when the name ends in ``.gz``.

    Args:
        path: the file to write (replaced if it exists).
        array: at least one dimension, each size < 2**32, of dtype uint8, int8, int16,
            int32, float32 or float64 (stored big-endian, as the format asks).

    Compressed files are reproducible: the gzip header holds no time stamp.
    """
    path = Path(path)
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        names = ", ".join(dt.name for dt in IDX_DTYPES.values())
        raise ValueError(
            f"write_idx: IDX stores {names}; got dtype {array.dtype}; "
            f"convert first, e.g. array.astype(np.int32)"
        )
    if not 1 <= array.ndim <= _MAX_DIMS or any(size >= 2**32 for size in array.shape):
        raise ValueError(
            f"write_idx: expected 1 to {_MAX_DIMS} dimensions, each smaller than 2**32; got shape {array.shape}"
        )
    header = bytes([0, 0, codes[native], array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    body = np.ascontiguousarray(array, dtype=native.newbyteorder(">")).tobytes()
    if path.name.endswith(".gz"):
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
            out.write(header)
            out.write(body)
    else:
        with open(path, "wb") as out:
            out.write(header)
            out.write(body)
