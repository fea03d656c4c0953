"""Shared fixtures for the data tests: an isolated environment and a fake web.

Every test here runs with an empty temporary user cache, no ``CHAINRULE_DATA`` and
``urllib.request.urlopen`` replaced by `FakeWeb`, so nothing is ever downloaded and
nothing outside ``tmp_path`` is touched.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from chainrule.data import storage
from chainrule.data.idx import write_idx
from chainrule.data.storage import DataFile

REAL_DATA_DIRS = (Path(__file__).resolve().parents[2] / "data", Path("/work/shared/data"))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_file_for(path: Path, dataset: str, urls: tuple[str, ...] = (), size: int | None = None) -> DataFile:
    """A `DataFile` describing an existing file (its real checksum)."""
    return DataFile(dataset, path.name, sha256_bytes(path.read_bytes()), urls, size)


class FakeResponse:
    """Stands in for an HTTP response: serves `body` in pieces, optionally misbehaving.

    stop_after: stop sending after this many bytes (a connection that closes early).
    raise_after: (n, exception): raise the exception once n bytes have been sent.
    content_length: the Content-Length header (default len(body); None: no header).
    """

    def __init__(self, body: bytes, stop_after: int | None = None, raise_after: tuple[int, BaseException] | None = None,
                 content_length: int | None | str = "auto", chunk: int = 1000):
        self._body = body
        self._sent = 0
        self._stop = len(body) if stop_after is None else stop_after
        self._raise = raise_after
        self._chunk = chunk
        length = len(body) if content_length == "auto" else content_length
        self.headers = {} if length is None else {"Content-Length": str(length)}

    def read(self, n: int = -1) -> bytes:
        if self._raise is not None and self._sent >= self._raise[0]:
            raise self._raise[1]
        n = self._chunk if n < 0 else min(n, self._chunk)
        piece = self._body[self._sent : min(self._sent + n, self._stop)]
        self._sent += len(piece)
        return piece

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class FakeWeb:
    """Replaces ``urllib.request.urlopen``: answers only the URLs registered with `serve`/`fail`."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[], FakeResponse]] = {}
        self.requests: list[tuple[str, float | None]] = []

    def serve(self, url: str, body: bytes, **kwargs: object) -> None:
        self.routes[url] = lambda: FakeResponse(body, **kwargs)  # type: ignore[arg-type]

    def fail(self, url: str, error: BaseException) -> None:
        def raise_it() -> FakeResponse:
            raise error
        self.routes[url] = raise_it

    def __call__(self, request: urllib.request.Request | str, timeout: float | None = None) -> FakeResponse:
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        self.requests.append((url, timeout))
        if url not in self.routes:
            raise urllib.error.URLError(f"no network in tests ({url})")
        return self.routes[url]()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh user cache under tmp_path, no CHAINRULE_DATA, no network, no remembered checksums."""
    cache_home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    monkeypatch.delenv("CHAINRULE_DATA", raising=False)
    monkeypatch.setattr(storage, "checkout_data_dir", lambda: None)  # the checkout's data/ is not searched here
    monkeypatch.setattr(urllib.request, "urlopen", FakeWeb())
    storage.clear_checksum_cache()
    return cache_home / "chainrule"


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> FakeWeb:
    fake = FakeWeb()
    monkeypatch.setattr(urllib.request, "urlopen", fake)
    return fake


@pytest.fixture
def cache(isolated: Path) -> Path:
    """The user cache folder of this test (may not exist yet)."""
    return isolated


def files_under(folder: Path) -> list[str]:
    """Every file below `folder`, hidden ones included, as sorted relative paths."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def write_fake_idx_set(folder: Path, dataset: str, n_train: int = 6, n_test: int = 4, seed: int = 0,
                       urls_base: str | None = None) -> tuple[tuple[DataFile, ...], tuple[np.ndarray, ...]]:
    """A tiny MNIST-like data set (28×28 uint8 images, labels 0..9) as four .gz IDX files.

    Returns the four DataFiles (real checksums) and the arrays written.
    """
    rng = np.random.default_rng(seed)
    arrays = (
        rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, size=n_train, dtype=np.uint8),
        rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, size=n_test, dtype=np.uint8),
    )
    names = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz")
    (folder / dataset).mkdir(parents=True, exist_ok=True)
    files = []
    for name, array in zip(names, arrays):
        path = folder / dataset / name
        write_idx(path, array)
        urls = (urls_base + name,) if urls_base else ()
        files.append(data_file_for(path, dataset, urls))
    return tuple(files), arrays


@pytest.fixture
def fake_idx_set() -> Callable[..., tuple[tuple[DataFile, ...], tuple[np.ndarray, ...]]]:
    """`write_fake_idx_set`, as a fixture."""
    return write_fake_idx_set


@pytest.fixture
def make_data_file() -> Callable[..., DataFile]:
    """`data_file_for`, as a fixture."""
    return data_file_for


@pytest.fixture
def list_files() -> Callable[[Path], list[str]]:
    """`files_under`, as a fixture."""
    return files_under


@pytest.fixture
def real_data() -> Callable[[str], Path]:
    """The folder holding a real data file: the repository's data/ or /work/shared/data; else skip."""

    def folder_with(relative: str) -> Path:
        for folder in REAL_DATA_DIRS:
            if (folder / relative).is_file():
                return folder
        pytest.skip(f"{relative} is not available offline here")

    return folder_with


@pytest.fixture
def published_sums() -> dict[str, str]:
    """relative path -> SHA-256 from every SHA256SUMS found offline (skip if there is none)."""
    sums: dict[str, str] = {}
    for folder in REAL_DATA_DIRS:
        if (folder / "SHA256SUMS").is_file():
            for line in (folder / "SHA256SUMS").read_text().splitlines():
                digest, relative = line.split()
                sums[relative] = digest
    if not sums:
        pytest.skip("no SHA256SUMS available offline")
    return sums
