"""Sampling: reproducible with a seed, greedy as the temperature goes to 0, saved with its vocabulary, errors."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import Vocabulary
from chainrule.io import ModelFileError
from chainrule.language_model import CharLanguageModel, load_model, sample, sample_from_file, save_model

VOCAB = Vocabulary("ABCDEFGIKN :\n")


@pytest.fixture
def model():
    model = CharLanguageModel(len(VOCAB), hidden_size=12, cell="lstm")
    model.seed(0)
    return model


def _greedy(model, prompt, length):
    tokens = list(VOCAB.encode(prompt))
    for _ in range(length):
        logits, _ = model(np.array([tokens]))
        tokens.append(int(logits.data[0, -1].argmax()))
    return VOCAB.decode(np.array(tokens))


def test_the_same_seed_gives_the_same_text(model):
    first = sample(model, VOCAB, "KING", 40, 0.8, np.random.default_rng(7))
    second = sample(model, VOCAB, "KING", 40, 0.8, np.random.default_rng(7))
    other = sample(model, VOCAB, "KING", 40, 0.8, np.random.default_rng(8))
    assert first == second != other
    assert first.startswith("KING") and len(first) == 44 and set(first) <= set(VOCAB.chars)


def test_a_tiny_temperature_is_greedy(model):
    expected = _greedy(model, "BAD", 25)
    for seed in range(3):
        assert sample(model, VOCAB, "BAD", 25, 1e-6, np.random.default_rng(seed)) == expected


def test_temperature_zero_is_exactly_greedy(model):
    expected = _greedy(model, "BAD", 25)
    assert {sample(model, VOCAB, "BAD", 25, 0.0, np.random.default_rng(seed)) for seed in range(3)} == {expected}


class FixedLogits(cr.Layer):
    """A stand-in model whose next-character scores are always the same: l_c = c / 4."""

    converts_input = False

    def forward(self, tokens, state=None):
        logits = np.broadcast_to(np.arange(len(VOCAB)) / 4.0, (*np.shape(tokens), len(VOCAB)))
        return cr.Tensor(logits, dtype=np.float64), state


@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0])
def test_characters_are_drawn_from_the_softmax_of_the_logits_over_the_temperature(temperature):
    text = sample(FixedLogits(), VOCAB, "A", 20000, temperature, np.random.default_rng(0))
    counts = np.bincount(VOCAB.encode(text[1:]), minlength=len(VOCAB)) / 20000
    scores = np.arange(len(VOCAB)) / 4.0 / temperature
    expected = np.exp(scores) / np.exp(scores).sum()
    np.testing.assert_allclose(counts, expected, atol=0.012)


def test_sampling_leaves_the_model_in_training_mode(model):
    sample(model, VOCAB, "A", 3, 1.0, np.random.default_rng(0))
    assert model.training


def test_saved_with_its_vocabulary(model, tmp_path):
    path = tmp_path / "char.npz"
    save_model(model, VOCAB, path)
    loaded, vocabulary = load_model(path)
    assert vocabulary == VOCAB and isinstance(loaded, CharLanguageModel)
    expected = sample(model, VOCAB, "KING", 30, 0.8, np.random.default_rng(3))
    assert sample_from_file(path, "KING", 30, 0.8, seed=3) == expected


def test_a_model_saved_without_vocabulary_is_explained(model, tmp_path):
    cr.save(model, tmp_path / "bare.npz")
    with pytest.raises(ModelFileError, match="holds no vocabulary; save character models with save_model"):
        load_model(tmp_path / "bare.npz")


@pytest.mark.parametrize("prompt, length, temperature, message", [
    ("KINGS", 5, 1.0, r"the prompt uses 'S', not among the model's 13 characters"),
    ("", 5, 1.0, "non-empty string"),
    ("KING", -1, 1.0, "length must be a non-negative integer"),
    ("KING", 5, -0.5, r"temperature must be a finite number ≥ 0 \(0 is greedy\)"),
    ("KING", 5, float("nan"), "temperature must be a finite number ≥ 0"),
])
def test_bad_arguments(model, prompt, length, temperature, message):
    with pytest.raises(ValueError, match=message):
        sample(model, VOCAB, prompt, length, temperature)
