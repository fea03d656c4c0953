"""Chapter 6: the book's recurrent layers, model and trainer for a character-level language model.

The book's names and signatures:

* ``RNNLayer(hidden_size, output_size, weight_scale=None)``,
  ``LSTMLayer(hidden_size, output_size, weight_scale=0.01)``,
  ``GRULayer(hidden_size, output_size, weight_scale=0.01)``: a recurrent cell
  followed, at every step, by its own linear projection to `output_size`. So
  stacked layers meet through that projection: the book's
  ``[RNNLayer(256, output_size=128), LSTMLayer(256, output_size=62)]`` feeds
  the LSTM 128 numbers per step. Weights and biases are drawn from N(0, σ²),
  σ = `weight_scale` (the book's draws use NumPy's global generator, so
  ``np.random.seed`` makes them reproducible here too).
* The book's batching: each layer starts a batch from the *mean over the
  batch* of the final state of the previous batch (zeros at first), repeated
  for every row, and gradients stop at the batch boundary.
* ``RNNModel(layers, sequence_length, vocab_size, loss)``: ``forward``,
  ``backward(loss_grad)``, ``single_step(x_batch, y_batch)``.
* ``RNNTrainer(text_file, model, optim, batch_size=32)``: ``train(num_iterations,
  sample_every=100)`` slides over the text, its batch being `batch_size` windows
  of `sequence_length` characters, each one character after the previous, and
  prints a sample every `sample_every` iterations; ``sample_output``.
* Chapter 6's ``SoftmaxCrossEntropy`` sums over the batch and the steps (no
  division); its ``SGD(lr, gradient_clipping=True)`` and ``AdaGrad`` clip every
  gradient element to [−2, 2] first.

Underneath are chainrule's fused `RNN`, `LSTM` and `GRU` operations and a
`TimeDistributed` `Dense`; every gradient is the engine's. Where this differs
from the book's code, on purpose:

* the book's GRU gave its gates zero gradient (the update and reset gates'
  weights never moved); here every gate learns. The GRU is PyTorch's form
  (the reset gate multiplies W_hn·h + b_hn), as chainrule's `GRU` is;
* ``RNNLayer``'s default σ, when `weight_scale` is None, is Glorot's
  √(2/(vocab_size + output_size)); the book's used 2/(vocab_size + output_size);
* the recurrent cell has PyTorch's two biases (input and hidden); the hidden
  one starts at zero, so the cell starts with the book's single N(0, σ²) bias;
* the characters are numbered in sorted order (the book's ``list(set(text))``
  changes order from one Python process to the next), and ``sample_every`` is
  honoured (the book sampled every 100 iterations whatever it was given).
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Any, Sequence

import numpy as np

from chainrule import layers as _layers
from chainrule.autograd import no_grad
from chainrule.book import losses as _losses
from chainrule.book.layers import BOOK_DTYPE
from chainrule.book.optimizers import SGD as _BookSGD
from chainrule.book.optimizers import AdaGrad
from chainrule.ops.activations import softmax
from chainrule.tensor import Tensor

__all__ = ["AdaGrad", "GRULayer", "LSTMLayer", "RNNLayer", "RNNModel", "RNNTrainer", "SGD", "SoftmaxCrossEntropy"]


class SoftmaxCrossEntropy(_losses.SoftmaxCrossEntropy):
    """Chapter 6's loss: −Σ over the batch and the steps of Σ_c t·log softmax(x)_c (a sum, not a mean)."""

    def _output(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        positions = int(np.prod(prediction.shape[:-1]))
        return super()._output(prediction, target) * positions


class SGD(_BookSGD):
    """Chapter 6's ``SGD(lr=0.01, gradient_clipping=True)``: clips every gradient element to [−2, 2], then p ← p − lr·g."""

    def __init__(self, lr: float = 0.01, gradient_clipping: bool = True) -> None:
        super().__init__(lr, gradient_clipping=gradient_clipping)


class _BookRecurrentLayer(_layers.Layer):
    """A recurrent cell and its per-step projection, with the book's state carried between batches."""

    cell_class: type = _layers.RNN
    default_scale: float | None = 0.01

    def __init__(self, hidden_size: int, output_size: int, weight_scale: float | None = None) -> None:
        super().__init__()
        self.dtype = BOOK_DTYPE
        self.hidden_size, self.output_size = hidden_size, output_size
        self.weight_scale = weight_scale
        self.first = True
        self.cell: _layers.Recurrent | None = None
        self.projection: _layers.TimeDistributed | None = None
        self.reset_state()

    def reset_state(self) -> None:
        """Start the next batch from zeros (the book's ``start_H`` and ``start_C``)."""
        self.start_H = np.zeros((1, self.hidden_size))
        self.start_C = np.zeros((1, self.hidden_size))

    def _init_params(self, input_: Tensor) -> None:
        self.vocab_size = input_.shape[2]
        scale = self.weight_scale
        if not scale:
            scale = float(np.sqrt(2.0 / (self.vocab_size + self.output_size)))  # the book's: 2 / (…), the variance
        rng = np.random.default_rng(np.random.randint(2**31))  # the book draws from NumPy's global generator
        self.cell = self.cell_class(self.hidden_size, weight_init=scale)
        self.cell._rng = rng
        self.cell.dtype = self.dtype
        self.cell._build(self.vocab_size)
        self.cell.bias_hh_l0.data[...] = 0.0  # one bias per gate, as in the book
        dense = _layers.Dense(self.output_size, weight_init="standard")
        dense.dtype = self.dtype
        dense._build(self.hidden_size, draw=False)  # zeros: drawn from rng next
        dense.weight.data[...] = rng.normal(0.0, scale, dense.weight.shape)
        dense.bias.data[...] = rng.normal(0.0, scale, dense.bias.shape)
        self.projection = _layers.TimeDistributed(dense)

    def forward(self, x_seq_in: Any) -> Tensor:
        if not isinstance(x_seq_in, Tensor):
            x_seq_in = Tensor(np.asarray(x_seq_in, dtype=np.float64), dtype=self.dtype)
        if self.first:
            self._init_params(x_seq_in)
            self.first = False
        batch = x_seq_in.shape[0]
        h0 = Tensor(np.repeat(self.start_H, batch, axis=0)[None], dtype=self.dtype)
        if self.cell_class is _layers.LSTM:
            c0 = Tensor(np.repeat(self.start_C, batch, axis=0)[None], dtype=self.dtype)
            outputs, (h, c) = self.cell(x_seq_in, (h0, c0))
            self.start_C = c.data[0].mean(axis=0, keepdims=True)
        else:
            outputs, h = self.cell(x_seq_in, h0)
        self.start_H = h.data[0].mean(axis=0, keepdims=True)
        return self.projection(outputs)


class RNNLayer(_BookRecurrentLayer):
    """The book's vanilla RNN layer: H_t = tanh([x_t, H_{t−1}]·W + b), out_t = H_t·W_v + b_v."""

    cell_class = _layers.RNN

    def __init__(self, hidden_size: int, output_size: int, weight_scale: float | None = None) -> None:
        super().__init__(hidden_size, output_size, weight_scale)


class LSTMLayer(_BookRecurrentLayer):
    """The book's LSTM layer (forget, input, candidate and output gates), then its projection to `output_size`."""

    cell_class = _layers.LSTM

    def __init__(self, hidden_size: int, output_size: int, weight_scale: float = 0.01) -> None:
        super().__init__(hidden_size, output_size, weight_scale)


class GRULayer(_BookRecurrentLayer):
    """The book's GRU layer (update and reset gates), then its projection; every gate learns (see the module)."""

    cell_class = _layers.GRU

    def __init__(self, hidden_size: int, output_size: int, weight_scale: float = 0.01) -> None:
        super().__init__(hidden_size, output_size, weight_scale)


class RNNModel(_layers.Layer):
    """The book's ``RNNModel(layers, sequence_length, vocab_size, loss)``: the layers in order, and the loss."""

    def __init__(self, layers: Sequence[_BookRecurrentLayer], sequence_length: int, vocab_size: int,
                 loss: _losses.Loss) -> None:
        super().__init__()
        self.dtype = BOOK_DTYPE
        self.layers = list(layers)
        self.sequence_length, self.vocab_size, self.loss = sequence_length, vocab_size, loss
        for layer in self.layers:
            layer.sequence_length = sequence_length

    def forward(self, x_batch: Any) -> Tensor:
        for layer in self.layers:
            x_batch = layer.forward(x_batch)
        self.output = x_batch
        return x_batch

    def backward(self, loss_grad: Any) -> None:
        """Send ∂loss/∂output (``loss.backward()``) back through the last forward."""
        self.output.backward(np.asarray(loss_grad, dtype=self.output.dtype))

    def single_step(self, x_batch: Any, y_batch: Any) -> float:
        """Forward, loss and backward on one batch (the gradients replace the previous ones); the loss."""
        self.zero_grad()
        loss = self.loss.forward(self.forward(x_batch), y_batch)
        loss.backward()
        return float(loss)


class RNNTrainer:
    """The book's ``RNNTrainer(text_file, model, optim, batch_size=32)``."""

    def __init__(self, text_file: str, model: RNNModel, optim: Any, batch_size: int = 32) -> None:
        with open(text_file, encoding="utf-8") as f:
            self.data = f.read()
        self.model = model
        self.chars = sorted(set(self.data))
        self.vocab_size = len(self.chars)
        if self.vocab_size != model.vocab_size:
            raise ValueError(f"the text has {self.vocab_size} distinct characters but the model's vocab_size is "
                             f"{model.vocab_size}; make them equal")
        self.char_to_idx = {ch: i for i, ch in enumerate(self.chars)}
        self.idx_to_char = {i: ch for i, ch in enumerate(self.chars)}
        self.sequence_length = model.sequence_length
        self.batch_size = batch_size
        self.optim = optim
        self.optim.model = self.model
        self.losses: list[float] = []  # the moving average of the last 100 losses, per iteration (the book's plot)

    def _generate_inputs_targets(self, start_pos: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows i = the windows starting at start_pos + i; targets one character later."""
        T = self.sequence_length
        codes = np.array([self.char_to_idx[ch] for ch in self.data[start_pos : start_pos + T + self.batch_size]])
        rows = np.arange(self.batch_size)[:, None] + np.arange(T)[None, :]
        return codes[rows], codes[rows + 1]

    def _generate_one_hot_array(self, indices: np.ndarray) -> np.ndarray:
        """(batch, sequence_length) integer codes → (batch, sequence_length, vocab_size) one-hot rows."""
        return np.eye(self.vocab_size)[indices]

    def sample_output(self, input_char: int, sample_length: int) -> str:
        """`sample_length` characters drawn one at a time from the model (np.random.choice), starting after `input_char`."""
        model = copy.deepcopy(self.model)
        indices = []
        with no_grad():
            for _ in range(sample_length):
                batch = np.zeros((1, 1, self.vocab_size))
                batch[0, 0, input_char] = 1.0
                out = model.forward(batch)
                p = softmax(out, axis=-1).data.ravel()
                input_char = np.random.choice(self.vocab_size, p=p / p.sum())
                indices.append(input_char)
        return "".join(self.idx_to_char[i] for i in indices)

    def train(self, num_iterations: int, sample_every: int = 100) -> None:
        """`num_iterations` steps of the optimizer; a sample of 200 characters every `sample_every`."""
        moving_average: deque[float] = deque(maxlen=100)
        start_pos = 0
        for num_iter in range(num_iterations):
            if start_pos + self.sequence_length + self.batch_size + 1 > len(self.data):
                start_pos = 0
            inputs, targets = self._generate_inputs_targets(start_pos)
            loss = self.model.single_step(self._generate_one_hot_array(inputs), self._generate_one_hot_array(targets))
            self.optim.step()
            moving_average.append(loss)
            self.losses.append(float(np.mean(moving_average)))
            start_pos += self.batch_size
            if num_iter % sample_every == 0:
                print(self.sample_output(self.char_to_idx[self.data[start_pos]], 200))
