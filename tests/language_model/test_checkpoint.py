"""Checkpoints of a character run: an interrupted run, resumed, ends with the uninterrupted run's weights."""

import numpy as np
import pytest
from harness import interrupt_step

from chainrule import ModelFileError
from chainrule.checkpoint import checkpoint_path
from chainrule.data import Vocabulary
from chainrule.language_model import CharLanguageModel, train
from chainrule.optim import Adam

TEXT = "it is a truth universally acknowledged. " * 30
SETTINGS = {"iterations": 24, "batch_size": 4, "seq_length": 12, "progress": False, "validation": None}


def _run(cell: str, checkpoint_dir=None, resume=False, interrupt_at=None):
    vocab = Vocabulary(TEXT)
    model = CharLanguageModel(len(vocab), hidden_size=8, cell=[cell, cell])
    model.seed(3)
    optimizer = Adam(lr=0.01, clip_norm=5.0)
    if interrupt_at is not None:  # Ctrl-C during the update of iteration `interrupt_at` (from 1)
        interrupt_step(optimizer, interrupt_at)
    history = train(model, vocab.encode(TEXT), optimizer=optimizer, checkpoint_dir=checkpoint_dir,
                    checkpoint_every=5, resume=resume, **SETTINGS)
    return model, history


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_an_interrupted_run_resumed_ends_with_the_same_weights(tmp_path, cell):
    reference, reference_history = _run(cell)
    with pytest.raises(KeyboardInterrupt):
        _run(cell, tmp_path, interrupt_at=13)  # the checkpoint after iteration 10 stays
    resumed, history = _run(cell, tmp_path, resume=True)
    for (name, ours), (_, theirs) in zip(resumed.state_dict().items(), reference.state_dict().items()):
        np.testing.assert_array_equal(ours, theirs, err_msg=name)
    np.testing.assert_array_equal(history.loss, reference_history.loss)  # iterations 1-10 come from the checkpoint
    assert history.characters == reference_history.characters


def test_resuming_with_other_settings_or_without_a_checkpoint_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        _run("lstm", tmp_path, resume=True)
    _run("lstm", tmp_path)
    vocab = Vocabulary(TEXT)
    model = CharLanguageModel(len(vocab), hidden_size=8, cell=["lstm", "lstm"])
    with pytest.raises(ValueError, match="iterations: 24 in the checkpoint, 30 now"):
        train(model, vocab.encode(TEXT), optimizer=Adam(lr=0.01), checkpoint_dir=tmp_path, resume=True,
              **{**SETTINGS, "iterations": 30})
    with pytest.raises(ValueError, match="resume=True needs the checkpoint_dir"):
        train(model, vocab.encode(TEXT), resume=True, **SETTINGS)


def test_a_trainer_checkpoint_is_not_a_char_checkpoint(tmp_path):
    import chainrule as cr

    net = cr.NeuralNetwork([cr.Dense(2, input_size=2)], cr.MeanSquaredError())
    cr.Trainer(net, cr.SGD(lr=0.1), quiet=True).fit(np.ones((4, 2)), np.ones((4, 2)), epochs=1, checkpoint_dir=tmp_path)
    assert checkpoint_path(tmp_path).exists()
    vocab = Vocabulary(TEXT)
    model = CharLanguageModel(len(vocab), hidden_size=8)
    with pytest.raises(ModelFileError, match="a 'checkpoint' file, not a training checkpoint of kind 'char-model"):
        train(model, vocab.encode(TEXT), optimizer=Adam(lr=0.01), checkpoint_dir=tmp_path, resume=True, **SETTINGS)
