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


# ------------------------------------------------------- issue 15: methods and comparison operators


def test_the_methods_micrograd_and_pytorch_users_write():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).uniform(0.2, 2.0, (3, 4)) * np.array([1, -1, 1, -1])
    x, t = cr.Tensor(data, dtype=np.float64), torch.tensor(data)
    pairs = [
        (x.relu(), t.relu()), (x.tanh(), t.tanh()), (x.sigmoid(), t.sigmoid()), (x.abs().log(), t.abs().log()),
        (x.abs().sqrt(), t.abs().sqrt()), (x.exp(), t.exp()), (x.clip(-0.5, 0.5), t.clip(-0.5, 0.5)),
        (x.max(), t.max()), (x.min(axis=1), t.amin(1)), (x.sin(), t.sin()), (x.cos(), t.cos()),
        (x.softmax(0), t.softmax(0)), (x.prod(1), t.prod(1)), (x.cumsum(1), t.cumsum(1)), (x.var(0), t.var(0)),
        (x.std(), t.std()), (x.norm(), t.norm()), (x.logsumexp(1), t.logsumexp(1)),
        (x.unsqueeze(0).squeeze(0), t), (x.tile((2, 1)), t.repeat(2, 1)),
    ]
    assert not hasattr(x, "repeat")  # NumPy's repeat and PyTorch's differ: no silent surprise
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(x.argmax(axis=1), t.argmax(1).numpy())
    np.testing.assert_array_equal(x.argmin(), t.argmin().numpy())


def test_comparison_operators_give_boolean_arrays():
    x = cr.Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    for got, expected in [(x > 0, [0, 0, 1]), (x >= 0, [0, 1, 1]), (x < 0, [1, 0, 0]), (x <= 0, [1, 1, 0]),
                          (x == 0, [0, 1, 0]), (x != 0, [1, 0, 1]), (x > cr.Tensor([0.0, -1.0, 3.0]), [0, 1, 0])]:
        assert got.dtype == bool
        np.testing.assert_array_equal(got, np.array(expected, bool))
