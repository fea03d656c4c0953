"""Chapter 6 on quick settings, and the PyTorch mirror: same weights, same outputs, same training."""

import math
from pathlib import Path

import numpy as np
import pytest
from harness import HAS_TORCH

from chainrule.data import Vocabulary
from chainrule.language_model import CharLanguageModel, evaluate, train
from chainrule.optim import AdaGrad
from chainrule.reproduce import ch6

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def text():
    if not (DATA / "dlfs" / "input.txt").exists():
        pytest.skip("the vendored dlfs text is absent")
    return (DATA / "dlfs" / "input.txt").read_text(encoding="utf-8")


def test_the_books_text(text):
    assert len(text) == 99_993 and len(Vocabulary(text)) == 62


def test_quick_run_gives_two_rows_per_configuration(text):
    rows = ch6.run(str(DATA), quick=True, with_torch=False)
    assert [r.experiment for r in rows] == [c.name for c in ch6.CONFIGS for _ in range(2)]
    losses = [r for r in rows if r.metric == "validation nats/char"]
    vocab_size = len(Vocabulary(text[:6000]))
    assert all(0.5 < r.ours < math.log(vocab_size) + 0.3 for r in losses)
    assert all(r.torch is None and r.passed is None for r in rows)
    assert all(r.ours > 0 for r in rows if r.metric.startswith("training seconds"))


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("cells", [("rnn",), ("gru", "lstm")])
def test_the_pytorch_copy_computes_and_trains_like_ours(text, cells):
    from chainrule.reproduce.torch_char import evaluate_torch, torch_copy, train_torch

    vocab = Vocabulary(text[:3000])
    tokens = vocab.encode(text[:3000])
    model = CharLanguageModel(len(vocab), 12, cell=list(cells), weight_init=[0.1] * len(cells))
    model.seed(0)
    mirror = torch_copy(model)
    batch = tokens[:40].reshape(2, 20)
    ours, _ = model(batch)
    theirs, _ = mirror(batch)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    settings = dict(batch_size=4, seq_length=10, loss_reduction="sum", progress=False)
    train(model, tokens[:2500], 15, optimizer=AdaGrad(lr=0.01, clip_value=2.0), **settings)
    train_torch(mirror, tokens[:2500], 15, optimizer="adagrad", lr=0.01, clip_value=2.0, **settings)
    assert evaluate_torch(mirror, tokens[2500:]) == pytest.approx(evaluate(model, tokens[2500:]), abs=1e-3)
