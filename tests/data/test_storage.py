"""Finding, verifying and downloading data files (the network is always faked)."""

from __future__ import annotations

import http.client
import os
import urllib.error

import pytest

from chainrule.data import storage
from chainrule.data.errors import ChecksumError, DatasetNotFoundError
from chainrule.data.storage import DataFile, cache_dir, fetch, fetch_all, find, mirror_urls, sha256_file, verify

BODY = b"the contents of a small data file\n" * 100
URL_A = "https://mirror-a.example/toy/"
URL_B = "https://mirror-b.example/toy/"


@pytest.fixture
def toy() -> DataFile:
    import hashlib

    return DataFile("toy", "toy.bin", hashlib.sha256(BODY).hexdigest(), mirror_urls([URL_A, URL_B], "toy.bin"))


def place(folder, relative: str, data: bytes = BODY):
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------ descriptions and folders


def test_data_file_validates_its_fields(toy):
    assert toy.urls == ("https://mirror-a.example/toy/toy.bin", "https://mirror-b.example/toy/toy.bin")
    assert toy.relative_path == "toy/toy.bin"
    with pytest.raises(ValueError, match="64 lower-case hex"):
        DataFile("toy", "toy.bin", "ABC")
    with pytest.raises(ValueError, match="plain file name.*'../etc'"):
        DataFile("../etc", "toy.bin", toy.sha256)


def test_cache_dir_follows_xdg_and_falls_back_to_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "chainrule"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "chainrule"


# ------------------------------------------------------------------ search order


def test_search_order_root_then_env_then_cache(tmp_path, monkeypatch, toy, cache):
    in_root = place(tmp_path / "root", "toy/toy.bin")
    in_env = place(tmp_path / "env", "toy/toy.bin")
    in_cache = place(cache, "toy/toy.bin")
    monkeypatch.setenv("CHAINRULE_DATA", str(tmp_path / "env"))
    assert find(toy, root=tmp_path / "root") == in_root
    assert find(toy) == in_env
    monkeypatch.delenv("CHAINRULE_DATA")
    assert find(toy) == in_cache
    assert fetch(toy, root=tmp_path / "elsewhere") == in_cache


def test_dataset_subfolder_first_then_flat_layout(tmp_path, toy):
    flat = place(tmp_path, "toy.bin")
    assert find(toy, root=tmp_path) == flat
    nested = place(tmp_path, "toy/toy.bin")
    assert find(toy, root=tmp_path) == nested


def test_a_bad_copy_is_an_error_even_when_a_good_one_exists_later(tmp_path, toy, cache):
    place(cache, "toy/toy.bin")
    bad = place(tmp_path, "toy/toy.bin", BODY[:-1] + b"?")
    with pytest.raises(ChecksumError, match="SHA-256 mismatch") as info:
        fetch(toy, root=tmp_path)
    assert str(bad) in str(info.value) and toy.sha256 in str(info.value) and "delete it" in str(info.value)


# ------------------------------------------------------------------ checksums


def test_checksums_are_remembered_until_the_file_changes(tmp_path, toy):
    path = place(tmp_path, "toy.bin")
    stat = path.stat()
    verify(path, toy.sha256)
    # Same size and modification time: the remembered digest is used, the file not reread.
    path.write_bytes(BODY[:-1] + b"?")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert sha256_file(path) == toy.sha256
    # A new modification time: hashed again, and the change is caught.
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with pytest.raises(ChecksumError):
        verify(path, toy.sha256)
    storage.clear_checksum_cache()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert sha256_file(path) != toy.sha256


# ------------------------------------------------------------------ downloads


def test_download_lands_in_the_cache_atomically(toy, web, cache, list_files):
    web.serve(toy.urls[0], BODY)
    path = fetch(toy)
    assert path == cache / "toy" / "toy.bin"
    assert path.read_bytes() == BODY
    assert list_files(cache) == ["toy/toy.bin"]  # no temporary file left
    assert web.requests == [(toy.urls[0], 30.0)]
    assert fetch(toy) == path and len(web.requests) == 1  # found in the cache the second time


def test_a_failing_mirror_falls_through_to_the_next(toy, web, cache):
    web.fail(toy.urls[0], urllib.error.URLError("connection refused"))
    web.serve(toy.urls[1], BODY)
    assert fetch(toy).read_bytes() == BODY
    assert [url for url, _ in web.requests] == list(toy.urls)


@pytest.mark.parametrize(
    "behaviour, reason",
    [
        ({"error": urllib.error.URLError("Name or service not known")}, "Name or service not known"),
        ({"error": TimeoutError("timed out")}, "timed out"),
        ({"stop_after": len(BODY) // 2}, f"incomplete download: got {len(BODY) // 2:,} of {len(BODY):,} bytes"),
        ({"raise_after": (500, http.client.IncompleteRead(b"x"))}, "IncompleteRead"),
        ({"raise_after": (500, ConnectionResetError("reset by peer"))}, "reset by peer"),
        ({"body": BODY.upper()}, "SHA-256 mismatch"),
        ({"body": BODY[:-10], "content_length": None}, "SHA-256 mismatch"),
    ],
)
def test_failed_downloads_leave_nothing_behind(toy, web, cache, list_files, behaviour, reason):
    for url in toy.urls:
        if "error" in behaviour:
            web.fail(url, behaviour["error"])
        else:
            kwargs = {k: v for k, v in behaviour.items() if k != "body"}
            web.serve(url, behaviour.get("body", BODY), **kwargs)
    with pytest.raises(DatasetNotFoundError) as info:
        fetch(toy)
    message = str(info.value)
    assert reason in message
    assert all(url in message for url in toy.urls)
    assert list_files(cache) == []


def test_an_oversized_download_is_cut_off(web, cache, list_files):
    import hashlib

    small = DataFile("toy", "toy.bin", hashlib.sha256(BODY).hexdigest(), (URL_A + "toy.bin",), size=len(BODY))
    web.serve(small.urls[0], BODY * 50, content_length=None)
    with pytest.raises(DatasetNotFoundError, match=f"more than the expected {len(BODY):,} bytes"):
        fetch(small)
    web.serve(small.urls[0], BODY * 50)
    with pytest.raises(DatasetNotFoundError, match="announces"):
        fetch(small)
    assert list_files(cache) == []


def test_ctrl_c_during_a_download_removes_the_temporary_file(toy, web, cache, list_files):
    web.serve(toy.urls[0], BODY, raise_after=(1000, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        fetch(toy)
    assert list_files(cache) == []
    assert (cache / "toy").is_dir()  # it did get as far as the cache folder


def test_offline_message_says_what_to_put_where(tmp_path, toy, cache, monkeypatch):
    other = DataFile("toy", "second.bin", "0" * 64, mirror_urls([URL_A], "second.bin"))
    with pytest.raises(DatasetNotFoundError) as info:
        fetch_all([toy, other], root=tmp_path / "mine")
    message = str(info.value)
    assert "2 data file(s) not found" in message
    assert "toy/toy.bin" in message and "toy/second.bin" in message and toy.sha256 in message
    assert str(tmp_path / "mine") in message and "root= argument" in message
    assert "$CHAINRULE_DATA is not set" in message
    assert str(cache) in message and "user cache" in message
    assert "no network in tests" in message  # the reason each mirror failed
    assert "set CHAINRULE_DATA=<folder>" in message
    assert isinstance(info.value, FileNotFoundError)


def test_download_false_never_touches_the_network(tmp_path, toy, web, cache, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DATA", str(tmp_path / "env"))
    with pytest.raises(DatasetNotFoundError) as info:
        fetch(toy, download=False)
    assert web.requests == []
    message = str(info.value)
    assert "download=False" in message and str(tmp_path / "env") in message and "$CHAINRULE_DATA" in message
    assert not cache.exists()


def test_only_the_missing_files_are_downloaded(tmp_path, toy, web, cache, make_data_file):
    present = make_data_file(place(tmp_path, "toy/present.bin", b"local"), "toy", (URL_A + "present.bin",))
    web.serve(toy.urls[0], BODY)
    paths = fetch_all([present, toy], root=tmp_path)
    assert paths == [tmp_path / "toy" / "present.bin", cache / "toy" / "toy.bin"]
    assert [url for url, _ in web.requests] == [toy.urls[0]]
