"""The backward engine: accumulation, big graphs, freeing, no_grad, higher order."""

import gc
import tracemalloc

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Operation


def test_reused_tensor_accumulates_gradient():
    x = cr.Tensor([1.5, -2.0], requires_grad=True)
    y = (x * x + x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data + 1)


def test_two_branches_sum():
    x = cr.Tensor([2.0], requires_grad=True)
    a = cr.exp(x)
    b = x * 3
    (a + b).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.exp(2.0) + 3, rtol=1e-6)


def test_diamond_graph_runs_each_backward_once_with_full_gradient():
    x = cr.Tensor([0.5], requires_grad=True, dtype=np.float64)
    h = cr.tanh(x)
    y = (h * h + cr.sigmoid(h)).sum()
    y.backward()
    t = np.tanh(0.5)
    s = 1 / (1 + np.exp(-t))
    np.testing.assert_allclose(x.grad.data, (2 * t + s * (1 - s)) * (1 - t * t))


def test_gradients_accumulate_across_backward_calls_until_zeroed():
    x = cr.Tensor([1.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0])
    x.zero_grad()
    assert x.grad is None


def test_deep_chain_of_10000_operations():
    x = cr.Tensor([1.0], requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0001**10_000], rtol=1e-9)


def test_wide_tree_of_100000_nodes():
    x = cr.Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    leaves = [x * float(i % 7) for i in range(50_000)]
    total = leaves[0]
    for t in leaves[1:]:
        total = total + t
    total.sum().backward()
    expected = sum(i % 7 for i in range(50_000))
    np.testing.assert_allclose(x.grad.data, [expected, expected])


def test_backward_twice_without_retain_graph_is_explained():
    x = cr.Tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = cr.Tensor([3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [12.0])


def test_graph_is_released_after_backward():
    x = cr.Tensor(np.ones(3), requires_grad=True)
    h = x * 2
    y = cr.exp(h).sum()
    op = y._op
    y.backward()
    assert op.released and not hasattr(op, "inputs")


def test_no_grad_records_nothing_and_restores():
    x = cr.Tensor([1.0], requires_grad=True)
    with cr.no_grad():
        y = x * 2
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf


def test_no_grad_as_decorator():
    @cr.no_grad()
    def predict(t):
        return t * 2

    assert not predict(cr.Tensor([1.0], requires_grad=True)).requires_grad


def test_backward_on_a_tensor_that_needs_no_grad_is_explained():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (cr.Tensor([1.0]) * 2).sum().backward()


def test_non_scalar_backward_needs_a_gradient():
    x = cr.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="needs grad="):
        (x * 2).backward()
    (x * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 20.0])


def test_leaf_gradients_are_private_writable_arrays():
    a = cr.Tensor([1.0, 2.0], requires_grad=True)
    b = cr.Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert a.grad.data is not b.grad.data
    a.grad.data *= 10  # must not change b's gradient
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_retain_grad_keeps_an_intermediate_gradient():
    x = cr.Tensor([2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad.data, [12.0])


def test_no_reference_cycles_and_flat_memory_over_10000_steps():
    w = cr.Tensor(np.random.default_rng(0).standard_normal((8, 4)), requires_grad=True)
    x = np.ones((16, 8))
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        for step in range(10_000):
            loss = cr.tanh(cr.Tensor(x) @ w).mean()
            loss.backward()
            w.grad = None
            if step == 1999:  # after warm-up: Python's free lists of small objects are full by now
                early, _ = tracemalloc.get_traced_memory()
        late, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert gc.collect() == 0, "the graph left reference cycles behind"
    finally:
        gc.enable()
    # A leaked graph would cost kilobytes a step; allow 2 bytes a step of noise.
    assert late - early < 16_000, f"memory grew by {late - early} bytes over 8,000 steps"


SECOND_ORDER = {
    "tanh": cr.tanh,
    "sigmoid": cr.sigmoid,
    "exp": cr.exp,
    "log": lambda x: cr.log(x * x + 1),
    "sqrt": lambda x: cr.sqrt(x * x + 1),
    "pow": lambda x: x**3,
    "div": lambda x: 1 / (x * x + 1),
    "matmul": lambda x: x.reshape(2, 3) @ x.reshape(3, 2),
    "softmax": cr.softmax,
    "log_softmax": cr.log_softmax,
    "sum-mean": lambda x: x.sum() * x.mean(),
    "max": lambda x: x.max() * x,
    "shape": lambda x: cr.concat(cr.split(x.reshape(3, 2).T, [1], axis=0), axis=1) ** 2,
    "stack": lambda x: cr.stack([x, x * x]) ** 2,
    "getitem": lambda x: x[np.array([0, 0, 5])] ** 3,
    "where": lambda x: cr.where(x.data > 0, x * x, x**3),
    "broadcast": lambda x: (x.reshape(6, 1) * x) ** 2,
}


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_by_gradcheck_of_the_gradient(name):
    f = SECOND_ORDER[name]

    def gradient(x):
        (g,) = cr.grad(f(x).sum(), [x], create_graph=True)
        return g

    x = np.random.default_rng(3).uniform(0.3, 1.5, size=6) * np.array([1, -1, 1, -1, 1, 1])
    cr.gradcheck(gradient, [x])


def test_grad_does_not_touch_dot_grad():
    x = cr.Tensor([2.0], requires_grad=True)
    (g,) = cr.grad((x * x).sum(), [x])
    assert x.grad is None
    np.testing.assert_array_equal(g.data, [4.0])


def test_grad_of_an_unused_input_is_explained():
    x = cr.Tensor([2.0], requires_grad=True)
    z = cr.Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="not used"):
        cr.grad((x * x).sum(), [z])
    assert cr.grad((x * x).sum(), [z], allow_unused=True) == (None,)


class _NumpyOnlyBackward(Operation):
    second_order = False

    def forward(self, x):
        return x * 2

    def backward(self, g, x, y):
        return g * 2


def test_first_order_only_operation_says_so_when_asked_for_second_order():
    x = cr.Tensor([1.0], requires_grad=True)
    y = _NumpyOnlyBackward()(x * x).sum()
    with pytest.raises(RuntimeError, match="cannot be differentiated again"):
        cr.grad(y, [x], create_graph=True)


# ----------------------------------------------------------- a 0-d tensor used three or more times (issue 14, #1)


def test_a_0d_tensor_used_three_times_gets_every_contribution():
    x = cr.Tensor(3.0, requires_grad=True, dtype=np.float64)
    (x * x * x).backward()
    assert x.grad.item() == pytest.approx(27.0)  # 3x², not 18


def test_the_micrograd_readme_example():
    a, b = cr.Tensor(-4.0, requires_grad=True, dtype=np.float64), cr.Tensor(2.0, requires_grad=True, dtype=np.float64)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + cr.relu(b + a)
    d = d + 3 * d + cr.relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    assert g.item() == pytest.approx(24.7041, abs=1e-4)
    assert a.grad.item() == pytest.approx(138.8338, abs=1e-4)
    assert b.grad.item() == pytest.approx(645.5773, abs=1e-4)


def test_third_derivative_at_a_scalar_point():
    x = cr.Tensor(0.3, requires_grad=True, dtype=np.float64)
    y = x**4 * cr.exp(x)
    (d1,) = cr.grad(y, [x], create_graph=True)
    (d2,) = cr.grad(d1, [x], create_graph=True)
    (d3,) = cr.grad(d2, [x])
    assert d3.item() == pytest.approx(14.5408, abs=1e-4)  # eˣ(x⁴ + 12x³ + 36x² + 24x) at 0.3
