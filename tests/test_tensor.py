"""Tensor: construction, dtype rules, basic methods."""

import numpy as np
import pytest

import chainrule as cr


def test_default_dtype_is_float32_and_float64_on_request():
    assert cr.Tensor([1, 2, 3]).dtype == np.float32
    assert cr.Tensor(np.zeros(3)).dtype == np.float32
    assert cr.Tensor(np.zeros(3), dtype=np.float64).dtype == np.float64
    assert cr.Tensor(cr.Tensor([1.0], dtype="float64")).dtype == np.float64


@pytest.mark.parametrize("bad", [np.array(["a"]), np.array([1 + 2j]), np.array([object()])])
def test_non_numeric_data_is_refused(bad):
    with pytest.raises(TypeError, match="cannot make a tensor"):
        cr.Tensor(bad)


def test_integer_dtype_is_refused_with_advice():
    with pytest.raises(TypeError, match="float32 or float64"):
        cr.Tensor([1], dtype=np.int64)


def test_repr_shows_values_dtype_and_grad_flag():
    text = repr(cr.Tensor([1.0, 2.0], requires_grad=True, name="w"))
    assert text == "Tensor([1., 2.], dtype=float32, requires_grad=True, name='w')"


def test_item_numpy_len_and_shape():
    t = cr.Tensor([[1.0, 2.0, 3.0]])
    assert t.shape == (1, 3) and t.ndim == 2 and t.size == 3 and len(t) == 1
    assert t.numpy() is t.data
    assert cr.Tensor([4.0]).item() == 4.0
    with pytest.raises(ValueError, match="one element"):
        t.item()


def test_detach_cuts_the_graph_and_shares_data():
    x = cr.Tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    y = (x * d).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_numpy_array_on_the_left_uses_tensor_operators():
    x = cr.Tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, cr.Tensor) and y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


def test_requires_grad_only_changes_leaves():
    x = cr.Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad_(False)
