"""SequenceBatcher: contiguous streams, targets shifted by one, the state carried over; the held-out tail."""

import numpy as np
import pytest

from chainrule.language_model import CharLanguageModel, SequenceBatcher, split_validation


def test_each_row_continues_the_previous_batch_and_targets_are_the_next_characters():
    tokens = np.arange(1000)
    batcher = SequenceBatcher(tokens, batch_size=4, seq_length=7)
    inputs = np.concatenate([x for x, _ in batcher], axis=1)
    targets = np.concatenate([y for _, y in batcher], axis=1)
    stream = len(tokens) // 4
    assert len(batcher) == (stream - 1) // 7 and inputs.shape == (4, 7 * len(batcher))
    for b in range(4):
        expected = tokens[b * stream: b * stream + inputs.shape[1]]
        np.testing.assert_array_equal(inputs[b], expected)
        np.testing.assert_array_equal(targets[b], expected + 1)
    assert batcher.characters_per_epoch == targets.size


def test_without_drop_last_every_character_of_every_stream_is_predicted_once():
    tokens = np.arange(103)
    batcher = SequenceBatcher(tokens, batch_size=3, seq_length=10, drop_last=False)
    targets = np.concatenate([y for _, y in batcher], axis=1)
    assert targets.shape == (3, 33) and batcher.characters_per_epoch == 99
    np.testing.assert_array_equal(targets[:, 0], [1, 35, 69])
    assert [x.shape[1] for x, _ in batcher] == [10, 10, 10, 3]


def test_carrying_the_state_over_batches_equals_reading_each_stream_in_one_pass():
    model = CharLanguageModel(vocab_size=11, hidden_size=6, cell="lstm")
    model.seed(0)
    model.to(np.float64)
    tokens = np.random.default_rng(0).integers(0, 11, 200)
    batcher = SequenceBatcher(tokens, batch_size=2, seq_length=9)
    state, pieces = None, []
    for inputs, _ in batcher:
        logits, state = model(inputs, state)
        pieces.append(logits.data)
    whole = np.concatenate([x for x, _ in batcher], axis=1)
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), model(whole)[0].data, rtol=1e-10)


def test_validation_is_the_tail():
    train, validation = split_validation(np.arange(50), 0.1)
    np.testing.assert_array_equal(validation, np.arange(45, 50))
    np.testing.assert_array_equal(train, np.arange(45))
    with pytest.raises(ValueError, match="fraction must be in"):
        split_validation(np.arange(50), 1.0)
    with pytest.raises(ValueError, match="too few"):
        split_validation(np.arange(5), 0.1)


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size must be a positive integer"),
    ({"seq_length": 2.5}, "seq_length must be a positive integer"),
    ({"batch_size": 20, "seq_length": 5}, r"make 20 streams of 3, but a batch needs streams of at least 6"),
])
def test_bad_arguments(kwargs, message):
    arguments = {"batch_size": 2, "seq_length": 5, **kwargs}
    with pytest.raises(ValueError, match=message):
        SequenceBatcher(np.arange(60), **arguments)


def test_text_must_be_encoded():
    with pytest.raises(ValueError, match=r"1-D integer array.*Vocabulary.encode"):
        SequenceBatcher(np.array(["a", "b"]), 1, 1)
