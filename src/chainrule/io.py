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

The reader trusts nothing in the file: member sizes are checked against a limit
and against the declared array shapes *before* anything is allocated, only plain
numeric dtypes are accepted (no object arrays, hence no pickle), and every
problem is reported as a `ModelFileError` naming the file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

FORMAT_NAME = "chainrule-model"
FORMAT_VERSION = 1
META_MEMBER = "__chainrule__.json"
MAX_MEMBER_BYTES = 2 << 30  # 2 GiB: no single array in a model file is larger
MAX_META_BYTES = 1 << 20
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


# ------------------------------------------------------------------ reading


def read_archive(path: str | os.PathLike, max_member_bytes: int = MAX_MEMBER_BYTES) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read the arrays and the JSON header of an archive written by `write_archive`, checking everything."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise
    except Exception as error:  # zipfile raises many kinds of error on malformed input
        raise ModelFileError(f"{path}: not a chainrule model file (not a readable zip archive: {error})") from None
    arrays: dict[str, np.ndarray] = {}
    meta = None
    with archive:
        for info in archive.infolist():
            if info.filename == META_MEMBER:
                meta = _read_meta(path, archive, info)
            elif info.filename.endswith(".npy"):
                arrays[info.filename[: -len(".npy")]] = _read_array(path, archive, info, max_member_bytes)
            else:
                raise ModelFileError(f"{path}: unexpected member {info.filename!r}")
    if meta is None:
        raise ModelFileError(f"{path}: no {META_MEMBER} header: not a chainrule file")
    return arrays, meta


def _read_bytes(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise ModelFileError(f"{path}: member {info.filename!r} declares {info.file_size} bytes, more than the limit {limit}")
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except Exception as error:  # zipfile and zlib raise many kinds of error on damaged data
        raise ModelFileError(f"{path}: member {info.filename!r} is damaged ({error})") from None
    if len(data) > limit or len(data) != info.file_size:
        raise ModelFileError(f"{path}: member {info.filename!r} is damaged (its size does not match its header)")
    return data


def _read_meta(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict[str, Any]:
    raw = _read_bytes(path, archive, info, MAX_META_BYTES)
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ModelFileError(f"{path}: the header is not valid JSON ({error})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path}: the header does not describe a {FORMAT_NAME} file")
    if not isinstance(meta.get("format_version"), int) or meta["format_version"] > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {meta.get('format_version')!r} is newer than this chainrule reads "
            f"({FORMAT_VERSION}); upgrade chainrule"
        )
    return meta


def _read_array(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> np.ndarray:
    raw = _read_bytes(path, archive, info, limit)
    stream = io.BytesIO(raw)
    name = info.filename
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, SyntaxError, TypeError, EOFError, KeyError) as error:
        raise ModelFileError(f"{path}: array {name!r} has a damaged header ({error})") from None
    if dtype.kind not in ALLOWED_KINDS or dtype.hasobject:
        raise ModelFileError(f"{path}: array {name!r} has dtype {dtype}; only plain numbers are loaded (no pickle)")
    if any(not isinstance(n, int) or n < 0 for n in shape):
        raise ModelFileError(f"{path}: array {name!r} declares an invalid shape {shape}")
    count = 1
    for n in shape:
        count *= n
    payload = raw[stream.tell() :]
    if count * dtype.itemsize != len(payload):
        raise ModelFileError(
            f"{path}: array {name!r} declares shape {shape} ({count * dtype.itemsize} bytes) "
            f"but holds {len(payload)} bytes"
        )
    array = np.frombuffer(payload, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C").copy()


# ---------------------------------------------------------- models and layers


def _check_sizes(path: Any, architecture: Any, arrays: Mapping[str, np.ndarray]) -> None:
    """Refuse architectures whose sizes are out of proportion to the weights the file holds.

    Every size a layer is built with (neurons, channels, hidden units, vocabulary)
    is the length of some axis of a saved weight, so an integer argument larger
    than every saved axis (and than a small floor) can only come from a damaged
    or hostile file — and building it could allocate gigabytes.
    """
    largest = max([4096] + [max(a.shape, default=0) for a in arrays.values()])
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
    """Rebuild a saved layer or network from its file, weights included."""
    from chainrule.serialize import rebuild

    arrays, meta = read_archive(path)
    if "kind" in meta and "architecture" not in meta:
        raise ModelFileError(
            f"{path} is a training checkpoint (what a run keeps so that it can be resumed), not a saved model: "
            "continue the run from it with `chainrule train NAME --resume` (or fit(..., checkpoint_dir=..., "
            "resume=True)); the finished run saves the model itself (runs/NAME.npz, or net.save(path))")
    _check_sizes(path, meta.get("architecture"), arrays)
    # The file is untrusted: any failure to rebuild from it means the file is bad, and says why.
    try:
        model = rebuild(meta["architecture"])
        if not hasattr(model, "state_dict"):
            raise TypeError("the architecture does not describe a layer")
    except Exception as error:
        raise ModelFileError(f"{path}: cannot rebuild the architecture: {error}") from None
    try:
        model.to(meta.get("dtype", "float32"))
        model.load_state_dict(arrays)
    except Exception as error:
        raise ModelFileError(f"{path}: the weights do not fit the architecture: {error}") from None
    model.eval()
    model.metadata = meta.get("extra", {})
    return model
