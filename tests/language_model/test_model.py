"""CharLanguageModel: one-hot or embedded input, mixed cells, state, save/load, errors; deterministic vocabulary."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import Vocabulary
from chainrule.language_model import CharLanguageModel, detach_state
from chainrule.layers import GRU, LSTM, Embedding


def test_vocabulary_is_sorted_whatever_the_order_of_the_text():
    text = "the quick brown fox jumps over the lazy dog\nKING:"
    shuffled = "".join(np.random.default_rng(0).permutation(list(text)))
    assert Vocabulary(text) == Vocabulary(shuffled)
    assert Vocabulary(text).chars == tuple(sorted(set(text)))


def test_one_hot_input_equals_feeding_one_hot_vectors_to_the_layers():
    model = CharLanguageModel(vocab_size=7, hidden_size=5, cell="gru")
    model.seed(0)
    tokens = np.array([[1, 6, 6, 0], [3, 2, 1, 5]])
    logits, state = model(tokens)
    assert logits.shape == (2, 4, 7) and state[0].shape == (1, 2, 5)
    outputs, _ = model.recurrent[0](np.eye(7, dtype=np.float32)[tokens])
    np.testing.assert_allclose(model.head(outputs).data, logits.data, rtol=1e-6)


def test_embedding_and_mixed_cells():
    model = CharLanguageModel(vocab_size=9, hidden_size=6, cell=["gru", "lstm"], embedding_dim=4)
    assert isinstance(model.embedding, Embedding)
    assert [type(layer) for layer in model.recurrent] == [GRU, LSTM]
    assert model.recurrent[0].input_size == 4 and model.recurrent[1].input_size == 6
    logits, (h_gru, (h, c)) = model(np.zeros((3, 2), dtype=int))
    assert logits.shape == (3, 2, 9) and h_gru.shape == h.shape == c.shape == (1, 3, 6)


def test_state_continues_the_text_and_detaching_keeps_the_values():
    model = CharLanguageModel(vocab_size=5, hidden_size=8, cell="lstm", num_layers=2)
    model.seed(1)
    model.to(np.float64)
    tokens = np.random.default_rng(0).integers(0, 5, (2, 9))
    whole, _ = model(tokens)
    first, state = model(tokens[:, :4])
    detached = detach_state(state)
    assert all(not t.requires_grad for pair in detached for t in pair)
    second, _ = model(tokens[:, 4:], detached)
    np.testing.assert_allclose(np.concatenate([first.data, second.data], axis=1), whole.data, rtol=1e-12)


def test_gradients_reach_every_parameter():
    model = CharLanguageModel(vocab_size=4, hidden_size=3, cell=["rnn", "gru"], embedding_dim=2)
    model.seed(2)
    model.to(np.float64)
    tokens = np.array([[0, 1, 3], [2, 2, 1]])
    params = model.parameters()
    cr.gradcheck(lambda *_: model(tokens)[0], params)


def test_save_load_round_trip(tmp_path):
    model = CharLanguageModel(vocab_size=6, hidden_size=4, cell=["gru", "lstm"], embedding_dim=3,
                              weight_init=[0.1, "uniform"])
    model.seed(3)
    cr.save(model, tmp_path / "lm.npz")
    loaded = cr.load(tmp_path / "lm.npz")
    assert loaded.config() == model.config()
    tokens = np.array([[5, 0, 1]])
    np.testing.assert_array_equal(loaded(tokens)[0].data, model(tokens)[0].data)


def test_config_of_a_uniform_stack():
    config = CharLanguageModel(vocab_size=3, hidden_size=2, cell="lstm", num_layers=2).config()
    assert config["cell"] == "lstm" and config["num_layers"] == 2 and config["embedding_dim"] is None


@pytest.mark.parametrize("kwargs, message", [
    ({"cell": "transformer"}, "cell must be one of"),
    ({"cell": ["gru", "lstm"], "num_layers": 3}, "cell lists 2 layers but num_layers is 3"),
    ({"weight_init": [0.1, 0.1]}, "2 weight_init values for 1 recurrent layers"),
    ({"vocab_size": 1}, "vocab_size must be an integer"),
])
def test_bad_arguments(kwargs, message):
    arguments = {"vocab_size": 5, "hidden_size": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        CharLanguageModel(**arguments)


def test_bad_tokens_are_explained():
    model = CharLanguageModel(vocab_size=5, hidden_size=4)
    with pytest.raises(ValueError, match="token index 5 is out of range for a vocabulary of 5"):
        model(np.array([[0, 5]]))
    with pytest.raises(ValueError, match=r"tokens of shape \(N, T\), got \(3,\); a single sequence needs a batch axis"):
        model(np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="integer array"):
        model(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="the state has 2 entries, one per layer is 1"):
        model(np.zeros((1, 2), dtype=int), [None, None])
