"""Batches of contiguous sequences for truncated backpropagation through time.

The text (as integer tokens) is cut into B streams of equal length, one per row
of a batch. Batch i holds steps i·T … i·T + T − 1 of every stream, and its
targets are the same positions shifted by one character:

    stream b:  | batch 0 | batch 1 | batch 2 | …      (T characters each)

so row b of batch i + 1 continues row b of batch i exactly where it stopped,
and the state the model reached at the end of batch i is the right state to
start batch i + 1 from (carried over, detached). A new epoch starts the streams
again from their beginnings, with a fresh (zero) state.

>>> batcher = SequenceBatcher(np.arange(21), batch_size=2, seq_length=3)
>>> inputs, targets = next(iter(batcher))
>>> inputs.tolist(), targets.tolist()
([[0, 1, 2], [10, 11, 12]], [[1, 2, 3], [11, 12, 13]])
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from chainrule.checks import check_count


def split_validation(tokens: np.ndarray, fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """(training head, held-out tail): the last `fraction` of the tokens is kept for validation."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"split_validation: fraction must be in (0, 1), got {fraction}")
    tokens = np.asarray(tokens)
    cut = len(tokens) - int(round(len(tokens) * fraction))
    if cut < 2 or len(tokens) - cut < 2:
        raise ValueError(f"split_validation: {len(tokens)} tokens are too few to hold out {fraction:.0%}")
    return tokens[:cut], tokens[cut:]


def _checked_tokens(caller: str, tokens: np.ndarray, batch_size: int, seq_length: int) -> np.ndarray:
    """`tokens` as a 1-D integer array, and positive batch_size and seq_length, or a clear error."""
    tokens = np.asarray(tokens)
    if tokens.ndim != 1 or tokens.dtype.kind not in "iu":
        raise ValueError(f"{caller}: expected a 1-D integer array of tokens, got shape {tokens.shape}, "
                         f"dtype {tokens.dtype}; encode the text first (Vocabulary.encode)")
    for name, value in (("batch_size", batch_size), ("seq_length", seq_length)):
        check_count(caller, name, value)
    return tokens


class SequenceBatcher:
    """B parallel contiguous streams over `tokens`, served T steps at a time.

    Args:
        tokens: a 1-D integer array (the encoded text).
        batch_size: B, the number of streams (rows of every batch).
        seq_length: T, the steps per batch (how far gradients flow back).
        drop_last: skip the last, shorter batch of an epoch (training); keep it to
            predict every character of every stream once (evaluation).
    """

    def __init__(self, tokens: np.ndarray, batch_size: int, seq_length: int, drop_last: bool = True) -> None:
        tokens = _checked_tokens("SequenceBatcher", tokens, batch_size, seq_length)
        stream_length = len(tokens) // batch_size
        needed = seq_length + 1 if drop_last else 2
        if stream_length < needed:
            raise ValueError(
                f"SequenceBatcher: {len(tokens)} tokens make {batch_size} streams of {stream_length}, but a batch "
                f"needs streams of at least {needed} (seq_length + 1); use fewer streams or a shorter seq_length"
            )
        self.batch_size, self.seq_length, self.drop_last = int(batch_size), int(seq_length), drop_last
        self.streams = tokens[: batch_size * stream_length].reshape(batch_size, stream_length)
        steps = stream_length - 1  # the last character of a stream is only a target
        self.starts = list(range(0, steps - seq_length + 1 if drop_last else steps, seq_length))

    def __len__(self) -> int:
        """Batches per epoch."""
        return len(self.starts)

    @property
    def characters_per_epoch(self) -> int:
        """How many characters the targets of one epoch hold."""
        steps = self.streams.shape[1] - 1
        used = len(self.starts) * self.seq_length if self.drop_last else steps
        return self.batch_size * used

    def batch(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, targets) of batch i of an epoch, each (B, T) (the last may be shorter without drop_last)."""
        start = self.starts[i]
        stop = min(start + self.seq_length, self.streams.shape[1] - 1)
        return self.streams[:, start:stop], self.streams[:, start + 1: stop + 1]

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for i in range(len(self)):
            yield self.batch(i)


class RandomWindows:
    """Batches of B windows of T + 1 characters at random places in the text (how GPTs are trained).

    Batch i draws its B start positions from a generator seeded with (seed, i), so any
    batch can be made again on its own: a resumed run, or a second framework, sees
    exactly the same batches. Targets are the inputs shifted by one character.
    No state is carried between batches (``carries_state = False``).

    >>> inputs, targets = RandomWindows(np.arange(100), batch_size=2, seq_length=4, seed=0).batch(0)
    >>> inputs.shape, bool((targets == inputs + 1).all())
    ((2, 4), True)
    """

    carries_state = False

    def __init__(self, tokens: np.ndarray, batch_size: int, seq_length: int, seed: int = 0) -> None:
        tokens = _checked_tokens("RandomWindows", tokens, batch_size, seq_length)
        if len(tokens) < seq_length + 1:
            raise ValueError(f"RandomWindows: {len(tokens)} tokens are too few for windows of seq_length + 1 = "
                             f"{seq_length + 1}")
        self.tokens, self.batch_size, self.seq_length, self.seed = tokens, int(batch_size), int(seq_length), int(seed)
        self._offsets = np.arange(self.seq_length + 1)

    def batch(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, targets) of batch i, each (B, T)."""
        starts = np.random.default_rng([self.seed, i]).integers(0, len(self.tokens) - self.seq_length,
                                                                self.batch_size)
        windows = self.tokens[starts[:, None] + self._offsets]
        return windows[:, :-1], windows[:, 1:]
