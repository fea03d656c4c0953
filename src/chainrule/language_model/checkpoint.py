"""Checkpoints of a character model's training: continue `train` exactly where it stopped.

Besides what every training checkpoint holds (weights, optimizer state, the
layers' generators: `chainrule.checkpoint.training_arrays`), a character run
needs the iteration it reached, the recurrent state carried into the next batch
(per layer a hidden state, or for an LSTM the pair (h, c)) and its history. The
batches themselves follow from the iteration number. Written atomically, like
the Trainer's, so a run killed at any moment keeps its previous checkpoint.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.checkpoint import checkpoint_path, read_training, training_arrays
from chainrule.io import write_archive
from chainrule.tensor import Tensor

KIND = "char-model checkpoint"


def save_char_checkpoint(directory: str | os.PathLike, model: Any, optimizer: Any, iteration: int, state: Any,
                         history: Any, settings: dict[str, Any]) -> Path:
    """Save the run after `iteration` iterations, with the recurrent `state` the next batch starts from."""
    arrays, meta = training_arrays(model, optimizer)
    layers = []
    for k, layer_state in enumerate(state or []):
        parts = layer_state if isinstance(layer_state, (list, tuple)) else [layer_state]
        for j, part in enumerate(parts):
            arrays[f"state/{k}/{j}"] = part.data if isinstance(part, Tensor) else np.asarray(part)
        layers.append(len(parts) if isinstance(layer_state, (list, tuple)) else 0)  # 0: a single tensor
    meta.update({"kind": KIND, "iteration": int(iteration), "settings": settings, "state_layers": layers,
                 "carries_state": state is not None, "history": asdict(history)})
    path = checkpoint_path(directory)
    write_archive(path, arrays, meta)
    return path


def load_char_checkpoint(directory: str | os.PathLike, model: Any, optimizer: Any,
                         settings: dict[str, Any]) -> tuple[int, Any, dict[str, Any]]:
    """Restore model and optimizer; return (iterations done, the carried state, the history's fields)."""
    arrays, meta = read_training(checkpoint_path(directory), KIND, settings, model, optimizer)
    state = None
    if meta["carries_state"]:
        state = []
        for k, count in enumerate(meta["state_layers"]):
            parts = [Tensor(arrays[f"state/{k}/{j}"], dtype=arrays[f"state/{k}/{j}"].dtype) for j in range(max(count, 1))]
            state.append(tuple(parts) if count else parts[0])
    return int(meta["iteration"]), state, meta["history"]
