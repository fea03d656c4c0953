"""Training: a tiny model learns a repeating text; validation in nats per character; the book's summed loss; errors."""

import io
import math

import numpy as np
import pytest

from chainrule.data import Vocabulary
from chainrule.language_model import CharLanguageModel, evaluate, split_validation, train
from chainrule.optim import SGD, AdaGrad, Adam

TEXT = "to be or not to be. " * 60


@pytest.fixture(scope="module")
def data():
    vocab = Vocabulary(TEXT)
    train_tokens, validation = split_validation(vocab.encode(TEXT), 0.1)
    return vocab, train_tokens, validation


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_tiny_model_learns_a_repeating_text(data, cell):
    vocab, train_tokens, validation = data
    model = CharLanguageModel(len(vocab), hidden_size=24, cell=cell)
    model.seed(0)
    before = evaluate(model, validation)
    assert before == pytest.approx(math.log(len(vocab)), abs=0.3)  # about uniform at first
    history = train(model, train_tokens, iterations=120, batch_size=8, seq_length=20, validation=validation,
                    eval_every=60, optimizer=Adam(lr=0.01, clip_norm=5.0), progress=False)
    assert history.validation_iterations == [60, 120]
    assert history.validation_loss[-1] < 0.15  # nats per character: the text is almost deterministic
    assert len(history.loss) == 120 and history.characters == 120 * 8 * 20 and history.characters_per_second > 0


def test_evaluate_is_the_mean_negative_log_likelihood_per_character(data):
    vocab, _, validation = data
    model = CharLanguageModel(len(vocab), hidden_size=4)
    model.seed(1)
    model.head.layer.weight.data[...] = 0  # every prediction uniform over the vocabulary
    model.head.layer.bias.data[...] = 0
    assert evaluate(model, validation) == pytest.approx(math.log(len(vocab)), rel=1e-6)
    assert model.training  # evaluation leaves the mode as it found it


def test_summed_loss_with_element_clipping_trains_like_the_book(data):
    vocab, train_tokens, _ = data
    model = CharLanguageModel(len(vocab), hidden_size=16, cell="lstm", weight_init=0.01)
    model.seed(2)
    history = train(model, train_tokens, iterations=80, batch_size=8, seq_length=20, loss_reduction="sum",
                    optimizer=AdaGrad(lr=0.01, clip_value=2.0), progress=False)
    assert np.mean(history.loss[-10:]) < 0.85 * np.mean(history.loss[:10])


def test_the_state_restarts_with_each_epoch_and_sgd_works(data):
    vocab, train_tokens, _ = data
    model = CharLanguageModel(len(vocab), hidden_size=8, cell="rnn")
    model.seed(3)
    history = train(model, train_tokens[:200], iterations=7, batch_size=2, seq_length=20,
                    optimizer=SGD(lr=0.1, clip_norm=1.0), progress=False)  # 4 batches per epoch
    assert len(history.loss) == 7


def test_progress_bar_shows_loss_and_characters_per_second(data, monkeypatch):
    vocab, train_tokens, _ = data
    stream = io.StringIO()
    stream.isatty = lambda: True
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None if name == "tqdm" else object())
    from chainrule.language_model import training

    created = []
    original = training.Progress

    def spy(*args, **kwargs):
        bar = original(*args, **{**kwargs, "stream": stream})
        created.append(bar)
        return bar

    monkeypatch.setattr(training, "Progress", spy)
    model = CharLanguageModel(len(vocab), hidden_size=4)
    train(model, train_tokens, iterations=3, batch_size=2, seq_length=5)
    assert set(created[0].values) == {"loss", "chars_per_s"}
    assert "loss" in stream.getvalue() and "chars_per_s" in stream.getvalue()


def test_bad_arguments(data):
    vocab, train_tokens, _ = data
    model = CharLanguageModel(len(vocab), hidden_size=4)
    with pytest.raises(ValueError, match="loss_reduction must be 'mean' or 'sum'"):
        train(model, train_tokens, 1, loss_reduction="max", progress=False)
    with pytest.raises(ValueError, match="iterations must be a non-negative integer"):
        train(model, train_tokens, -1, progress=False)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverging_loss_is_reported(data):
    vocab, train_tokens, _ = data
    model = CharLanguageModel(len(vocab), hidden_size=4)
    model.seed(0)
    model.head.layer.bias.data[0] = np.inf
    with pytest.raises(FloatingPointError, match="the loss became"):
        train(model, train_tokens, 2, batch_size=2, seq_length=5, progress=False)
