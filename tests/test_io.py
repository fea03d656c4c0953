"""Saving and loading: round trips, mismatches, and hostile or damaged files (fuzzed)."""

import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import chainrule as cr
from chainrule.io import ModelFileError, read_archive, write_archive


def _net():
    net = cr.NeuralNetwork(
        [cr.Dense(5, "tanh", input_size=3), cr.Dropout(0.1), cr.Dense(2, cr.LeakyReLU(0.2))], cr.SoftmaxCrossEntropy(), seed=4
    )
    return net


def test_round_trip_gives_identical_predictions_and_architecture(tmp_path):
    net = _net()
    path = tmp_path / "model.npz"
    net.save(path, extra={"note": "hello"})
    loaded = cr.load(path)
    x = np.random.default_rng(0).standard_normal((4, 3))
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))
    assert repr(loaded) == repr(net)
    assert isinstance(loaded.loss, cr.SoftmaxCrossEntropy) and loaded.metadata == {"note": "hello"}


def test_float64_models_stay_float64(tmp_path):
    net = _net().to(np.float64)
    net.save(tmp_path / "m.npz")
    assert all(p.dtype == np.float64 for p in cr.load(tmp_path / "m.npz").parameters())


def test_lazy_layers_are_built_from_the_saved_shapes(tmp_path):
    net = cr.NeuralNetwork([cr.Dense(4), cr.Dense(1)], cr.MeanSquaredError(), seed=0)
    x = np.ones((2, 6))
    net.predict(x)
    net.save(tmp_path / "lazy.npz")
    np.testing.assert_array_equal(cr.load(tmp_path / "lazy.npz").predict(x), net.predict(x))


def test_weights_of_another_architecture_are_refused_with_names_and_shapes(tmp_path):
    net = _net()
    path = tmp_path / "m.npz"
    state = net.state_dict()
    state["layers.0.weight"] = np.zeros((7, 5), dtype=np.float32)
    from chainrule.io import FORMAT_NAME, FORMAT_VERSION
    from chainrule.serialize import describe

    meta = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "architecture": describe(net), "dtype": "float32"}
    write_archive(path, state, meta)
    with pytest.raises(ModelFileError, match=r"'layers.0.weight' has shape \(3, 5\) in this model but \(7, 5\)"):
        cr.load(path)


def test_pickle_payloads_are_never_executed(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.npz"
    good = tmp_path / "good.npz"
    _net().save(good)
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            if info.filename != "layers.0.bias.npy":
                target.writestr(info, source.read(info))
        buffer = io.BytesIO()
        np.save(buffer, np.array([Exploit()], dtype=object), allow_pickle=True)
        target.writestr("layers.0.bias.npy", buffer.getvalue())
    with pytest.raises(ModelFileError, match="only plain numbers"):
        cr.load(path)
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(ModelFileError, match="not a readable zip"):
        cr.load(raw)
    assert not marker.exists()


def test_huge_declared_array_is_refused_before_allocation(tmp_path):
    path = tmp_path / "huge.npz"
    good = tmp_path / "good.npz"
    _net().save(good)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (1 << 40,)})
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "layers.0.bias.npy":
                data = b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + b"\x00" * 20
            target.writestr(info.filename, data)
    with pytest.raises(ModelFileError, match="declares shape"):
        cr.load(path)


def test_absurd_layer_sizes_in_the_header_are_refused(tmp_path):
    arrays, meta = read_archive(_saved(tmp_path))
    meta["architecture"]["config"]["layers"][0]["config"]["neurons"] = 10**12
    write_archive(tmp_path / "absurd.npz", arrays, meta)
    with pytest.raises(ModelFileError, match="out of proportion"):
        cr.load(tmp_path / "absurd.npz")


def test_unknown_layer_type_is_explained(tmp_path):
    arrays, meta = read_archive(_saved(tmp_path))
    meta["architecture"]["config"]["layers"][0]["layer"] = "os.system"
    write_archive(tmp_path / "unknown.npz", arrays, meta)
    with pytest.raises(ModelFileError, match="unknown layer type 'os.system'"):
        cr.load(tmp_path / "unknown.npz")


def _saved(tmp_path):
    path = tmp_path / "base.npz"
    _net().save(path)
    return path


def test_a_thousand_mutated_files_raise_only_model_file_errors(tmp_path):
    original = _saved(tmp_path).read_bytes()
    rng = np.random.default_rng(2026)
    path = tmp_path / "mutant.npz"
    outcomes = {"loaded": 0, "refused": 0}
    for trial in range(1000):
        data = bytearray(original)
        kind = trial % 4
        if kind == 0:  # truncate
            data = data[: rng.integers(0, len(data))]
        elif kind == 1:  # flip bits
            for position in rng.integers(0, len(data), size=rng.integers(1, 8)):
                data[position] ^= 1 << int(rng.integers(0, 8))
        elif kind == 2:  # overwrite a run of bytes with random ones
            start = int(rng.integers(0, len(data)))
            data[start : start + 16] = rng.integers(0, 256, size=len(data[start : start + 16]), dtype=np.uint8).tobytes()
        else:  # splice in junk
            start = int(rng.integers(0, len(data)))
            data[start:start] = rng.integers(0, 256, size=int(rng.integers(1, 64)), dtype=np.uint8).tobytes()
        path.write_bytes(bytes(data))
        try:
            cr.load(path)
            outcomes["loaded"] += 1
        except ModelFileError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 500, outcomes


def test_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        cr.load(tmp_path / "nope.npz")


def test_failed_save_leaves_no_temp_file(tmp_path):
    with pytest.raises(TypeError, match="not a plain number type"):
        write_archive(tmp_path / "x.npz", {"bad": np.array(["text"], dtype=object)}, {"format": "x"})
    assert os.listdir(tmp_path) == []


def test_a_member_stored_twice_is_refused(tmp_path):
    good = _saved(tmp_path)
    path = tmp_path / "twice.npz"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        with pytest.warns(UserWarning, match="Duplicate name"):
            target.writestr("layers.0.bias.npy", source.read("layers.0.bias.npy"))
    with pytest.raises(ModelFileError, match="'layers.0.bias.npy' appears twice"):
        cr.load(path)


def test_compressed_members_are_refused_though_intact(tmp_path):
    good = _saved(tmp_path)
    with zipfile.ZipFile(good) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}  # what chainrule writes
    path = tmp_path / "deflated.npz"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    with pytest.raises(ModelFileError, match="compressed"):
        cr.load(path)
    with pytest.raises(ModelFileError, match="compressed"):
        read_archive(path)


def test_a_json_integer_of_thousands_of_digits_is_a_model_file_error(tmp_path):
    arrays, meta = read_archive(_saved(tmp_path))
    path = tmp_path / "digits.npz"
    write_archive(path, arrays, meta)
    header = json.dumps(meta).replace('"seed": 4', '"seed": ' + "9" * 5000).encode()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp_path / "long.npz", "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, header if info.filename == "__chainrule__.json" else source.read(info))
    with pytest.raises(ModelFileError, match="not valid JSON"):
        cr.load(tmp_path / "long.npz")


def test_loading_draws_no_random_weights(tmp_path, monkeypatch):
    """The weights come from the file: building the layers must not draw (nor allocate) initial ones."""
    path = _saved(tmp_path)
    expected = cr.load(path).state_dict()

    def refuse(*args, **kwargs):
        raise AssertionError("random initial weights were drawn while loading")

    monkeypatch.setattr("chainrule.layers.dense.initialize", refuse)
    loaded = cr.load(path).state_dict()
    assert all(np.array_equal(loaded[k], expected[k]) for k in expected)


@pytest.mark.parametrize("layer, size", [("input_size", "4"), ("input_size", 2.7), ("input_size", 0),
                                         ("neurons", True), ("input_size", 10**6)])
def test_forged_sizes_are_refused_before_building(tmp_path, layer, size):
    arrays, meta = read_archive(_saved(tmp_path))
    meta["architecture"]["config"]["layers"][0]["config"][layer] = size
    write_archive(tmp_path / "forged.npz", arrays, meta)
    with pytest.raises(ModelFileError):
        cr.load(tmp_path / "forged.npz")
