"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint holds the model's weights and buffers, the optimizer's state, the
state of every random generator (the Trainer's shuffling, each layer's dropout),
the epoch (and, for a checkpoint written within an epoch, that epoch's order of
samples and the next batch), the history and the early-stopping bookkeeping — written atomically
(temporary file, fsync, rename; see `chainrule.io.write_archive`), so a run
killed at any moment leaves the previous checkpoint intact. Resumed, a run
produces the same weights as one that was never interrupted.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.io import (FORMAT_NAME, FORMAT_VERSION, ModelFileError, read_archive, remove_stale_temporaries,
                          write_archive)

CHECKPOINT_NAME = "checkpoint.npz"


@dataclass
class FitState:
    """The Trainer's progress through `fit`: what a checkpoint saves besides weights and optimizer."""

    next_epoch: int
    shuffle_rng: np.random.Generator
    history: Any  # train.History
    best_loss: float = np.inf
    best_state: dict[str, np.ndarray] | None = None
    stale: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    next_batch: int = 0  # > 0: the epoch `next_epoch` is under way, this is its next batch
    order: np.ndarray | None = None  # the order of samples of the epoch under way
    epoch_total: float = 0.0  # the sum of loss × batch size over its batches so far
    epoch_counted: int = 0  # and the number of samples in them


class MidEpochCheckpoints:
    """When a checkpoint is due within an epoch: every `batches` batches or `seconds` seconds (either or both)."""

    def __init__(self, directory: Any, batches: int | None, seconds: float | None) -> None:
        self.directory = directory
        self.batches, self.seconds = (batches, seconds) if directory is not None else (None, None)
        self.saved()

    def saved(self) -> None:
        self.since, self.count = time.monotonic(), 0

    def due(self) -> bool:
        self.count += 1
        return bool((self.batches and self.count >= self.batches)
                    or (self.seconds and time.monotonic() - self.since >= self.seconds))


def checkpoint_path(directory: str | os.PathLike) -> Path:
    return Path(directory) / CHECKPOINT_NAME


def training_arrays(net: Any, optimizer: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays (model weights and buffers, optimizer state) and JSON metadata (optimizer scalars, the
    layers' random generators) that any training checkpoint holds; `restore_training` reads them back."""
    arrays: dict[str, np.ndarray] = {f"model/{k}": v for k, v in net.state_dict().items()}
    optimizer_scalars = {}
    for key, value in optimizer.state_dict().items():
        if isinstance(value, np.ndarray):
            arrays[f"optimizer/{key}"] = value
        else:
            optimizer_scalars[key] = value.item() if isinstance(value, np.generic) else value
    layer_rngs = {name: layer._rng.bit_generator.state for name, layer in net.named_layers() if layer._rng is not None}
    meta = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "layer_rngs": layer_rngs,
            "optimizer": optimizer_scalars}
    return arrays, meta


def run_identity(optimizer: Any, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Settings a resumed run must share besides the Trainer's own: the optimizer, its learning rate and
    a fingerprint of the training data (BLAKE2b of shapes, dtypes and bytes: other data of the same size
    is noticed)."""
    digest = hashlib.blake2b(digest_size=16)
    for array in (X, y):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(memoryview(array).cast("B"))
    return {"optimizer": type(optimizer).__name__, "lr": float(optimizer.initial_lr), "data": digest.hexdigest()}


# What the metadata of every training checkpoint holds, and the JSON type of each part.
_TRAINING_META = {"settings": dict, "optimizer": dict, "layer_rngs": dict}


def check_fields(path: Path, meta: dict[str, Any], expected: dict[str, type | tuple[type, ...]]) -> None:
    """Refuse a checkpoint whose metadata lacks a part of `expected`, or holds one of another JSON type."""
    for name, kind in expected.items():
        value = meta.get(name)
        if name not in meta or not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise ModelFileError(f"{path}: the checkpoint is damaged: {name!r} is {value!r:.80}, not a valid entry")


def read_training(path: Path, kind: str, settings: dict[str, Any], net: Any,
                  optimizer: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a checkpoint of `kind`, check its settings equal `settings`, restore net, optimizer and the
    layers' generators from it; return its arrays and metadata for the caller's own parts.

    The file is checked like a model file: anything missing, of the wrong type or not fitting
    `net` and `optimizer` is a `ModelFileError` naming it, never a KeyError or TypeError.
    """
    if not path.exists():
        raise FileNotFoundError(f"resume=True but there is no checkpoint at {path}; start without resume first")
    remove_stale_temporaries(path)
    arrays, meta = read_archive(path)
    if meta.get("kind") != kind:
        what = "a saved model" if "kind" not in meta else f"a {meta['kind']!r:.80} file"
        raise ModelFileError(f"{path}: this is {what}, not a training checkpoint of kind {kind!r}")
    check_fields(path, meta, _TRAINING_META)
    changed = {k: (meta["settings"].get(k), v) for k, v in settings.items() if meta["settings"].get(k) != v}
    if changed:
        shown = ", ".join(f"{k}: {old!r:.80} in the checkpoint, {new!r} now" for k, (old, new) in changed.items())
        raise ValueError(f"cannot resume from {path} with different settings ({shown})")
    try:
        net.load_state_dict({k[len("model/") :]: v for k, v in arrays.items() if k.startswith("model/")})
        optimizer_state = {k[len("optimizer/") :]: v for k, v in arrays.items() if k.startswith("optimizer/")}
        optimizer_state.update(meta["optimizer"])
        optimizer.load_state_dict(optimizer_state)
        layers = dict(net.named_layers())
        for name, rng_state in meta["layer_rngs"].items():
            if name not in layers:
                raise ValueError(f"it has a random generator for a layer {name!r} this model lacks")
            layers[name].rng.bit_generator.state = rng_state
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, OverflowError) as error:
        raise ModelFileError(f"{path}: the checkpoint does not fit this model and optimizer: {str(error)[:300]}") from None
    return arrays, meta


def save_checkpoint(directory: str | os.PathLike, net: Any, optimizer: Any, state: FitState) -> Path:
    """Write the checkpoint for `state` into `directory` (replacing the previous one atomically)."""
    arrays, meta = training_arrays(net, optimizer)
    if state.best_state is not None:
        arrays.update({f"best/{k}": v for k, v in state.best_state.items()})
    if state.next_batch:
        arrays["fit/order"] = state.order
    meta.update({
        "kind": "checkpoint",
        "next_epoch": state.next_epoch,
        "settings": state.settings,
        "shuffle_rng": state.shuffle_rng.bit_generator.state,
        "history": state.history.as_dict(),
        "best_loss": None if not np.isfinite(state.best_loss) else float(state.best_loss),
        "stale": state.stale,
        "next_batch": state.next_batch,
        "epoch_total": state.epoch_total,
        "epoch_counted": state.epoch_counted,
    })
    path = checkpoint_path(directory)
    remove_stale_temporaries(path)
    write_archive(path, arrays, meta)
    return path


def load_checkpoint(directory: str | os.PathLike, net: Any, optimizer: Any, settings: dict[str, Any]) -> FitState:
    """Restore net, optimizer and generators from `directory`; return the state to continue from.

    `settings` (epochs, batch size, seed, …) must equal the checkpointed run's:
    continuing with others would not continue the same run.
    """
    from chainrule.train import History

    path = checkpoint_path(directory)
    arrays, meta = read_training(path, "checkpoint", settings, net, optimizer)
    check_fields(path, meta, {"next_epoch": int, "shuffle_rng": dict, "history": dict,
                              "best_loss": (int, float, type(None)), "stale": int,
                              "next_batch": int, "epoch_total": (int, float), "epoch_counted": int})
    if not 0 <= meta["next_epoch"] <= settings["epochs"] or meta["stale"] < 0:
        raise ModelFileError(f"{path}: the checkpoint is damaged: it would continue at epoch {meta['next_epoch']} "
                             f"of {settings['epochs']} with {meta['stale']} stale evaluations")
    known = {f.name for f in fields(History)}
    if not set(meta["history"]) <= known or not all(isinstance(v, (list, int, float, bool, type(None)))
                                                    for v in meta["history"].values()):
        raise ModelFileError(f"{path}: the checkpoint is damaged: its history has unknown or malformed entries")
    order = arrays.get("fit/order")
    if meta["next_batch"] < 0 or meta["epoch_counted"] < 0 or (meta["next_batch"] > 0 and order is None) or (
            order is not None and (order.ndim != 1 or order.dtype.kind not in "iu" or len(order) != settings["samples"])):
        raise ModelFileError(f"{path}: the checkpoint is damaged: its record of the epoch under way is invalid")
    shuffle_rng = np.random.default_rng()
    try:
        shuffle_rng.bit_generator.state = meta["shuffle_rng"]
    except (KeyError, ValueError, TypeError, OverflowError) as error:
        raise ModelFileError(f"{path}: the checkpoint is damaged: its shuffling generator's state is invalid ({error})") from None
    best = {k[len("best/") :]: v for k, v in arrays.items() if k.startswith("best/")}
    return FitState(
        next_epoch=meta["next_epoch"],
        shuffle_rng=shuffle_rng,
        history=History(**meta["history"]),
        best_loss=np.inf if meta["best_loss"] is None else float(meta["best_loss"]),
        best_state=best or None,
        stale=meta["stale"],
        settings=dict(meta["settings"]),
        next_batch=meta["next_batch"],
        order=order,
        epoch_total=float(meta["epoch_total"]),
        epoch_counted=meta["epoch_counted"],
    )

