"""A Tensor where NumPy expects an array (chainrule/array_protocol.py): PyTorch's behaviour."""

import numpy as np
import pytest

import chainrule as cr


def test_numpy_reads_a_tensor_like_an_array():
    t = cr.Tensor([[0.1, 0.9], [0.8, 0.2]])
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.argmax(t, axis=1).tolist() == [1, 0]
    assert np.equal(np.argmax(t, axis=1), np.array([1, 0])).sum() == 2


def test_one_element_tensors_are_numbers():
    loss = cr.Tensor(0.123456)
    assert float(loss) == pytest.approx(0.123456)
    assert f"{loss:.3f}" == "0.123"
    assert "{0:.2f}".format(loss) == "0.12"
    assert round(loss, 4) == pytest.approx(0.1235)
    assert int(cr.Tensor(3.0)) == 3
    assert bool(cr.Tensor(1.0)) and not bool(cr.Tensor(0.0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(cr.Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="one-element"):
        f"{cr.Tensor([1.0, 2.0]):.3f}"
    assert f"{cr.Tensor([1.0, 2.0])}" == str(cr.Tensor([1.0, 2.0]))


def test_numpy_reductions_call_the_differentiable_methods():
    t = cr.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    total = np.sum(t)
    assert isinstance(total, cr.Tensor) and float(total) == 10.0
    assert float(np.mean(t)) == 2.5 and float(np.max(t)) == 4.0
    assert np.sum(t, axis=0).shape == (2,)
    total.backward()
    assert np.array_equal(t.grad.numpy(), np.ones((2, 2)))
    with pytest.raises(TypeError, match="takes axis and keepdims"):
        np.sum(t, out=np.zeros(()))


def test_ndarray_times_tensor_still_builds_the_graph():
    w = cr.Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    a = np.array([3.0, 4.0])
    for y in (a * w, a + w, a - w, a / w, np.exp(w) * a, np.abs(a - w), np.float64(2.0) * w):
        assert isinstance(y, cr.Tensor) and y.requires_grad
    (a * w).sum().backward()
    assert np.array_equal(w.grad.numpy(), a)
    assert isinstance(a @ cr.Tensor(np.eye(2)), cr.Tensor)


def test_other_ufuncs_and_out_compute_on_plain_arrays():
    t = cr.Tensor([1.0, -2.0])
    assert np.isnan(t).tolist() == [False, False]
    a = np.zeros(2, dtype=np.float32)
    a += t
    assert isinstance(a, np.ndarray) and a.tolist() == [1.0, -2.0]
    mae = np.mean(np.abs(np.array([1.0, 1.0]) - t))
    assert f"{mae:.2f}" == "1.50"
