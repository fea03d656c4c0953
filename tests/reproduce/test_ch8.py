"""Chapter 8 on quick settings, and PyTorch's twin trained alongside: the same losses from the same start."""

from pathlib import Path

import numpy as np
import pytest
from harness import HAS_TORCH

from chainrule.data import Vocabulary
from chainrule.language_model import CharGPT, RandomWindows, evaluate_batches, train
from chainrule.optim import WarmupCosine
from chainrule.reproduce import ch8

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def text():
    if not (DATA / "tinyshakespeare" / "input.txt").exists():
        pytest.skip("the vendored tiny Shakespeare is absent")
    return (DATA / "tinyshakespeare" / "input.txt").read_text(encoding="utf-8")


def test_quick_run_rows(text, capsys):
    rows = ch8.run(str(DATA), quick=True, with_torch=False)
    assert [r.metric for r in rows][:2] == ["validation nats/char (mean of 4 batches)", "seconds per iteration"]
    assert 2.5 < rows[0].ours < np.log(65) + 0.2 and rows[0].torch is None and rows[0].passed is None
    assert "a sample of ours" in capsys.readouterr().out


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_torch_twin_trains_to_the_same_losses(text):
    from chainrule.interop import to_torch
    from chainrule.reproduce.torch_gpt import evaluate_torch_gpt, train_torch_gpt

    vocabulary = Vocabulary(text)
    tokens = vocabulary.encode(text[:20_000])
    model = CharGPT(len(vocabulary), block_size=16, n_layer=1, n_head=2, n_embd=16)
    model.seed(0)
    twin = to_torch(model)
    batches = RandomWindows(tokens, 4, 16, seed=0)
    fixed = [RandomWindows(tokens, 4, 16, seed=1).batch(i) for i in range(3)]
    iterations, schedule = 15, WarmupCosine(3, ch8.MIN_LR)
    history = train(model, tokens, iterations, batch_size=4, seq_length=16, optimizer=ch8.optimizer_for(model, 3),
                    batches=batches, progress=False)
    train_torch_gpt(twin, batches, iterations, lr_at=lambda it: schedule.lr_at(it, iterations, ch8.LR),
                    betas=ch8.BETAS, weight_decay=ch8.WEIGHT_DECAY, clip_norm=ch8.CLIP, progress=False)
    assert history.loss[-1] < history.loss[0]
    assert abs(evaluate_batches(model, fixed) - evaluate_torch_gpt(twin, fixed)) < 1e-4
    np.testing.assert_allclose(model.blocks[0].fc.weight.data, twin.h[0].c_fc.weight.detach().numpy().T, atol=1e-5)
