"""A character-level language model, end to end (the book's chapter 6).

* `model`: `CharLanguageModel` — one-hot or embedded characters → RNN/GRU/LSTM layers → logits;
* `gpt`: `CharGPT` — a small GPT (chapter 8), with a key/value cache for generation;
* `batching`: `SequenceBatcher` — contiguous streams so the state carries from batch to batch;
  `RandomWindows` — windows at random places (a GPT's batches); `split_validation` — the held-out tail;
* `training`: `train` (truncated backprop through time, clipping, progress bar) and
  `evaluate` (validation cross-entropy in nats per character);
* `sampling`: `sample` with a temperature from a prompt; `save_model` / `load_model` keep the
  vocabulary with the weights; `sample_from_file`.

>>> from chainrule.data import Vocabulary
>>> from chainrule.optim import Adam
>>> text = "abcab" * 40
>>> vocab = Vocabulary(text)
>>> model = CharLanguageModel(len(vocab), hidden_size=16, cell="gru")
>>> model.seed(0)
>>> history = train(model, vocab.encode(text), iterations=60, batch_size=4, seq_length=10,
...                 optimizer=Adam(lr=0.01, clip_norm=5.0), progress=False)
>>> history.loss[-1] < 0.2 < 1.0 < history.loss[0]  # nats/char: log 3 ≈ 1.1 at first
True
"""

from chainrule.language_model.batching import RandomWindows, SequenceBatcher, split_validation
from chainrule.language_model.model import CELLS, CharLanguageModel, detach_state
from chainrule.language_model.sampling import load_model, sample, sample_from_file, save_model
from chainrule.language_model.gpt import CharGPT, GPTCache
from chainrule.language_model.training import TrainingHistory, evaluate, evaluate_batches, train

__all__ = [
    "CELLS", "CharGPT", "CharLanguageModel", "GPTCache", "RandomWindows", "evaluate_batches", "SequenceBatcher", "TrainingHistory", "detach_state", "evaluate", "load_model",
    "sample", "sample_from_file", "save_model", "split_validation", "train",
]
