"""Chapter 8 (beyond the book): a small GPT on tiny Shakespeare, trained here as PyTorch trains it.

The configuration is the one a well-known minimal GPT project documents for a CPU:
4 layers, 4 heads, embedding 128, context 64, batches of 12 random windows, 2,000
iterations, AdamW (β = (0.9, 0.99), weight decay 0.1 on the weight matrices and
embeddings only), learning rate 1e-3 after 100 linear warm-up iterations, cosine
decay to 1e-4 at the last iteration, gradient norm clipped to 1, no dropout, the
output layer tied to the token embedding, a character vocabulary, and the last 10 %
of the text held out. That project prints 1.88 nats/char for it (a 20-batch
estimate); a 200-batch estimate of the same run gives 1.92.

Validation is the mean cross-entropy over a fixed set of 200 batches of the
held-out text (`RandomWindows` with its own seed), the same batches for both
frameworks. PyTorch trains the torch twin of our model (`interop.to_torch`) from
the same initial weights on the same batches with the same schedule
(`torch_gpt`); seconds per iteration are the training loop's wall time over the
iterations, validation excluded, on whatever threads both frameworks get by default.
"""

from __future__ import annotations

import importlib.util

from chainrule.data import Vocabulary, load_text
from chainrule.language_model import (
    CharGPT, RandomWindows, evaluate_batches, sample, split_validation, train,
)
from chainrule.optim import AdamW, WarmupCosine
from chainrule.reproduce.table import Row

SEED, VALIDATION_SEED, SAMPLE_SEED = 20190119, 1, 2
N_LAYER, N_HEAD, N_EMBD, BLOCK, BATCH, ITERATIONS = 4, 4, 128, 64, 12, 2000
LR, MIN_LR, WARMUP, BETAS, WEIGHT_DECAY, CLIP = 1e-3, 1e-4, 100, (0.9, 0.99), 0.1, 1.0
VALIDATION_BATCHES = 200
TARGET, MARGIN = 1.92, 0.02
QUICK = {"n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 16, "iterations": 30, "warmup": 5,
         "validation_batches": 4, "characters": 20_000}


def optimizer_for(model: CharGPT, warmup: int = WARMUP) -> AdamW:
    """AdamW with weight decay on the matrices (and embeddings) only, the warm-up + cosine schedule, clipping."""
    params = model.parameters()
    groups = [{"params": [p for p in params if p.ndim >= 2], "weight_decay": WEIGHT_DECAY},
              {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]
    return AdamW(groups, lr=LR, betas=BETAS, schedule=WarmupCosine(warmup, MIN_LR), clip_norm=CLIP)


def run(root: str | None = None, quick: bool = False, with_torch: bool = True) -> list[Row]:
    """Train ours and (when torch is installed) PyTorch's twin; print a sample of ours; return the table's rows."""
    text = load_text("tinyshakespeare", root)
    vocabulary = Vocabulary(text)
    tokens = vocabulary.encode(text[: QUICK["characters"]] if quick else text)
    train_tokens, validation = split_validation(tokens, 0.1)
    q = QUICK if quick else {"n_layer": N_LAYER, "n_head": N_HEAD, "n_embd": N_EMBD, "block_size": BLOCK,
                             "iterations": ITERATIONS, "warmup": WARMUP, "validation_batches": VALIDATION_BATCHES}
    model = CharGPT(len(vocabulary), q["block_size"], q["n_layer"], q["n_head"], q["n_embd"])
    model.seed(SEED)
    use_torch = with_torch and importlib.util.find_spec("torch") is not None
    twin = None
    if use_torch:
        from chainrule.interop import to_torch

        twin = to_torch(model)  # before training: the same starting weights
    batches = RandomWindows(train_tokens, BATCH, q["block_size"], seed=SEED)
    held_out = RandomWindows(validation, BATCH, q["block_size"], seed=VALIDATION_SEED)
    fixed = [held_out.batch(i) for i in range(q["validation_batches"])]
    optimizer = optimizer_for(model, q["warmup"])
    history = train(model, train_tokens, q["iterations"], batch_size=BATCH, seq_length=q["block_size"],
                    optimizer=optimizer, batches=batches, progress=not quick)
    ours, ours_s = evaluate_batches(model, fixed), history.seconds / q["iterations"]
    theirs = theirs_s = None
    if twin is not None:
        from chainrule.reproduce.torch_gpt import evaluate_torch_gpt, train_torch_gpt

        schedule = WarmupCosine(q["warmup"], MIN_LR)
        seconds = train_torch_gpt(twin, batches, q["iterations"], lr_at=lambda it: schedule.lr_at(
            it, q["iterations"], LR), betas=BETAS, weight_decay=WEIGHT_DECAY, clip_norm=CLIP, progress=not quick)
        theirs, theirs_s = evaluate_torch_gpt(twin, fixed), seconds / q["iterations"]
    text_sample = sample(model, vocabulary, "\n", 200 if quick else 500, temperature=0.8,
                         rng=__import__("numpy").random.default_rng(SAMPLE_SEED), top_k=None)
    print(f"a sample of ours (temperature 0.8):\n{text_sample}\n")
    name = (f"GPT {q['n_layer']} layers × {q['n_head']} heads × {q['n_embd']}, context {q['block_size']}, "
            f"{q['iterations']} iterations")
    metric = f"validation nats/char (mean of {q['validation_batches']} batches)"
    passed = None
    if not quick:
        passed = ours <= TARGET and (theirs is None or abs(ours - theirs) <= MARGIN)
    bar = f"≤ {TARGET} and within {MARGIN} of PyTorch" if not quick else ""
    return [
        Row(name, metric, ours, None, theirs, bar, passed, history.seconds),
        Row(name, "seconds per iteration", ours_s, None, theirs_s),
        Row(name, "ours / PyTorch, seconds per iteration", None if theirs_s is None else ours_s / theirs_s),
    ]

