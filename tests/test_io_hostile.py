"""Hostile model and IDX files under a memory cap and a time limit: compressed members, forged
architectures, special files. Each must be refused (or loaded) without taking memory or time;
and loading a genuine file stays within the bound docs/guide/03-framework.md states."""

import io
import json
import os
import zipfile

import numpy as np
import pytest
from capped import run_capped

import chainrule as cr
from chainrule.data.idx import write_idx
from chainrule.io import META_MEMBER, read_archive, write_archive

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="the memory cap needs Linux")


def _small(path):
    net = cr.NeuralNetwork([cr.Dense(4, "tanh", input_size=3), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=0)
    net.save(path)
    return path


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _recompressed(source, target, method, bomb=None):
    """`source` with every member compressed by `method`; `bomb` adds a member of that many zero bytes."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", compression=method) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
        if bomb:
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (bomb // 4,)})
            with new.open("bomb.npy", "w", force_zip64=True) as member:
                member.write(header.getvalue())
                zeros = bytes(1 << 20)
                for _ in range(bomb >> 20):
                    member.write(zeros)
    return target


def _architecture(tmp_path, name, layers, arrays=None):
    """A file declaring `layers` (descriptions) with the given arrays (default: none at all)."""
    meta = {"format": "chainrule-model", "format_version": 1, "dtype": "float32",
            "architecture": {"layer": "chainrule.network.NeuralNetwork",
                             "config": {"layers": layers, "loss": None, "seed": 0}}}
    path = tmp_path / name
    write_archive(path, arrays or {}, meta)
    return path


def _dense(neurons, input_size):
    return {"layer": "chainrule.layers.dense.Dense",
            "config": {"neurons": neurons, "activation": None, "weight_init": "glorot", "input_size": input_size,
                       "bias": True}}


def test_compressed_members_are_refused_before_anything_is_decompressed(tmp_path):
    good = _small(tmp_path / "good.npz")
    cases = [("model", _recompressed(good, tmp_path / f"m{method}.npz", method))
             for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)]
    cases.append(("model", _recompressed(good, tmp_path / "bomb.npz", zipfile.ZIP_DEFLATED, bomb=96 << 20)))
    assert os.path.getsize(tmp_path / "bomb.npz") < 1 << 20  # 96 MiB of zeros in under 1 MiB
    for outcome, message in run_capped(cases, budget_mib=48):
        assert outcome == "refused" and "compressed" in message, (outcome, message)


def test_forged_architectures_are_refused_before_anything_is_built(tmp_path):
    conv = {"layer": "chainrule.layers.conv.Conv2D",
            "config": {"out_channels": 4096, "kernel_size": [64, 64], "in_channels": 64}}
    embedding = {"layer": "chainrule.layers.embedding.Embedding", "config": {"num_embeddings": 4096, "embedding_dim": 4096}}
    lstm = {"layer": "chainrule.layers.recurrent.LSTM",
            "config": {"hidden_size": 4096, "input_size": 4096, "num_layers": 4096}}
    small = {"layers.0.weight": np.zeros((4096, 1), np.float32)}  # a lazy Dense(4096) would be sized 4096 × 4096
    files = [
        _architecture(tmp_path, "string.npz", [_dense(4096, "20000")]),
        _architecture(tmp_path, "many.npz", [_dense(4096, 4096) for _ in range(200)]),
        _architecture(tmp_path, "conv.npz", [conv]),
        _architecture(tmp_path, "embedding.npz", [embedding]),
        _architecture(tmp_path, "lstm.npz", [lstm]),
        _architecture(tmp_path, "lazy.npz", [_dense(4096, None)], small),
        _architecture(tmp_path, "float.npz", [_dense(8, 2.7)], {"layers.0.weight": np.zeros((2, 8), np.float32),
                                                                 "layers.0.bias": np.zeros(8, np.float32)}),
    ]
    assert max(os.path.getsize(f) for f in files) < 64 << 10
    for outcome, message in run_capped([("model", f) for f in files], budget_mib=48):
        assert outcome == "refused" and "allocate" not in message, (outcome, message)  # refused, not out of memory


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="POSIX special files")
def test_special_files_are_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases = [(kind, path) for kind in ("model", "idx") for path in ("/dev/zero", str(fifo), str(tmp_path))]
    for outcome, message in run_capped(cases, budget_mib=48, seconds=5):
        assert outcome == "refused" and "not a regular file" in message, (outcome, message)


def _mutant_architectures(good, tmp_path, count):
    """Seeded forgeries of a genuine file's header: sizes replaced by hostile values of every JSON type."""
    arrays, meta = read_archive(good)
    rng = np.random.default_rng(19)
    hostile = [0, -1, 2**31, 2**63, 10**6, 4096, "4", "20000", 2.7, 1e300, True, None, [], {}, [64, 64]]
    paths = []
    for i in range(count):
        forged = json.loads(json.dumps(meta))
        configs = [layer["config"] for layer in forged["architecture"]["config"]["layers"]]
        for _ in range(int(rng.integers(1, 4))):
            config = configs[int(rng.integers(len(configs)))]
            key = list(config)[int(rng.integers(len(config)))]
            config[key] = hostile[int(rng.integers(len(hostile)))]
        path = tmp_path / f"forged{i}.npz"
        write_archive(path, arrays, forged)
        paths.append(path)
    return paths


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_fuzzed_architectures_and_members_are_refused_or_loaded_within_the_cap(tmp_path):
    good = _small(tmp_path / "good.npz")
    cases = [("model", p) for p in _mutant_architectures(good, tmp_path, 60)]
    for i, (name, data) in enumerate([("layers.0.weight.npy", _npy(np.zeros((4096, 4096 // 64), np.float32))),
                                      (META_MEMBER, b"{}"), ("layers.0.weight.npy", b"\x93NUMPY")]):
        path = tmp_path / f"extra{i}.npz"
        with zipfile.ZipFile(good) as old, zipfile.ZipFile(path, "w") as new:
            for info in old.infolist():
                new.writestr(info.filename, old.read(info))
            new.writestr(name, data)  # the same name twice
        cases.append(("model", path))
    outcomes = run_capped(cases, budget_mib=48)
    assert {outcome for outcome, _ in outcomes} <= {"loaded", "refused"}, outcomes
    assert all(outcome == "refused" and "twice" in message for outcome, message in outcomes[-3:])


def test_loading_stays_within_two_copies_of_the_declared_parameters(tmp_path):
    """The bound the docs state: the arrays plus the model's own copy, 16 bytes per number at most."""
    net = cr.NeuralNetwork([cr.Dense(1024, "relu", input_size=1024), cr.Dense(1024, input_size=1024),
                            cr.layers.Embedding(256, 1024)], seed=0)
    path = tmp_path / "big.npz"
    net.save(path)
    numbers = sum(p.size for p in net.parameters())  # about 2.4 million: 9.5 MB in float32
    budget = 2 * numbers * 4 + (12 << 20)  # two float32 copies, and 12 MiB for the interpreter's own needs
    [(outcome, message)] = run_capped([("model", path)], budget_mib=budget >> 20)
    assert outcome == "loaded", (outcome, message)


def test_multi_byte_idx_data_is_converted_in_place(tmp_path):
    """A big-endian int32 file of 32 MiB reads within 1.25 times its size: no second copy of the data."""
    path = tmp_path / "big.idx"
    write_idx(path, np.zeros((8 << 20,), np.int32))
    [(outcome, message)] = run_capped([("idx", path)], budget_mib=40)
    assert outcome == "loaded", (outcome, message)
