"""Finding, verifying and downloading data files.

A data file is described by a `DataFile`: the data set's folder name, the file name,
its SHA-256 and the mirrors it can be downloaded from. `fetch` looks for it, in order:

1. the ``root=`` folder passed by the caller,
2. the folder named by the environment variable ``CHAINRULE_DATA``,
3. the ``data/`` folder of the source checkout chainrule runs from (where the data ships;
   only when chainrule is imported from a checkout's ``src/``),
4. the user cache, ``$XDG_CACHE_HOME/chainrule`` or ``~/.cache/chainrule``,

as ``<folder>/<dataset>/<name>`` and then ``<folder>/<name>``. Failing that, it
downloads the file from the mirrors into the cache. Every file found or downloaded is
checked against its SHA-256 — a mismatch raises `ChecksumError`, the file is never
used. A verified file is hashed again only when its size or modification time changes.

Downloads are atomic: the bytes go to a hidden temporary file beside the final one,
are verified and flushed to disk, then renamed into place; whatever goes wrong (a
network error, a short read, a wrong checksum, Ctrl-C) the temporary file is removed.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from chainrule.data.errors import ChecksumError, DatasetNotFoundError

#: environment variable naming a folder of data files
DATA_ENV = "CHAINRULE_DATA"
#: refuse downloads of a file of unknown size beyond this many bytes
MAX_DOWNLOAD_BYTES = 1 << 30

_CHUNK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class DataFile:
    """One data file: where it lives in a data folder, its checksum and its mirrors.

    Attributes:
        dataset: folder name of the data set, e.g. ``"mnist"``.
        name: file name, e.g. ``"t10k-labels-idx1-ubyte.gz"``.
        sha256: the expected SHA-256, 64 lower-case hex digits.
        urls: full download addresses, tried in order (may be empty: local only).
        size: the expected size in bytes, if known (checked while downloading).
    """

    dataset: str
    name: str
    sha256: str
    urls: tuple[str, ...] = field(default=())
    size: int | None = None

    def __post_init__(self) -> None:
        for what in ("dataset", "name"):
            value = getattr(self, what)
            if not _SAFE_NAME.fullmatch(value):
                raise ValueError(f"DataFile: {what} must be a plain file name (letters, digits, . _ -); got {value!r}")
        if not _SHA256.fullmatch(self.sha256):
            raise ValueError(f"DataFile: sha256 must be 64 lower-case hex digits; got {self.sha256!r}")
        object.__setattr__(self, "urls", tuple(self.urls))

    @property
    def relative_path(self) -> str:
        """``"<dataset>/<name>"``, the place of the file inside a data folder."""
        return f"{self.dataset}/{self.name}"


def mirror_urls(bases: Sequence[str], name: str) -> tuple[str, ...]:
    """Full addresses of `name` on each mirror base address (a ``/`` is added where missing)."""
    return tuple(base.rstrip("/") + "/" + name for base in bases)


def cache_dir() -> Path:
    """The user cache folder: ``$XDG_CACHE_HOME/chainrule``, else ``~/.cache/chainrule``."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "chainrule"


def checkout_data_dir() -> Path | None:
    """The ``data/`` folder of the source checkout this chainrule is imported from, or None.

    That is ``<checkout>/data`` when this file is ``<checkout>/src/chainrule/data/storage.py``
    (an editable install or ``PYTHONPATH=src``), the checkout has its ``pyproject.toml`` and
    the folder its ``SHA256SUMS``; an installed copy of chainrule has none.
    """
    package = Path(__file__).resolve().parents[1]
    checkout = package.parents[1]
    folder = checkout / "data"
    if package.parent.name == "src" and (checkout / "pyproject.toml").is_file() and (folder / "SHA256SUMS").is_file():
        return folder
    return None


def search_dirs(root: str | os.PathLike[str] | None = None) -> list[tuple[Path, str]]:
    """The folders searched, in order, each with a short label saying where it came from."""
    dirs: list[tuple[Path, str]] = []
    if root is not None:
        dirs.append((Path(root).expanduser(), "root= argument"))
    env = os.environ.get(DATA_ENV, "")
    if env:
        dirs.append((Path(env).expanduser(), f"${DATA_ENV}"))
    checkout = checkout_data_dir()
    if checkout is not None:
        dirs.append((checkout, "the checkout's data folder"))
    dirs.append((cache_dir(), "user cache"))
    return dirs


# ------------------------------------------------------------------ checksums

# (path, device, inode, size, mtime) -> hex digest; the only state this module keeps.
_digest_cache: dict[tuple[str, int, int, int, int], str] = {}
_digest_lock = threading.Lock()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, hex; remembered per process until the file changes."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    with _digest_lock:
        cached = _digest_cache.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    hexdigest = digest.hexdigest()
    with _digest_lock:
        _digest_cache[key] = hexdigest
    return hexdigest


def clear_checksum_cache() -> None:
    """Forget every remembered checksum (the next check of each file hashes it again)."""
    with _digest_lock:
        _digest_cache.clear()


def verify(path: str | os.PathLike[str], sha256: str) -> None:
    """Raise `ChecksumError` unless the file's SHA-256 is `sha256`."""
    actual = sha256_file(path)
    if actual != sha256:
        raise ChecksumError(
            f"{path}: SHA-256 mismatch: expected {sha256}, got {actual}. The file is damaged, "
            "incomplete or a different version; delete it (it will be downloaded again where "
            "download=True) or replace it with the original file"
        )


# ------------------------------------------------------------------ finding and fetching


def find(file: DataFile, root: str | os.PathLike[str] | None = None) -> Path | None:
    """The verified path of `file` in the search folders, or None (no download).

    Raises:
        ChecksumError: the first copy found does not match its SHA-256.
    """
    for folder, _ in search_dirs(root):
        for candidate in (folder / file.dataset / file.name, folder / file.name):
            if candidate.is_file():
                verify(candidate, file.sha256)
                return candidate
    return None


def fetch(file: DataFile, root: str | os.PathLike[str] | None = None, download: bool = True, timeout: float = 30.0) -> Path:
    """The verified path of `file`: found in the search folders, else downloaded to the cache.

    Raises:
        DatasetNotFoundError: not found and not downloadable (the message says where to put it).
        ChecksumError: a copy was found but does not match its SHA-256.
    """
    return fetch_all([file], root=root, download=download, timeout=timeout)[0]


def fetch_all(
    files: Sequence[DataFile], root: str | os.PathLike[str] | None = None, download: bool = True, timeout: float = 30.0
) -> list[Path]:
    """`fetch` for several files; when some cannot be had, one error lists all of them."""
    paths = [find(f, root) for f in files]
    missing = [f for f, p in zip(files, paths) if p is None]
    failures: list[str] = []
    if missing and download:
        for i, f in enumerate(files):
            if paths[i] is None:
                try:
                    paths[i] = download_file(f, cache_dir() / f.dataset, timeout=timeout)
                except DatasetNotFoundError as err:
                    failures.append(str(err))
        missing = [f for f, p in zip(files, paths) if p is None]
    if missing:
        raise DatasetNotFoundError(_not_found_message(missing, root, download, failures))
    return [p for p in paths if p is not None]


def download_file(file: DataFile, directory: str | os.PathLike[str], timeout: float = 30.0) -> Path:
    """Download `file` into `directory`, trying each mirror in turn; return the final path.

    Raises:
        DatasetNotFoundError: every mirror failed; the message gives each mirror's reason.
    """
    import http.client  # imported here: only downloads need the network stack

    directory = Path(directory)
    reasons = []
    for url in file.urls:
        try:
            return _download_one(url, file, directory, timeout)
        except (OSError, ValueError, http.client.HTTPException) as err:  # URLError, timeouts, ChecksumError
            reasons.append(f"{url}: {err}")
    if not file.urls:
        reasons.append(f"{file.relative_path}: no download address is known for this file")
    raise DatasetNotFoundError(f"could not download {file.relative_path}:\n  " + "\n  ".join(reasons))


def _download_one(url: str, file: DataFile, directory: Path, timeout: float) -> Path:
    """Stream `url` to a temporary file in `directory`, verify, fsync, rename into place."""
    import urllib.request

    directory.mkdir(parents=True, exist_ok=True)
    target = directory / file.name
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{file.name}.", suffix=".part")
    finished = False
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "chainrule"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as response:
            declared = (getattr(response, "headers", None) or {}).get("Content-Length")
            expected = int(declared) if declared and declared.isdigit() else file.size
            limit = file.size if file.size is not None else MAX_DOWNLOAD_BYTES
            if expected is not None and expected > limit:
                raise ValueError(f"the server announces {expected:,} bytes, expected at most {limit:,}")
            digest, received = hashlib.sha256(), 0
            while chunk := response.read(_CHUNK):
                received += len(chunk)
                if received > limit:
                    raise ValueError(f"the server sent more than the expected {limit:,} bytes")
                digest.update(chunk)
                out.write(chunk)
            if expected is not None and received != expected:
                raise ValueError(f"incomplete download: got {received:,} of {expected:,} bytes")
            if digest.hexdigest() != file.sha256:
                raise ChecksumError(f"SHA-256 mismatch: expected {file.sha256}, got {digest.hexdigest()}")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, target)
        finished = True
    finally:
        if not finished:  # any error, including KeyboardInterrupt
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass
    _fsync_dir(directory)
    return target


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable where the platform allows it (POSIX); harmless elsewhere."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _not_found_message(
    missing: Sequence[DataFile], root: str | os.PathLike[str] | None, download: bool, failures: list[str]
) -> str:
    datasets = sorted({f.dataset for f in missing})
    lines = [f"{', '.join(datasets)}: {len(missing)} data file(s) not found.", "Expected files (SHA-256):"]
    lines += [f"  {f.relative_path}  ({f.sha256})" for f in missing]
    lines.append("Looked in, in this order:")
    sub = datasets[0] if len(datasets) == 1 else "<dataset>"
    for folder, label in search_dirs(root):
        if label == "user cache" and not os.environ.get(DATA_ENV):
            lines.append(f"  (${DATA_ENV} is not set)")
        lines.append(f"  {folder}/{sub}/ and {folder}/  ({label})")
    if not download:
        lines.append("Downloading is turned off (download=False).")
    elif failures:
        lines.append("Downloading failed:")
        lines += ["  " + line for failure in failures for line in failure.splitlines()]
    lines.append(
        f"To fix: copy the files to {cache_dir()}/{missing[0].dataset}/, or put them in any folder as "
        f"<folder>/<dataset>/<file> and set {DATA_ENV}=<folder> (or pass root=<folder>)."
    )
    return "\n".join(lines)
