"""Saving and loading models and arrays — in a format that cannot run code when loaded.

A model file is an ``.npz`` archive (a zip of ``.npy`` arrays, read with
``allow_pickle=False`` semantics) holding every parameter and buffer, plus one
member ``__chainrule__.json``: the library version and the architecture as
JSON (layer types and their constructor arguments). So a model loads without
the script that trained it:

>>> import tempfile, os, chainrule as cr
>>> net = cr.NeuralNetwork([cr.Dense(3, "tanh", input_size=2), cr.Dense(1)], cr.MeanSquaredError(), seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> save(net, path)
>>> bool(np.array_equal(load(path).predict(np.ones((1, 2))), net.predict(np.ones((1, 2)))))
True

The reader trusts nothing in the file: only a regular file is opened; every member
must be stored uncompressed (as chainrule writes them), named once, and within a
limit; the array shapes in their headers are checked against the members' sizes
and against the architecture *before* anything is allocated; only plain numeric
dtypes are accepted (no object arrays, hence no pickle), and every problem is
reported as a `ModelFileError` naming the file. See `load` for its memory bound.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from chainrule.checks import open_regular_file

FORMAT_NAME = "chainrule-model"
FORMAT_VERSION = 1
META_MEMBER = "__chainrule__.json"
MAX_MEMBER_BYTES = 2 << 30  # 2 GiB: no single array in a model file is larger
MAX_TOTAL_BYTES = 16 << 30  # 16 GiB: all the arrays of a file together (and never more than the file holds)
MAX_META_BYTES = 1 << 20
MAX_NPY_HEADER = 10_000  # bytes of a .npy header (NumPy's own limit)
ALLOWED_KINDS = "biuf"  # booleans, integers, floats — nothing that needs pickle


class ModelFileError(ValueError):
    """The file is not a readable chainrule model or array archive (damaged, truncated, hostile, foreign)."""


# ------------------------------------------------------------------ writing


def write_archive(path: str | os.PathLike, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
    """Write arrays and a JSON header to `path` atomically (temp file, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
                archive.writestr(META_MEMBER, json.dumps(meta, indent=1, sort_keys=True))
                for name, array in arrays.items():
                    array = np.asarray(array)
                    if array.dtype.kind not in ALLOWED_KINDS:
                        raise TypeError(f"cannot save {name!r}: dtype {array.dtype} is not a plain number type")
                    buffer = io.BytesIO()
                    np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
                    archive.writestr(name + ".npy", buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def remove_stale_temporaries(path: str | os.PathLike) -> None:
    """Delete the temporary files that writes of `path` killed mid-way (kill -9, power loss) left beside it.

    Only names `write_archive` gives its temporaries (``<name>.<8 characters>.tmp``) are touched;
    call it where one process owns `path`, as a training run owns its checkpoint.
    """
    path = Path(path)
    pattern = re.compile(re.escape(path.name) + r"\.[A-Za-z0-9_]{8}\.tmp")
    try:
        names = os.listdir(path.parent)
    except FileNotFoundError:
        return
    for name in names:
        if pattern.fullmatch(name):
            try:
                os.unlink(path.parent / name)
            except FileNotFoundError:
                pass


# ------------------------------------------------------------------ reading


class _Archive:
    """An archive opened for checking: its directory is vetted before any member is read.

    Only a regular file is opened (without blocking: a FIFO or /dev/zero is refused at once).
    Every member must be stored uncompressed, as `write_archive` writes it — a compressed
    member is refused, so no member can expand beyond the bytes it occupies — named once,
    within `max_member_bytes`, and all of them together within the file's own size and
    `max_total_bytes`. An array's header is read first, and its payload only once the header's
    shape accounts for the member's exact size.
    """

    def __init__(self, path: str | os.PathLike, max_member_bytes: int, max_total_bytes: int) -> None:
        self.path = Path(path)
        self._handle = open_regular_file(path, ModelFileError)
        try:
            self._zip = zipfile.ZipFile(self._handle)
        except Exception as error:  # zipfile raises many kinds of error on malformed input
            self._handle.close()
            raise ModelFileError(f"{path}: not a chainrule model file (not a readable zip archive: {error})") from None
        try:
            self.members = self._vet(max_member_bytes, min(max_total_bytes, os.fstat(self._handle.fileno()).st_size))
        except BaseException:
            self.close()
            raise
        self._headers: dict[str, tuple[tuple[int, ...], bool, np.dtype, int]] = {}

    def _vet(self, max_member_bytes: int, max_total_bytes: int) -> dict[str, zipfile.ZipInfo]:
        members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in self._zip.infolist():
            name = info.filename
            if name in members:
                raise ModelFileError(f"{self.path}: the member {name!r} appears twice; a damaged or forged file")
            if name != META_MEMBER and not name.endswith(".npy"):
                raise ModelFileError(f"{self.path}: unexpected member {name!r}")
            if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
                raise ModelFileError(
                    f"{self.path}: member {name!r} is compressed or encrypted (method {info.compress_type}); "
                    "chainrule writes every member stored as is, and reads no other kind"
                )
            limit = MAX_META_BYTES if name == META_MEMBER else max_member_bytes
            if info.file_size > limit:
                raise ModelFileError(f"{self.path}: member {name!r} declares {info.file_size} bytes, more than the limit {limit}")
            if info.compress_size != info.file_size:
                raise ModelFileError(f"{self.path}: member {name!r} is damaged (its sizes disagree)")
            total += info.file_size
            if total > max_total_bytes:
                raise ModelFileError(
                    f"{self.path}: the members declare more than {max_total_bytes} bytes in all, more than the "
                    "file holds or the limit allows"
                )
            members[name] = info
        if META_MEMBER not in members:
            raise ModelFileError(f"{self.path}: no {META_MEMBER} header: not a chainrule file")
        return members

    def __enter__(self) -> _Archive:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._handle.close()

    def _read(self, info: zipfile.ZipInfo, skip: int, size: int) -> bytearray:
        """`size` bytes of a member after its first `skip`, checked to be all there is (and its CRC)."""
        data = bytearray(size)
        try:
            with self._zip.open(info) as member:
                member.read(skip)
                view, done = memoryview(data), 0
                while done < size and (count := member.readinto(view[done:])):
                    done += count
                extra = member.read(1)
        except Exception as error:  # zipfile raises many kinds of error on damaged data
            raise ModelFileError(f"{self.path}: member {info.filename!r} is damaged ({error})") from None
        if done != size or extra:
            raise ModelFileError(f"{self.path}: member {info.filename!r} is damaged (its size does not match its header)")
        return data

    def meta(self) -> dict[str, Any]:
        info = self.members[META_MEMBER]
        raw = self._read(info, 0, info.file_size)
        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:  # ValueError: JSONDecodeError, huge integers
            raise ModelFileError(f"{self.path}: the header is not valid JSON ({str(error)[:200]})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
            raise ModelFileError(f"{self.path}: the header does not describe a {FORMAT_NAME} file")
        if not isinstance(meta.get("format_version"), int) or meta["format_version"] > FORMAT_VERSION:
            raise ModelFileError(
                f"{self.path}: format version {meta.get('format_version')!r} is newer than this chainrule reads "
                f"({FORMAT_VERSION}); upgrade chainrule"
            )
        return meta

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every array, read from the headers alone (each checked against its member's size)."""
        return {name[: -len(".npy")]: self._header(info)[0] for name, info in self.members.items() if name != META_MEMBER}

    def _header(self, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], bool, np.dtype, int]:
        if info.filename in self._headers:
            return self._headers[info.filename]
        name = info.filename
        try:
            with self._zip.open(info) as member:
                stream = io.BytesIO(member.read(min(info.file_size, MAX_NPY_HEADER + 16)))
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream, max_header_size=MAX_NPY_HEADER)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream, max_header_size=MAX_NPY_HEADER)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except (ValueError, SyntaxError, TypeError, EOFError, KeyError, zipfile.BadZipFile, OSError) as error:
            raise ModelFileError(f"{self.path}: array {name!r} has a damaged header ({str(error)[:200]})") from None
        if dtype.kind not in ALLOWED_KINDS or dtype.hasobject or dtype.itemsize > 8:
            raise ModelFileError(f"{self.path}: array {name!r} has dtype {dtype}; only plain numbers are loaded (no pickle)")
        if any(not isinstance(n, int) or n < 0 for n in shape):
            raise ModelFileError(f"{self.path}: array {name!r} declares an invalid shape {shape}")
        nbytes = math.prod(shape) * dtype.itemsize
        if stream.tell() + nbytes != info.file_size:
            raise ModelFileError(
                f"{self.path}: array {name!r} declares shape {shape} ({nbytes} bytes) "
                f"but holds {info.file_size - stream.tell()} bytes"
            )
        self._headers[name] = (tuple(shape), fortran, dtype, stream.tell())
        return self._headers[name]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array, each read straight into its own buffer (writable, no second copy)."""
        arrays = {}
        for name, info in self.members.items():
            if name != META_MEMBER:
                shape, fortran, dtype, offset = self._header(info)
                data = self._read(info, offset, info.file_size - offset)
                array = np.frombuffer(data, dtype=dtype, count=math.prod(shape))
                arrays[name[: -len(".npy")]] = array.reshape(shape, order="F" if fortran else "C")
        return arrays


def read_archive(path: str | os.PathLike, max_member_bytes: int = MAX_MEMBER_BYTES,
                 max_total_bytes: int = MAX_TOTAL_BYTES) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read the arrays and the JSON header of an archive written by `write_archive`, checking everything.

    Memory: at most the file's size (its members are stored uncompressed) and `max_total_bytes`.
    """
    with _Archive(path, max_member_bytes, max_total_bytes) as archive:
        meta = archive.meta()
        return archive.arrays(), meta


# ---------------------------------------------------------- models and layers


def _check_sizes(path: Any, architecture: Any, shapes: Mapping[str, tuple[int, ...]]) -> None:
    """Refuse architectures whose sizes are out of proportion to the weights the file holds.

    Every size a layer is built with (neurons, channels, hidden units, vocabulary)
    is the length of some axis of a saved weight, so an integer argument larger
    than every saved axis (and than a small floor) can only come from a damaged
    or hostile file — and even describing it (a stack of 10⁹ recurrent layers) would be costly.
    """
    largest = max([4096] + [max(shape, default=0) for shape in shapes.values()])
    pending = [architecture]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "seed":
                    continue
                if isinstance(value, bool):
                    continue
                if isinstance(value, int) and abs(value) > largest:
                    raise ModelFileError(f"{path}: the architecture declares {key}={value}, out of proportion to its weights")
                pending.append(value)
        elif isinstance(item, list):
            pending.extend(item)


def _check_state(path: Any, expected: Mapping[str, tuple[int, ...]], found: Mapping[str, tuple[int, ...]]) -> None:
    """The file must hold exactly the arrays the architecture declares, of exactly those shapes."""
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    if missing or unexpected:
        raise ModelFileError(
            f"{path}: the weights do not fit the architecture: missing {missing[:10] or 'nothing'}, "
            f"unexpected {unexpected[:10] or 'nothing'}"
        )
    for name, shape in expected.items():
        if tuple(found[name]) != tuple(shape):
            raise ModelFileError(
                f"{path}: the weights do not fit the architecture: {name!r} has shape {tuple(shape)} in this model "
                f"but {tuple(found[name])} in the file"
            )


def _library_version() -> str:
    from chainrule import __version__

    return __version__


def save(model: Any, path: str | os.PathLike, extra: Mapping[str, Any] | None = None) -> None:
    """Save a layer or network: its architecture (as JSON) and its parameters and buffers.

    `extra` is stored in the header as JSON (e.g. a character vocabulary).
    """
    from chainrule.serialize import describe

    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "chainrule_version": _library_version(),
        "architecture": describe(model),
        "dtype": str(model.dtype),
        "extra": dict(extra or {}),
    }
    write_archive(path, model.state_dict(), meta)


def load(path: str | os.PathLike) -> Any:
    """Rebuild a saved layer or network from its file, weights included.

    Memory before trust: the layers are described first without any weights
    (`chainrule.layers.base.awaiting_weights`), every array's shape is read from its header
    and compared with the shapes the architecture declares, and only then are the
    arrays read and the weights made, with no random draws. The peak memory is the
    bytes of the arrays plus those of the model's parameters and buffers — at most
    16 bytes per number the architecture declares — beyond a fixed ~1 MiB for the header.
    """
    from chainrule.layers.base import Layer, awaiting_weights
    from chainrule.serialize import rebuild

    with _Archive(path, MAX_MEMBER_BYTES, MAX_TOTAL_BYTES) as archive:
        meta = archive.meta()
        if "kind" in meta and "architecture" not in meta:
            raise ModelFileError(
                f"{path} is a training checkpoint (what a run keeps so that it can be resumed), not a saved model: "
                "continue the run from it with `chainrule train NAME --resume` (or fit(..., checkpoint_dir=..., "
                "resume=True)); the finished run saves the model itself (runs/NAME.npz, or net.save(path))")
        shapes = archive.shapes()
        _check_sizes(path, meta.get("architecture"), shapes)
        # The file is untrusted: any failure to rebuild from it means the file is bad, and says why.
        try:
            with awaiting_weights():
                model = rebuild(meta["architecture"])
            if not isinstance(model, Layer):
                raise TypeError("the architecture does not describe a layer")
            model.to(meta.get("dtype", "float32"))
            expected = model.expected_state(shapes)
        except Exception as error:
            raise ModelFileError(f"{path}: cannot rebuild the architecture: {error}") from None
        _check_state(path, expected, shapes)
        arrays = archive.arrays()
    try:
        model.load_state_dict(arrays)
    except Exception as error:
        raise ModelFileError(f"{path}: the weights do not fit the architecture: {error}") from None
    model.eval()
    model.metadata = meta.get("extra", {})
    return model
