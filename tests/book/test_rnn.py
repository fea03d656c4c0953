"""Chapter 6's cells through chainrule.book.rnn, on the book's own text.

The cells are the book's, imports swapped; the one other change is the number
of iterations (the book's 1,000–2,000 take minutes; a few show the same
machinery). The book printed only loss curves and samples, so the checks are
on behaviour: the loss falls, samples are drawn from the text's characters,
stacked layers meet through the book's projection, and the batching carries
the mean final state from one batch to the next.
"""

import os
from pathlib import Path

import numpy as np
import pytest

from notebook_cells import run_cell

ITERATIONS = 5
TEXT = Path(__file__).resolve().parents[2] / "data" / "dlfs" / "input.txt"

CELLS = {
    "single RNN layer": """
from lincoln.rnn import RNNLayer, RNNModel, RNNTrainer, SGD, SoftmaxCrossEntropy
layers = [RNNLayer(hidden_size=256, output_size=62)]
mod = RNNModel(layers=layers,
               vocab_size=62, sequence_length=10,
               loss=SoftmaxCrossEntropy())
optim = SGD(lr=0.001, gradient_clipping=True)
trainer = RNNTrainer('input.txt', mod, optim)
trainer.train({iterations}, sample_every=100)
""",
    "single LSTM layer": """
from lincoln.rnn import LSTMLayer, RNNModel, RNNTrainer, AdaGrad, SoftmaxCrossEntropy
layers1 = [LSTMLayer(hidden_size=256, output_size=62, weight_scale=0.01)]
mod = RNNModel(layers=layers1,
               vocab_size=62, sequence_length=25,
               loss=SoftmaxCrossEntropy())
optim = AdaGrad(lr=0.01, gradient_clipping=True)
trainer = RNNTrainer('input.txt', mod, optim, batch_size=3)
trainer.train({iterations}, sample_every=100)
""",
}


@pytest.fixture
def in_text_folder():
    if not TEXT.exists():
        pytest.skip("the book's text is absent")
    here = os.getcwd()
    os.chdir(TEXT.parent)
    yield
    os.chdir(here)


@pytest.mark.parametrize("name", list(CELLS))
def test_chapter_6_cells_train(in_text_folder, name):
    np.random.seed(0)
    printed, ns = run_cell(CELLS[name].format(iterations=ITERATIONS))
    trainer = ns["trainer"]
    sample = printed.splitlines()[0]
    assert len(printed) >= 200 and set(printed) - {"\n"} <= set(trainer.chars)  # iteration 0's sample
    losses = trainer.losses
    assert len(losses) == ITERATIONS and np.all(np.isfinite(losses)) and losses[-1] < losses[0], (name, losses)
    assert sample


def test_stacked_layers_meet_through_the_book_s_projection(in_text_folder):
    from chainrule.book.rnn import GRULayer, LSTMLayer, RNNModel, SoftmaxCrossEntropy

    np.random.seed(1)
    model = RNNModel([GRULayer(16, output_size=128), LSTMLayer(16, output_size=62)], 5, 62, SoftmaxCrossEntropy())
    x = np.eye(62)[np.random.randint(0, 62, (4, 5))]
    assert model.forward(x).shape == (4, 5, 62)
    first, second = model.layers
    assert first.projection.layer.weight.shape == (16, 128)
    assert second.cell.weight_ih_l0.shape[0] == 128  # the LSTM reads the 128-unit projection


def test_each_batch_starts_from_the_mean_final_state_of_the_last():
    from chainrule.book.rnn import RNNLayer

    np.random.seed(2)
    layer = RNNLayer(8, output_size=3, weight_scale=0.1)
    x = np.random.normal(size=(4, 6, 5))
    layer.forward(x)
    h = layer.start_H.copy()
    assert h.shape == (1, 8) and np.abs(h).sum() > 0
    import chainrule as cr

    _, final = layer.cell(cr.Tensor(x, dtype=np.float64))
    assert np.allclose(final.data[0].mean(axis=0, keepdims=True), h)  # the first batch started from zeros
    layer.forward(x)
    _, final = layer.cell(cr.Tensor(x, dtype=np.float64), cr.Tensor(np.repeat(h, 4, axis=0)[None], dtype=np.float64))
    assert np.allclose(layer.start_H, final.data[0].mean(axis=0, keepdims=True))  # the second, from their mean


def test_the_gru_gates_learn():
    """The book's GRU gave its gates zero gradient; every gate weight gets one here."""
    from chainrule.book.rnn import GRULayer, RNNModel, SoftmaxCrossEntropy

    np.random.seed(3)
    model = RNNModel([GRULayer(6, output_size=4)], 3, 4, SoftmaxCrossEntropy())
    x = np.eye(4)[np.random.randint(0, 4, (2, 3))]
    y = np.eye(4)[np.random.randint(0, 4, (2, 3))]
    model.single_step(x, y)
    g = model.layers[0].cell.weight_ih_l0.grad.data  # (input, 3 gates · hidden)
    for gate in range(3):
        assert np.abs(g[:, gate * 6 : (gate + 1) * 6]).sum() > 0
