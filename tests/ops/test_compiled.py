"""The optional compiled kernels: off by default, built once and cached, harmless to the process, and equal
to the NumPy path of the operations that use them (the catalogue runs them too: tests/test_catalogue.py)."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from harness import spy_on_kernels

import chainrule as cr
from chainrule.ops import compiled
from chainrule.ops.recurrent import LSTM

needs_compiler = pytest.mark.skipif(compiled.compiler() is None, reason="no C compiler ($CC or cc) on this machine")


@pytest.fixture
def fresh_libraries(monkeypatch, tmp_path):
    """An empty cache folder and no library loaded yet in this process."""
    monkeypatch.setenv("CHAINRULE_CACHE", str(tmp_path))
    monkeypatch.setattr(compiled, "_libraries", {})
    return tmp_path


def test_the_kernels_are_off_unless_asked_for_and_the_switch_is_scoped():
    assert not compiled.enabled() and compiled.library("gelu") is None
    with compiled.kernels():
        assert compiled.enabled()
        with compiled.kernels(False):
            assert not compiled.enabled() and compiled.library("gelu") is None
        assert compiled.enabled()
    assert not compiled.enabled()
    code = "from chainrule.ops import compiled; print(compiled.enabled())"
    for value, expected in (("1", "True"), ("0", "False")):
        env = dict(os.environ, CHAINRULE_KERNELS=value)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        assert out.stdout.strip() == expected


@needs_compiler
def test_a_library_is_built_once_into_the_cache_and_reused(fresh_libraries):
    with compiled.kernels():
        first = compiled.library("gelu")
        assert first is not None and compiled.library("gelu") is first
    built = list(fresh_libraries.glob("gelu-*.so"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    code = "from chainrule.ops import compiled\nwith compiled.kernels(): print(compiled.library('gelu')._name)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(built[0]) and built[0].stat().st_mtime_ns == stamp  # loaded, not rebuilt


@needs_compiler
def test_loading_every_kernel_leaves_denormal_numbers_alone(fresh_libraries):
    """Linked with -ffast-math, a library switches the whole process to flush-to-zero when it loads."""
    code = (
        "import numpy as np\nfrom chainrule.ops import compiled\n"
        "with compiled.kernels():\n"
        "    assert all(compiled.library(source.stem) is not None for source in compiled.SOURCES.glob('*.c'))\n"
        "print(np.array([1e-40], np.float32)[0] * np.float32(1), np.array([5e-320])[0] * 1.0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1e-40", "5e-320"]


def test_without_a_compiler_it_warns_and_the_operations_use_numpy(fresh_libraries, monkeypatch):
    monkeypatch.setenv("CC", "no-such-compiler-anywhere")
    x = np.linspace(-3, 3, 7)
    expected = cr.ops.gelu(cr.Tensor(x, dtype=np.float64)).numpy()
    with compiled.kernels(), pytest.warns(RuntimeWarning, match="no C compiler"):
        got = cr.ops.gelu(cr.Tensor(x, dtype=np.float64)).numpy()
    np.testing.assert_array_equal(got, expected)


def test_a_compiler_that_fails_gives_a_warning_and_numpy(fresh_libraries, monkeypatch):
    monkeypatch.setenv("CC", "false")  # a "compiler" that always fails
    with compiled.kernels(), pytest.warns(RuntimeWarning, match="compiling gelu.c failed"):
        assert compiled.library("gelu") is None
    assert not list(fresh_libraries.glob("*.so"))


def test_kernel_refuses_arrays_it_cannot_take():
    with compiled.kernels():
        a = np.zeros((3, 4), np.float32)
        assert compiled.kernel("gelu", "gelu_forward", "pppl", a[:, ::2]) is None  # not C-contiguous
        assert compiled.kernel("gelu", "gelu_forward", "pppl", a.astype(np.float16)) is None  # no such dtype
        assert compiled.kernel("gelu", "gelu_forward", "pppl", a, a.astype(np.float64)) is None  # mixed dtypes


# ------------------------------------------------------------------ the kernels against the NumPy path
TOLERANCE = {np.float32: 2e-5, np.float64: 1e-12}


def _compare_paths(run, monkeypatch, compiled_path, rtol, atol):
    """run() on the NumPy path, then with the kernels on: the same results, and the compiled
    functions asked for were (True) or were not (False) handed back, in order."""
    expected = run()
    returned = spy_on_kernels(monkeypatch)
    with compiled.kernels():
        got = run()
    assert [function is not None for function in returned] == compiled_path
    for a, b in zip(got, expected):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _lstm_run(arrays, grads):
    op = LSTM()
    op.needs_grad = (True,) * 7
    outputs = op.forward(*arrays)
    return [np.array(v) for v in (*outputs, *op.backward(grads, *arrays, None))]


@needs_compiler
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("N, T, F, H", [(1, 1, 1, 1), (3, 5, 4, 6), (2, 7, 3, 17)])
def test_the_lstm_kernels_give_the_numpy_path_s_results(dtype, N, T, F, H, monkeypatch):
    rng = np.random.default_rng(N * 100 + H)
    shapes = [(N, T, F), (N, H), (N, H), (F, 4 * H), (H, 4 * H), (4 * H,), (4 * H,)]
    arrays = [(3 * rng.standard_normal(s)).astype(dtype) for s in shapes]  # some gates saturate
    grads = tuple(rng.standard_normal(s).astype(dtype) for s in ((N, T, H), (N, H), (N, H)))
    _compare_paths(lambda: _lstm_run(arrays, grads), monkeypatch, [True, True], TOLERANCE[dtype], TOLERANCE[dtype])


@needs_compiler
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_gelu_kernels_give_the_numpy_path_s_results(dtype, monkeypatch):
    x = np.concatenate([np.linspace(-12, 12, 1001), [0.0, -0.0, 1e-30, -40, 40]]).astype(dtype)
    g = np.random.default_rng(0).standard_normal(x.shape).astype(dtype)

    def run():
        t = cr.Tensor(x, dtype=dtype, requires_grad=True)
        y = cr.ops.gelu(t)
        y.backward(g)
        return y.numpy(), t.grad

    # float32: the NumPy path's erfc is ~4e-6 off in the tails; Φ + x·φ cancels near x = −0.75 (absolute then)
    rtol, atol = {np.float32: (1e-5, 1e-6), np.float64: (1e-13, 1e-15)}[dtype]
    _compare_paths(run, monkeypatch, [True, True], rtol, atol)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no overflow or invalid-value warning from the tails
        with compiled.kernels():
            run()


@needs_compiler
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, normalized, affine", [((6, 5), (5,), (True, True)), ((2, 3, 4), (3, 4), (True, False)),
                                                        ((4, 7), (7,), (False, True)), ((3, 1), (1,), (False, False))])
def test_the_layer_norm_kernels_give_the_numpy_path_s_results(dtype, shape, normalized, affine, monkeypatch):
    rng = np.random.default_rng(len(shape))
    arrays = [rng.standard_normal(shape) * 3 + 1] + [rng.standard_normal(normalized) for on in affine if on]
    g = rng.standard_normal(shape).astype(dtype)

    def run():
        tensors = [cr.Tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
        weight = tensors[1] if affine[0] else None
        bias = tensors[-1] if affine[1] else None
        y = cr.ops.layer_norm(tensors[0], normalized, weight, bias)
        y.backward(g)
        return [y.numpy()] + [t.grad for t in tensors]

    _compare_paths(run, monkeypatch, [True, True], TOLERANCE[dtype], TOLERANCE[dtype])


@needs_compiler
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("t_q, t_k, causal, compiled_path", [
    (5, 5, True, [True, True]), (3, 6, True, [True, True]), (4, 4, False, [True, True]), (1, 1, True, [True, True]),
    (4, 6, "padding", [True]),  # a mask of another shape than (T_q, T_k): the forward keeps NumPy, the backward not
])
def test_the_attention_kernels_give_the_numpy_path_s_results(dtype, t_q, t_k, causal, compiled_path, monkeypatch):
    rng = np.random.default_rng(t_q * 10 + t_k)
    arrays = [3 * rng.standard_normal(s) for s in ((2, 3, t_q, 4), (2, 3, t_k, 4), (2, 3, t_k, 5))]
    g = rng.standard_normal((2, 3, t_q, 5)).astype(dtype)
    mask = (np.arange(t_k) < t_k - 1)[None, None, None, :] if causal == "padding" else None

    def run():
        tensors = [cr.Tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
        y = cr.ops.attention(*tensors, mask=mask, causal=causal is True)
        y.backward(g)
        return [y.numpy()] + [t.grad for t in tensors]

    _compare_paths(run, monkeypatch, compiled_path, TOLERANCE[dtype], TOLERANCE[dtype])


@needs_compiler
def test_a_library_built_for_another_processor_is_not_reused(fresh_libraries, monkeypatch):
    """-march=native: a cache shared by machines of different CPUs must build for each."""
    with compiled.kernels():
        compiled.library("gelu")
        monkeypatch.setattr(compiled, "_libraries", {})
        monkeypatch.setattr(compiled, "_processor", lambda: "model name : another CPU\nflags : sse2\n")
        compiled.library("gelu")
    assert len(list(fresh_libraries.glob("gelu-*.so"))) == 2


def test_a_cache_folder_that_cannot_be_written_gives_a_warning_and_numpy(fresh_libraries, monkeypatch):
    blocker = fresh_libraries / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CHAINRULE_CACHE", str(blocker / "cache"))
    with compiled.kernels(), pytest.warns(RuntimeWarning, match="CHAINRULE_CACHE"):
        assert compiled.library("gelu") is None
