"""CharGPT: the key/value cache gives the logits of a full recomputation, sampling, exact resume, save/load."""

import numpy as np
import pytest
from harness import interrupt_step

import chainrule as cr
from chainrule.data import Vocabulary
from chainrule.language_model import CharGPT, RandomWindows, evaluate_batches, load_model, sample, save_model, train
from chainrule.reproduce.ch8 import optimizer_for

TEXT = "to be or not to be, that is the question. " * 20


def _model(block_size=12, tie=True):
    model = CharGPT(20, block_size=block_size, n_layer=2, n_head=2, n_embd=8, tie_weights=tie)
    model.to(np.float64)
    model.seed(5)
    return model.eval()


@pytest.mark.parametrize("tie", [True, False], ids=["tied", "untied"])
def test_cached_generation_gives_the_logits_of_full_recomputation(tie):
    model = _model(tie=tie)
    tokens = np.random.default_rng(0).integers(0, 20, (2, 12))
    full, _ = model(tokens)
    with cr.no_grad():
        logits, cache = model(tokens[:, :5])
        steps = [logits.data]
        for t in range(5, 12):  # one position at a time, each against the cached keys and values
            logits, cache = model(tokens[:, t:t + 1], cache)
            steps.append(logits.data)
    np.testing.assert_allclose(np.concatenate(steps, axis=1), full.data, rtol=1e-10, atol=1e-12)
    assert cache.length == 12 and cache.layers[0].keys.shape == (2, 2, 12, 4)


def test_a_full_cache_restarts_from_the_last_half_context():
    model = _model(block_size=8)
    tokens = np.random.default_rng(1).integers(0, 20, (1, 11))
    with cr.no_grad():
        _, cache = model(tokens[:, :8])
        logits, cache = model(tokens[:, 8:9], cache)  # the cache is full: the context becomes tokens 5..8
        after, _ = model(tokens[:, 9:10], cache)
    window, _ = model(tokens[:, 5:10])
    np.testing.assert_allclose(logits.data[:, -1], window.data[:, 3], rtol=1e-10)
    np.testing.assert_allclose(after.data[:, -1], window.data[:, 4], rtol=1e-10)
    assert cache.length == 5


def test_too_long_input_and_bad_tokens_are_explained():
    model = _model(block_size=4)
    with pytest.raises(ValueError, match="context of 4"):
        model(np.zeros((1, 5), dtype=np.int64))
    with pytest.raises(ValueError, match="shape \\(N, T\\)"):
        model(np.zeros(3, dtype=np.int64))


def test_initialisation_is_gpt2s():
    model = CharGPT(30, n_layer=4, n_embd=64, n_head=4)
    model.seed(0)
    assert abs(model.token_embedding.weight.data.std() - 0.02) < 0.002
    assert abs(model.blocks[0].proj.weight.data.std() - 0.02 / np.sqrt(8)) < 0.001
    assert np.all(model.blocks[0].fc.bias.data == 0) and np.all(model.ln_f.weight.data == 1)


def _train(tmp_path=None, resume=False, interrupt_at=None):
    vocab = Vocabulary(TEXT)
    tokens = vocab.encode(TEXT)
    model = CharGPT(len(vocab), block_size=8, n_layer=1, n_head=2, n_embd=8)
    model.seed(1)
    optimizer = optimizer_for(model, warmup=3)
    if interrupt_at is not None:  # Ctrl-C during the update of iteration `interrupt_at` (from 1)
        interrupt_step(optimizer, interrupt_at)
    validation = [RandomWindows(tokens, 4, 8, seed=9).batch(i) for i in range(2)]
    history = train(model, tokens, 12, batch_size=4, seq_length=8, optimizer=optimizer, progress=False,
                    batches=RandomWindows(tokens, 4, 8, seed=2), validate=lambda m: evaluate_batches(m, validation),
                    eval_every=4, checkpoint_dir=tmp_path, checkpoint_every=5, resume=resume)
    return model, history, optimizer


def test_an_interrupted_gpt_run_resumed_ends_with_the_same_weights(tmp_path):
    reference, reference_history, _ = _train()
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path, interrupt_at=8)  # the checkpoint after iteration 5 stays
    resumed, history, _ = _train(tmp_path, resume=True)
    for (name, ours), (_, theirs) in zip(resumed.state_dict().items(), reference.state_dict().items()):
        np.testing.assert_array_equal(ours, theirs, err_msg=name)
    assert history.validation_iterations == [4, 8, 12]
    np.testing.assert_array_equal(history.validation_loss, reference_history.validation_loss)


def test_the_schedule_runs_per_iteration():
    _, _, trained = _train()
    assert trained.lr == pytest.approx(1e-4)  # the last of the 12 iterations used the cosine's floor
    optimizer = optimizer_for(CharGPT(5, block_size=4, n_layer=1, n_head=1, n_embd=4), warmup=3)
    lrs = []
    for it in range(12):
        optimizer.start_epoch(it, 12)
        lrs.append(optimizer.lr)
    np.testing.assert_allclose(lrs[:3], [1e-3 / 3, 2e-3 / 3, 1e-3])
    assert lrs[-1] == pytest.approx(1e-4) and all(a > b for a, b in zip(lrs[3:], lrs[4:]))


def test_save_load_and_sample_with_top_k(tmp_path):
    vocab = Vocabulary(TEXT)
    model = CharGPT(len(vocab), block_size=8, n_layer=1, n_head=2, n_embd=8)
    model.seed(0)
    save_model(model, vocab, tmp_path / "gpt.npz")
    loaded, loaded_vocab = load_model(tmp_path / "gpt.npz")
    tokens = vocab.encode("to be")[None]
    np.testing.assert_array_equal(loaded(tokens)[0].data, model(tokens)[0].data)
    long_prompt = "to be or not to be"  # longer than the context: the model reads its last 8 characters
    text = sample(loaded, loaded_vocab, long_prompt, 40, temperature=0.8, rng=np.random.default_rng(0), top_k=1)
    again = sample(model, vocab, long_prompt, 40, temperature=0.8, rng=np.random.default_rng(5), top_k=1)
    assert text.startswith(long_prompt) and len(text) == len(long_prompt) + 40
    assert text == again  # top-1 is greedy: the generator does not matter


def test_top_k_draws_only_among_the_k_likeliest():
    vocab = Vocabulary(TEXT)
    model = CharGPT(len(vocab), block_size=8, n_layer=1, n_head=2, n_embd=8)
    model.seed(0)
    logits = model(vocab.encode("to")[None])[0].data[0, -1]
    allowed = set(vocab.decode(np.argsort(logits)[-2:]))
    for seed in range(5):
        assert sample(model, vocab, "to", 1, rng=np.random.default_rng(seed), top_k=2)[-1] in allowed
