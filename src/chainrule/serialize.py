"""Architectures as JSON: `describe` a layer or network, `rebuild` it from the description.

A layer is described by its class and the constructor arguments its `config()`
returns; nested layers and losses are described the same way. Only classes
that subclass `Layer` or `Loss` (registered when they are defined) can be
rebuilt, so a description can never name arbitrary code to run.

>>> import chainrule as cr
>>> spec = describe(cr.Dense(4, "tanh"))
>>> spec["layer"], spec["config"]["activation"]["layer"]
('chainrule.layers.dense.Dense', 'chainrule.layers.activations.Tanh')
>>> rebuild(spec)
Dense(neurons=4, activation=Tanh(), weight_init='glorot', input_size=None, bias=True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.layers.base import Layer
from chainrule.losses import Loss


class SerializationError(ValueError):
    """A description that cannot be rebuilt (unknown layer type, bad arguments)."""


def _registry(base: type) -> dict[str, type]:
    classes: dict[str, type] = {}
    pending = [base]
    while pending:
        cls = pending.pop()
        classes[f"{cls.__module__}.{cls.__qualname__}"] = cls
        pending.extend(cls.__subclasses__())
    return classes


def describe(obj: Any) -> Any:
    """A JSON-compatible description of a layer, loss, or constructor argument."""
    if isinstance(obj, Layer):
        cls = type(obj)
        return {"layer": f"{cls.__module__}.{cls.__qualname__}", "config": {k: describe(v) for k, v in obj.config().items()}}
    if isinstance(obj, Loss):
        cls = type(obj)
        config = getattr(obj, "config", dict)()  # losses with options (label_smoothing) say them
        return {"loss": f"{cls.__module__}.{cls.__qualname__}", **({"config": describe(config)} if config else {})}
    if isinstance(obj, (list, tuple)):
        return [describe(v) for v in obj]
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict) and all(isinstance(k, str) for k in obj):
        return {"dict": {k: describe(v) for k, v in obj.items()}}
    raise SerializationError(f"cannot describe {obj!r} of type {type(obj).__name__} as JSON")


def rebuild(spec: Any) -> Any:
    """The inverse of `describe`: construct the layer (or loss, or value) it describes."""
    if isinstance(spec, list):
        return [rebuild(v) for v in spec]
    if not isinstance(spec, dict):
        return spec
    if "layer" in spec:
        cls = _lookup(spec["layer"], Layer)
        try:
            return cls(**{k: rebuild(v) for k, v in spec.get("config", {}).items()})
        except TypeError as error:
            raise SerializationError(f"cannot construct {spec['layer']}: {error}") from None
    if "loss" in spec:
        return _lookup(spec["loss"], Loss)(**rebuild(spec.get("config", {"dict": {}})))
    if "dict" in spec:
        return {k: rebuild(v) for k, v in spec["dict"].items()}
    raise SerializationError(f"unrecognised description {spec!r}")


def _lookup(name: Any, base: type) -> type:
    classes = _registry(base)
    if not isinstance(name, str) or name not in classes:
        raise SerializationError(
            f"unknown {base.__name__.lower()} type {name!r}: if it is your own class, import the module "
            "that defines it before loading"
        )
    return classes[name]
