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

from chainrule.checkpoint import check_fields, checkpoint_path, read_training, training_arrays
from chainrule.io import ModelFileError, remove_stale_temporaries, write_archive
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
    remove_stale_temporaries(path)
    write_archive(path, arrays, meta)
    return path


def load_char_checkpoint(directory: str | os.PathLike, model: Any, optimizer: Any,
                         settings: dict[str, Any]) -> tuple[int, Any, dict[str, Any]]:
    """Restore model and optimizer; return (iterations done, the carried state, the history's fields)."""
    path = checkpoint_path(directory)
    arrays, meta = read_training(path, KIND, settings, model, optimizer)
    check_fields(path, meta, {"iteration": int, "carries_state": bool, "state_layers": list, "history": dict})
    state = None
    if meta["carries_state"]:
        state = []
        for k, count in enumerate(meta["state_layers"]):
            names = [f"state/{k}/{j}" for j in range(max(count, 1))] if isinstance(count, int) else [None]
            if not all(name in arrays for name in names):
                raise ModelFileError(f"{path}: the checkpoint is damaged: the carried state of layer {k} is missing")
            parts = [Tensor(arrays[name], dtype=arrays[name].dtype) for name in names]
            state.append(tuple(parts) if count else parts[0])
    return meta["iteration"], state, meta["history"]
