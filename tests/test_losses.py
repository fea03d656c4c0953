"""Loss objects: what they compute, prediction rules, accuracy."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.losses import accuracy


def test_mean_squared_error_is_the_mean_over_all_elements():
    p = cr.Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert cr.MeanSquaredError()(p, np.zeros((2, 2))).item() == pytest.approx(7.5)


def test_softmax_cross_entropy_accepts_labels_and_one_hot_alike():
    logits = cr.Tensor(np.random.default_rng(0).standard_normal((4, 3)))
    labels = np.array([0, 2, 1, 1])
    loss = cr.SoftmaxCrossEntropy()
    assert loss(logits, labels).item() == pytest.approx(loss(logits, np.eye(3)[labels]).item(), rel=1e-6)


def test_binary_cross_entropy_of_confident_right_answers_is_small():
    loss = cr.BinaryCrossEntropy()(cr.Tensor([[10.0], [-10.0]]), np.array([[1.0], [0.0]]))
    assert 0 < loss.item() < 1e-4


def test_accuracy_for_labels_one_hot_and_binary():
    output = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(cr.SoftmaxCrossEntropy(), output, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert accuracy(cr.SoftmaxCrossEntropy(), output, np.eye(2)[[1, 0, 1]]) == 1.0
    assert accuracy(cr.BinaryCrossEntropy(), np.array([[2.0], [-1.0]]), np.array([[1], [1]])) == 0.5


def test_binary_cross_entropy_loss_says_whether_it_takes_logits():
    logits, target = np.array([[2.0], [-1.0]]), np.array([[1.0], [0.0]])
    probabilities = 1 / (1 + np.exp(-logits))
    from_logits = cr.BinaryCrossEntropy()(cr.Tensor(logits, dtype=np.float64), target).item()
    from_probabilities = cr.BinaryCrossEntropy(from_logits=False)(cr.Tensor(probabilities, dtype=np.float64), target)
    assert from_probabilities.item() == pytest.approx(from_logits, rel=1e-9)
    assert repr(cr.BinaryCrossEntropy(from_logits=False)) == "BinaryCrossEntropy(from_logits=False)"
    assert accuracy(cr.BinaryCrossEntropy(from_logits=False), np.array([[0.7], [0.4]]), np.array([[1], [1]])) == 0.5


def test_label_smoothing_matches_torch_and_survives_save_and_load(tmp_path):
    torch = pytest.importorskip("torch")
    logits = np.random.default_rng(0).standard_normal((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    ours = cr.SoftmaxCrossEntropy(label_smoothing=0.2)(cr.Tensor(logits, dtype=np.float64), labels)
    theirs = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels), label_smoothing=0.2)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)
    net = cr.NeuralNetwork([cr.Dense(3, input_size=2)], cr.SoftmaxCrossEntropy(label_smoothing=0.1))
    net.save(tmp_path / "smooth.npz")
    assert cr.load(tmp_path / "smooth.npz").loss.label_smoothing == 0.1
    with pytest.raises(ValueError, match="label_smoothing"):
        cr.SoftmaxCrossEntropy(label_smoothing=1.5)
