"""batch_norm: gradcheck, PyTorch parity in training and evaluation (running statistics), errors."""

import numpy as np
import pytest
from harness import HAS_TORCH, Case, check_against_torch, check_case

import chainrule as cr


def _inputs(shape):
    def make(rng):
        channels = shape[1]
        return [rng.standard_normal(shape) * 2 + 1, rng.standard_normal(channels), rng.standard_normal(channels)]

    return make


def _ours(training, running=None):
    def run(x, gamma, beta):
        mean, var = (None, None) if running is None else (running[0].copy(), running[1].copy())
        return cr.ops.batch_norm(x, gamma, beta, mean, var, training)

    return run


def _theirs(training, running=None):
    def run(x, gamma, beta):
        import torch

        mean, var = (None, None) if running is None else (torch.tensor(running[0]), torch.tensor(running[1]))
        return torch.nn.functional.batch_norm(x, mean, var, gamma, beta, training, 0.1, 1e-5)

    return run


RUNNING = (np.array([0.5, -0.2, 0.1]), np.array([1.5, 0.7, 2.0]))

CASES = [
    Case("batch_norm", _ours(True), _theirs(True), _inputs((6, 3)), "train-2d"),
    Case("batch_norm", _ours(True, RUNNING), _theirs(True, RUNNING), _inputs((3, 3, 2, 4)), "train-4d"),
    Case("batch_norm", _ours(False, RUNNING), _theirs(False, RUNNING), _inputs((4, 3, 3, 2)), "eval-4d"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case):
    check_case(case)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("shape", [(16, 3), (5, 3, 4, 6)], ids=str)
def test_running_statistics_follow_torch_over_several_steps(shape):
    import torch

    rng = np.random.default_rng(0)
    mean, var = np.zeros(3), np.ones(3)
    torch_mean, torch_var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    for step in range(4):
        x = rng.standard_normal(shape) * (step + 1) + step
        ours = cr.ops.batch_norm(cr.Tensor(x, dtype=np.float64), gamma, beta, mean, var, True, momentum=0.3)
        theirs = torch.nn.functional.batch_norm(torch.tensor(x), torch_mean, torch_var, torch.tensor(gamma),
                                                torch.tensor(beta), True, 0.3, 1e-5)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(mean, torch_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(var, torch_var.numpy(), rtol=1e-12)  # the unbiased variance
    x = rng.standard_normal(shape)
    check_against_torch(_ours(False, (mean, var)), _theirs(False, (mean, var)), [x, gamma, beta], rng)


def test_training_normalises_each_channel_and_evaluation_uses_the_running_averages():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 2, 3, 3)) * np.array([1.0, 5.0])[:, None, None] + np.array([3.0, -2.0])[:, None, None]
    mean, var = np.zeros(2), np.ones(2)
    y = cr.ops.batch_norm(cr.Tensor(x, dtype=np.float64), np.ones(2), np.zeros(2), mean, var, True).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-3)
    frozen = cr.ops.batch_norm(cr.Tensor(x, dtype=np.float64), np.ones(2), np.zeros(2), mean, var, False).data
    np.testing.assert_allclose(frozen, (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5))
    assert mean.tolist() != [0, 0]


def test_a_batch_of_one_cannot_be_normalised_in_training():
    with pytest.raises(ValueError, match="more than one value per channel"):
        cr.ops.batch_norm(cr.Tensor(np.ones((1, 4))), np.ones(4), np.zeros(4), None, None, True)


def test_evaluation_needs_running_statistics():
    with pytest.raises(ValueError, match="needs running_mean and running_var"):
        cr.ops.batch_norm(cr.Tensor(np.ones((3, 4))), np.ones(4), np.zeros(4), None, None, False)


def test_parameter_of_the_wrong_length_names_the_channels():
    with pytest.raises(ValueError, match=r"gamma must have shape \(4,\) for input \(3, 4\) with 4 channels, got \(3,\)"):
        cr.ops.batch_norm(cr.Tensor(np.ones((3, 4))), np.ones(3), np.zeros(4), None, None, True)


def test_three_dimensional_input_is_refused():
    with pytest.raises(ValueError, match=r"\(N, C\) or \(N, C, H, W\)"):
        cr.ops.batch_norm(cr.Tensor(np.ones((3, 4, 5))), np.ones(4), np.zeros(4), None, None, True)


def test_synchronised_statistics_over_two_shards_give_the_whole_batch():
    """Two "ranks" (threads) each normalise their shard with `reduce` summing over both: the outputs,
    ∂L/∂x, the summed ∂L/∂γ and ∂L/∂β and the running averages equal one batch_norm on the whole batch."""
    import threading

    rng = np.random.default_rng(3)
    x, G = rng.standard_normal((10, 3, 2, 2)) * 2 + 1, rng.standard_normal((10, 3, 2, 2))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)

    def run(rows, reduce):
        xs, gs, bs = (cr.Tensor(a, requires_grad=True, dtype=np.float64) for a in (x[rows], gamma, beta))
        mean, var = np.zeros(3), np.ones(3)
        y = cr.ops.batch_norm(xs, gs, bs, mean, var, True, reduce=reduce)
        (y * cr.Tensor(G[rows], dtype=np.float64)).sum().backward()
        return y.data, xs.grad.data, gs.grad.data, bs.grad.data, mean, var

    whole = run(slice(0, 10), None)
    slots, barrier, results = [None, None], threading.Barrier(2), [None, None]

    def rank(r, rows):
        def reduce(array):
            slots[r] = array.copy()
            barrier.wait()
            total = slots[0] + slots[1]
            barrier.wait()
            array[...] = total

        results[r] = run(rows, reduce)

    threads = [threading.Thread(target=rank, args=(r, rows)) for r, rows in enumerate((slice(0, 6), slice(6, 10)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    first, second = results
    pairs = [(np.concatenate([first[0], second[0]]), whole[0]), (np.concatenate([first[1], second[1]]), whole[1]),
             (first[2] + second[2], whole[2]), (first[3] + second[3], whole[3]), (first[4], whole[4]), (second[5], whole[5])]
    for got, expected in pairs:
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
