"""`load_text` and the character `Vocabulary`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.data import text
from chainrule.data.errors import DataFormatError, DatasetNotFoundError
from chainrule.data.text import Vocabulary, load_text


# ------------------------------------------------------------------ load_text


def test_load_text_reads_utf8_exactly(tmp_path):
    content = "Fair is foul,\r\nand foul is fair — ünïcödé 🎭\n"
    (tmp_path / "t.txt").write_bytes(content.encode("utf-8"))
    assert load_text(tmp_path / "t.txt") == content
    assert load_text(str(tmp_path / "t.txt")) == content


def test_load_text_rejects_invalid_utf8_and_missing_files(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"abc\xff\xfedef")
    with pytest.raises(DataFormatError, match="bad.txt: expected UTF-8 text; byte 3 is b'\\\\xff'"):
        load_text(tmp_path / "bad.txt")
    with pytest.raises(FileNotFoundError, match="'dlfs', 'tinyshakespeare'"):
        load_text(tmp_path / "nope.txt")


def test_named_texts_are_found_like_data_sets(tmp_path, monkeypatch, make_data_file):
    (tmp_path / "dlfs").mkdir()
    (tmp_path / "dlfs" / "input.txt").write_text("KING LEAR:\nThou art\n")
    monkeypatch.setitem(text.TEXTS, "dlfs", make_data_file(tmp_path / "dlfs" / "input.txt", "dlfs"))
    assert load_text("dlfs", root=tmp_path).startswith("KING LEAR:")
    with pytest.raises(DatasetNotFoundError, match="tinyshakespeare/input.txt"):
        load_text("tinyshakespeare", root=tmp_path, download=False)


def test_embedded_checksums_match_the_published_list(published_sums):
    for name, f in text.TEXTS.items():
        assert f.relative_path == f"{name}/input.txt"
        assert published_sums[f.relative_path] == f.sha256


def test_real_texts(real_data):
    dlfs = load_text("dlfs", root=real_data("dlfs/input.txt"), download=False)
    assert len(dlfs) == 99_993 and len(Vocabulary(dlfs)) == 62
    shakespeare = load_text("tinyshakespeare", root=real_data("tinyshakespeare/input.txt"), download=False)
    vocab = Vocabulary(shakespeare)
    assert shakespeare.startswith("First Citizen:") and len(vocab) == 65
    codes = vocab.encode(shakespeare)
    assert codes.shape == (1_115_394,) and vocab.decode(codes) == shakespeare


# ------------------------------------------------------------------ Vocabulary


def test_vocabulary_is_sorted_and_independent_of_text_order():
    a, b = Vocabulary("hello world"), Vocabulary("dlrow olleh")
    assert a == b and a.chars == (" ", "d", "e", "h", "l", "o", "r", "w")
    assert len(a) == 8 and "w" in a and "z" not in a
    assert a.index("e") == 2


def test_encode_decode_round_trip_with_dtype_and_shape():
    vocab = Vocabulary("abc 🎭é\n")
    codes = vocab.encode("🎭 abé\n")
    assert codes.dtype == np.int64 and codes.shape == (6,)
    assert codes.tolist() == [vocab.index(c) for c in "🎭 abé\n"]
    assert vocab.decode(codes) == "🎭 abé\n"
    assert vocab.decode([]) == "" and vocab.encode("").shape == (0,)
    assert vocab.decode(np.int64(1)) == vocab.chars[1]


def test_unknown_characters_and_bad_indices_are_reported():
    vocab = Vocabulary("abc")
    with pytest.raises(ValueError, match="character 'z' \\(U\\+007A\\) at position 2 is not in the vocabulary of 3"):
        vocab.encode("abzc")
    with pytest.raises(ValueError, match="index 3 is outside 0..2"):
        vocab.decode([0, 3])
    with pytest.raises(ValueError, match="index -1"):
        vocab.decode([-1])
    with pytest.raises(TypeError, match="integer indices"):
        vocab.decode([0.5])
    with pytest.raises(ValueError, match="1-D"):
        vocab.decode([[0, 1]])
    with pytest.raises(KeyError, match="'q' is not one of its 3"):
        vocab.index("q")
    with pytest.raises(ValueError, match="vocabulary of 0"):
        Vocabulary("").encode("a")
    with pytest.raises(TypeError, match="single characters, got 'ab'"):
        Vocabulary(["a", "ab"])


def test_to_dict_is_json_and_from_dict_keeps_the_indices():
    vocab = Vocabulary("the quick brown fox")
    restored = Vocabulary.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert restored == vocab
    np.testing.assert_array_equal(restored.encode("quick"), vocab.encode("quick"))
    custom = Vocabulary.from_dict({"chars": ["z", "a", "m"]})  # a saved order is kept, not re-sorted
    assert custom.encode("azm").tolist() == [1, 0, 2] and custom.decode([2, 1]) == "ma"


@pytest.mark.parametrize("bad", [{"chars": ["ab"]}, {"chars": "abc"}, {"letters": ["a"]}, {"chars": ["a", "a"]}])
def test_from_dict_rejects_malformed_input(bad):
    with pytest.raises(ValueError, match="Vocabulary.from_dict"):
        Vocabulary.from_dict(bad)
