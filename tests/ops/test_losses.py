"""Fused losses: gradcheck, PyTorch parity, value/gradient agreement, stability, label checks."""

import numpy as np
import pytest
from harness import HAS_TORCH, Case, check_case, normal

import chainrule as cr

LABELS = np.array([2, 0, 1, 2])
ONE_HOT = np.eye(3)[LABELS]
SEQ_LABELS = np.array([[0, 2, 1], [1, 1, 0]])
TARGETS01 = np.array([[0.0, 1.0], [1.0, 0.2], [0.5, 0.0]])


def _torch():
    import torch

    return torch


CASES = [
    Case("softmax_cross_entropy", lambda x: cr.ops.softmax_cross_entropy(x, LABELS),
         lambda x: _torch().nn.functional.cross_entropy(x, _torch().tensor(LABELS)), normal(4, 3), "labels"),
    Case("softmax_cross_entropy", lambda x: cr.ops.softmax_cross_entropy(x, ONE_HOT),
         lambda x: _torch().nn.functional.cross_entropy(x, _torch().tensor(ONE_HOT)), normal(4, 3), "one-hot"),
    Case("softmax_cross_entropy", lambda x: cr.ops.softmax_cross_entropy(x, SEQ_LABELS),
         lambda x: _torch().nn.functional.cross_entropy(x.reshape(-1, 3), _torch().tensor(SEQ_LABELS).reshape(-1)),
         normal(2, 3, 3), "sequence"),
    Case("binary_cross_entropy_with_logits", lambda x: cr.ops.binary_cross_entropy_with_logits(x, TARGETS01),
         lambda x: _torch().nn.functional.binary_cross_entropy_with_logits(x, _torch().tensor(TARGETS01)), normal(3, 2)),
    Case("binary_cross_entropy", lambda p: cr.ops.binary_cross_entropy(p, TARGETS01),
         lambda p: _torch().nn.functional.binary_cross_entropy(p, _torch().tensor(TARGETS01)),
         lambda rng: [rng.uniform(0.05, 0.95, (3, 2))]),
    Case("mean_squared_error", lambda x: cr.ops.mean_squared_error(x, TARGETS01),
         lambda x: _torch().nn.functional.mse_loss(x, _torch().tensor(TARGETS01)), normal(3, 2)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


def test_cross_entropy_value_matches_its_definition():
    logits = np.random.default_rng(0).standard_normal((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(5), labels].mean()
    got = cr.ops.softmax_cross_entropy(cr.Tensor(logits, dtype=np.float64), labels).item()
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("fn, target", [
    (cr.ops.softmax_cross_entropy, np.array([0, 1])),
    (cr.ops.binary_cross_entropy_with_logits, np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])),
])
def test_huge_logits_give_finite_loss_and_gradient_in_float32(fn, target):
    x = cr.Tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], requires_grad=True)
    loss = fn(x, target)
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.data))


def test_labels_outside_the_class_range_are_explained():
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2 for 3 classes, got values from 0 to 3"):
        cr.ops.softmax_cross_entropy(cr.Tensor(np.zeros((2, 3))), np.array([0, 3]))


def test_label_shape_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"integer labels need shape \(2,\)"):
        cr.ops.softmax_cross_entropy(cr.Tensor(np.zeros((2, 3))), np.array([0, 1, 2]))


def test_mse_shape_mismatch_suggests_a_column():
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        cr.ops.mean_squared_error(cr.Tensor(np.zeros((4, 1))), np.zeros(4))


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_float32_loss_matches_torch():
    import torch

    logits = np.random.default_rng(2).standard_normal((8, 10)).astype(np.float32) * 5
    labels = np.arange(8) % 10
    ours = cr.ops.softmax_cross_entropy(cr.Tensor(logits), labels)
    assert ours.dtype == np.float32
    theirs = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-6)


def test_empty_batches_are_explained():
    for fn, target in ((cr.ops.softmax_cross_entropy, np.zeros(0, dtype=int)), (cr.ops.mean_squared_error, np.zeros((0, 3)))):
        with pytest.raises(ValueError, match="the batch is empty"):
            fn(cr.Tensor(np.zeros((0, 3))), target)


def test_float_labels_get_a_hint():
    with pytest.raises(ValueError, match=r"class labels stored as floats: pass y.astype\(int\)"):
        cr.ops.softmax_cross_entropy(cr.Tensor(np.zeros((2, 3))), np.array([0.0, 2.0]))


def test_soft_targets_that_do_not_sum_to_one_get_the_general_gradient():
    """∂L/∂x = (softmax·Σt − t)/M for any target weights (issue 14, #4)."""
    x = cr.Tensor([[0.3, -1.0, 2.0, 0.5]], requires_grad=True, dtype=np.float64)
    t = np.array([[0.5, 0.2, 0.1, 0.0]])
    cr.ops.softmax_cross_entropy(x, t).backward()
    s = np.exp(x.data) / np.exp(x.data).sum()
    np.testing.assert_allclose(x.grad.data, s * t.sum() - t, rtol=1e-12)


def test_binary_cross_entropy_takes_probabilities_as_pytorch():
    """binary_cross_entropy(p, t) = −mean(t log p + (1 − t) log(1 − p)); logits go to ..._with_logits (issue 14, #8)."""
    p, t = np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 0.5])
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert cr.ops.binary_cross_entropy(cr.Tensor(p, dtype=np.float64), t).item() == pytest.approx(expected, rel=1e-12)
    logits = np.log(p / (1 - p))
    with_logits = cr.ops.binary_cross_entropy_with_logits(cr.Tensor(logits, dtype=np.float64), t).item()
    assert with_logits == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits"):
        cr.ops.binary_cross_entropy(cr.Tensor(logits), t)  # logits are not probabilities
    edge = cr.Tensor([0.0, 1.0], requires_grad=True)
    loss = cr.ops.binary_cross_entropy(edge, np.array([1.0, 1.0]))  # log 0 floored at −100, as PyTorch
    loss.backward()
    assert loss.item() == pytest.approx(50.0) and np.all(np.isfinite(edge.grad.data))
