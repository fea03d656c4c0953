"""Generating text: sample one character at a time from the model's softmax, with a temperature.

The prompt is read through the model first (its state then holds the prompt);
after that, each step turns the logits l of the last character into

    p_c = exp(l_c / τ) / Σ_c′ exp(l_c′ / τ)

draws the next character from p, and feeds it back in. τ = 1 samples the model's
own distribution; τ < 1 sharpens it (τ → 0 is greedy: always the most likely
character, and τ = 0 is exactly that, the argmax, no draw), τ > 1 flattens it. With top-k,
only the k likeliest characters keep their probability (renormalised); the others get none.

The model's state carries what it has read: a recurrent model's hidden state, or a
`CharGPT`'s key/value cache, so each new character costs one step. A model with a
`block_size` (a GPT) reads only the last block_size characters of a longer prompt.

A trained model is saved with its vocabulary (`save_model`), so that
`sample_from_file` — and ``python -m chainrule sample MODEL --prompt KING`` — can
decode what it generates without the training text.
"""

from __future__ import annotations

import math
import os
from typing import Any, Mapping

import numpy as np

from chainrule.checks import check_count
from chainrule.autograd import no_grad
from chainrule.data.text import Vocabulary
from chainrule.io import ModelFileError, load, save
from chainrule.layers.base import Layer


def save_model(model: Layer, vocabulary: Vocabulary, path: str | os.PathLike,
               extra: Mapping[str, Any] | None = None) -> None:
    """Save a character model with its vocabulary (in the file's JSON header, as ``extra["vocabulary"]``).

    `extra`: more JSON metadata to keep beside it (e.g. the recipe that trained the model).
    """
    save(model, path, extra={**(extra or {}), "vocabulary": vocabulary.to_dict()})


def load_model(path: str | os.PathLike) -> tuple[Layer, Vocabulary]:
    """The model and vocabulary `save_model` wrote."""
    model = load(path)
    saved = getattr(model, "metadata", {}).get("vocabulary")
    if saved is None:
        raise ModelFileError(f"{path}: not a character model: the file holds no vocabulary; save character models "
                             "with save_model(model, vocabulary, path) (as `chainrule train char-lstm` does)")
    return model, Vocabulary.from_dict(saved)


def _check(vocabulary: Vocabulary, prompt: str, length: int, temperature: float) -> None:
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"sample: the prompt must be a non-empty string, got {prompt!r}")
    missing = sorted({c for c in prompt if c not in vocabulary})
    if missing:
        shown = "".join(vocabulary.chars)
        raise ValueError(
            f"sample: the prompt uses {', '.join(map(repr, missing))}, not among the model's {len(vocabulary)} "
            f"characters {shown!r}; use only those"
        )
    check_count("sample", "length", length, minimum=0)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not (
            temperature >= 0 and math.isfinite(temperature)):
        raise ValueError(f"sample: temperature must be a finite number ≥ 0 (0 is greedy), got {temperature!r}")


def sample(model: Layer, vocabulary: Vocabulary, prompt: str, length: int, temperature: float = 1.0,
           rng: np.random.Generator | None = None, top_k: int | None = None) -> str:
    """The prompt followed by `length` generated characters.

    Args:
        model: returns ``(logits (1, T, V), state)`` for tokens (1, T), e.g. `CharLanguageModel`.
        vocabulary: the characters the model was trained on.
        prompt: the text to continue (every character must be in the vocabulary).
        length: how many characters to generate.
        temperature: τ ≥ 0 (see the module docstring); 0 always takes the likeliest character.
        rng: the random generator; the same seed gives the same text.
        top_k: draw only among the k likeliest characters (None: among all).
    """
    _check(vocabulary, prompt, length, temperature)
    if top_k is not None:
        check_count("sample", "top_k", top_k)
    tokens = vocabulary.encode(prompt)[None]
    context = getattr(model, "block_size", None)
    rng = rng if rng is not None else np.random.default_rng()
    was_training = model.training
    model.eval()
    generated = []
    try:
        with no_grad():
            logits, state = model(tokens if context is None else tokens[:, -context:], None)
            for _ in range(length):
                scores = logits.data[0, -1].astype(np.float64)
                if temperature == 0:  # the limit τ → 0: all the probability on the likeliest character
                    token = int(scores.argmax())
                else:
                    scores = scores / temperature
                    if top_k is not None and top_k < len(scores):
                        scores[scores < np.partition(scores, -top_k)[-top_k]] = -np.inf
                    p = np.exp(scores - scores.max())
                    token = int(rng.choice(len(p), p=p / p.sum()))
                generated.append(token)
                logits, state = model(np.array([[token]]), state)
    finally:
        model.train(was_training)
    return prompt + vocabulary.decode(np.array(generated, dtype=np.int64))


def sample_from_file(path: str | os.PathLike, prompt: str, length: int, temperature: float = 1.0,
                     seed: Any = None, top_k: int | None = None) -> str:
    """Load a model saved by `save_model` and `sample` from it (`seed` for `np.random.default_rng`)."""
    model, vocabulary = load_model(path)
    return sample(model, vocabulary, prompt, length, temperature, np.random.default_rng(seed), top_k)
