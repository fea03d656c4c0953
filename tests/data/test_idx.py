"""IDX reading and writing, and safety against hostile or damaged files."""

from __future__ import annotations

import gzip
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainrule.data.errors import DataFormatError
from chainrule.data.idx import read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


def idx_header(type_code: int, *dims: int) -> bytes:
    return bytes([0, 0, type_code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def put(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_write_then_read_gives_back_the_array(tmp_path, dtype, name):
    rng = np.random.default_rng(1)
    array = (rng.standard_normal((3, 4, 5)) * 100).astype(dtype)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert back.shape == (3, 4, 5)
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


def test_written_header_follows_the_format(tmp_path):
    write_idx(tmp_path / "a.idx", np.arange(6, dtype=np.int16).reshape(2, 3))
    raw = (tmp_path / "a.idx").read_bytes()
    assert raw[:4] == b"\x00\x00\x0b\x02"
    assert raw[4:12] == b"\x00\x00\x00\x02\x00\x00\x00\x03"
    assert raw[12:16] == b"\x00\x00\x00\x01"  # big-endian 0, 1
    assert len(raw) == 12 + 6 * 2


def test_gzip_output_is_reproducible_and_detected_by_content(tmp_path):
    array = np.arange(100, dtype=np.uint8)
    write_idx(tmp_path / "a.gz", array)
    first = (tmp_path / "a.gz").read_bytes()
    write_idx(tmp_path / "a.gz", array)
    assert (tmp_path / "a.gz").read_bytes() == first
    assert first[:2] == b"\x1f\x8b"
    renamed = put(tmp_path, "no-extension", first)
    np.testing.assert_array_equal(read_idx(renamed), array)


def test_one_dimensional_labels_and_empty_arrays(tmp_path):
    write_idx(tmp_path / "l.gz", np.array([7, 2, 1], dtype=np.uint8))
    np.testing.assert_array_equal(read_idx(tmp_path / "l.gz"), [7, 2, 1])
    write_idx(tmp_path / "e.idx", np.zeros((0, 28, 28), dtype=np.uint8))
    assert read_idx(tmp_path / "e.idx").shape == (0, 28, 28)


def test_concatenated_gzip_members_are_one_stream(tmp_path):
    data = idx_header(0x08, 4) + bytes([1, 2, 3, 4])
    path = put(tmp_path, "m.gz", gz(data[:6]) + gz(data[6:]))
    np.testing.assert_array_equal(read_idx(path), [1, 2, 3, 4])


def test_write_idx_rejects_what_idx_cannot_store(tmp_path):
    with pytest.raises(ValueError, match="int64.*astype"):
        write_idx(tmp_path / "a.idx", np.arange(3, dtype=np.int64))
    with pytest.raises(ValueError, match="shape \\(\\)"):
        write_idx(tmp_path / "a.idx", np.array(5, dtype=np.uint8))


# ------------------------------------------------------------------ hostile and damaged files


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(b"", "truncated", id="empty"),
        pytest.param(b"\x00\x00", "truncated", id="half-magic"),
        pytest.param(b"PK\x03\x04" + bytes(20), "two zero bytes", id="zip-file"),
        pytest.param(b"<!DOCTYPE html><html>", "HTML", id="html-page"),
        pytest.param(idx_header(0x07, 2) + b"ab", "type code 0x07", id="bad-type-code"),
        pytest.param(b"\x00\x00\x08\x00", "0 dimensions", id="no-dimensions"),
        pytest.param(b"\x00\x00\x08\x03" + bytes(6), "truncated header", id="short-header"),
        pytest.param(idx_header(0x08, 10) + bytes(9), "truncated.*10 bytes of data; the file holds 9", id="short-data"),
        pytest.param(idx_header(0x0C, 3) + bytes(11), "truncated.*12 bytes", id="short-int32-data"),
        pytest.param(idx_header(0x08, 10) + bytes(11), "trailing", id="trailing-garbage"),
    ],
)
@pytest.mark.parametrize("compress", [False, True])
def test_damaged_files_raise_data_format_error_naming_the_file(tmp_path, data, message, compress):
    path = put(tmp_path, "damaged.idx", gz(data) if compress else data)
    with pytest.raises(DataFormatError, match=message) as info:
        read_idx(path)
    assert "damaged.idx" in str(info.value)


@pytest.mark.parametrize("compress", [False, True])
def test_absurd_declared_sizes_fail_fast_without_allocating(tmp_path, compress):
    # 2**32 - 1 items of 2**32 - 1 float64s, then almost no data
    data = idx_header(0x0E, 2**32 - 1, 2**32 - 1) + bytes(16)
    path = put(tmp_path, "huge.idx", gz(data) if compress else data)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(DataFormatError, match="limit"):
        read_idx(path)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 0.5 and peak < 2 << 20


def test_declared_size_beyond_what_the_file_can_hold_fails_before_allocating(tmp_path):
    # 200 MB declared (under the 1 GiB limit): a raw file of 24 bytes cannot hold it ...
    raw = put(tmp_path, "short.idx", idx_header(0x08, 200_000_000) + bytes(16))
    # ... nor can a gzip file of ~40 bytes (deflate expands at most ~1032-fold)
    packed = put(tmp_path, "short.gz", gz(idx_header(0x08, 200_000_000) + bytes(16)))
    for path, message in ((raw, "truncated"), (packed, "cannot hold")):
        tracemalloc.start()
        with pytest.raises(DataFormatError, match=message):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 2 << 20, f"{path.name}: {peak} bytes allocated"


def test_max_bytes_is_a_hard_limit(tmp_path):
    write_idx(tmp_path / "a.gz", np.zeros(1000, dtype=np.uint8))
    with pytest.raises(DataFormatError, match="1,000 bytes, more than the limit of 999"):
        read_idx(tmp_path / "a.gz", max_bytes=999)
    assert read_idx(tmp_path / "a.gz", max_bytes=1000).shape == (1000,)


def test_gzip_bomb_stops_just_past_the_declared_size(tmp_path):
    # The header declares 100 bytes; the stream holds 16 MiB of zeros (16 KiB compressed).
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(idx_header(0x08, 100))]
    zeros = bytes(1 << 20)
    parts += [compressor.compress(zeros) for _ in range(16)]
    parts.append(compressor.flush())
    path = put(tmp_path, "bomb.gz", b"".join(parts))
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    with pytest.raises(DataFormatError, match="trailing data"):
        read_idx(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 << 20  # one input chunk and a few bytes of output, not 16 MiB


def test_corrupt_gzip_streams(tmp_path):
    good = gz(idx_header(0x08, 1000) + bytes(range(250)) * 4)
    flipped = bytearray(good)
    flipped[30] ^= 0xFF  # inside the deflate data
    bad_crc = bytearray(good)
    bad_crc[-8] ^= 0xFF  # the CRC-32 in the trailer
    cases = {
        "flipped.gz": (bytes(flipped), "corrupt gzip|trailing|truncated"),
        "crc.gz": (bytes(bad_crc), "corrupt gzip stream.*check"),
        "cut.gz": (good[:-6], "truncated: the gzip stream ends"),
        "garbage-after.gz": (good + b"garbage", "after the end of the gzip stream"),
        "bad-header.gz": (b"\x1f\x8b\x07" + good[3:], "corrupt gzip"),
    }
    for name, (data, message) in cases.items():
        with pytest.raises(DataFormatError, match=message):
            read_idx(put(tmp_path, name, data))


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.gz")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    compress=st.booleans(),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
    cut=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_any_mangled_file_reads_or_raises_data_format_error(tmp_path, compress, edits, cut):
    data = idx_header(0x0C, 3, 5) + np.arange(15, dtype=">i4").tobytes()
    data = bytearray(gz(data) if compress else data)
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    path = put(tmp_path, "fuzz.idx", bytes(data))
    try:
        array = read_idx(path)
    except DataFormatError:
        return
    assert array.nbytes <= len(data) * 1032  # whatever it read, it is backed by real data


def _mutated(rng: np.random.Generator, seed_files: list[bytes]) -> bytes:
    """One of the seed files damaged by 1-4 random edits: flipped bytes, a cut, inserted junk, or a header field."""
    data = bytearray(seed_files[rng.integers(len(seed_files))])
    for _ in range(rng.integers(1, 5)):
        kind = rng.integers(4)
        if kind == 0 and data:  # flip one bit
            data[rng.integers(len(data))] ^= 1 << int(rng.integers(8))
        elif kind == 1:  # truncate
            del data[rng.integers(len(data) + 1):]
        elif kind == 2:  # insert junk
            at = rng.integers(len(data) + 1)
            data[at:at] = rng.integers(0, 256, rng.integers(1, 16)).astype(np.uint8).tobytes()
        elif len(data) >= 8:  # overwrite a header field (type, rank, or a dimension) with any 32-bit value
            at = int(rng.choice([2, 3, 4]))
            data[at:at + 4] = struct.pack(">I", int(rng.integers(0, 2**32)))[: len(data) - at]
    return bytes(data)


def test_a_thousand_mutated_idx_files_raise_only_data_format_errors(tmp_path):
    """A seeded mutator (the model-file fuzz test's counterpart): 1,000 damaged IDX files, raw and gzipped,
    each read or refused with DataFormatError; never another exception, a hang, or a large allocation."""
    images = idx_header(0x08, 6, 4, 4) + np.arange(96, dtype=np.uint8).tobytes()
    labels = idx_header(0x08, 6) + bytes(range(6))
    floats = idx_header(0x0D, 3, 2) + np.linspace(0, 1, 6, dtype=">f4").tobytes()
    seeds = [images, labels, floats]
    rng = np.random.default_rng(20261123)
    refused = 0
    for i in range(1000):
        data = _mutated(rng, seeds)
        if i % 2:
            data = gz(data) if rng.random() < 0.5 else bytes(_mutated(rng, [gz(data)]))  # damage after compression too
        path = put(tmp_path, f"m{i}.idx", data)
        started = time.perf_counter()
        try:
            array = read_idx(path)
        except DataFormatError:
            refused += 1
            continue
        finally:
            assert time.perf_counter() - started < 2.0
        assert array.nbytes <= len(data) * 1032  # backed by what the file really holds (1032: deflate's top ratio)
    assert 100 < refused < 1000  # the mutator both breaks files and leaves some readable
