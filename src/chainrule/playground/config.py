"""What the playground accepts: the limits of every parameter, checked before anything runs.

The page sends a network configuration as JSON and numbers in query strings.
Nothing it sends is evaluated: each value is read by name, checked for its type
and range here, and anything else is refused with a `BadRequest` whose message
names the parameter and what it allows (the server answers it with 400).

>>> config = parse_config({"dataset": "xor", "hidden": [6], "activation": "tanh"})
>>> config.dataset, config.hidden, config.optimizer
('xor', (6,), 'momentum')
>>> parse_config({"hidden": [6, 40]})
Traceback (most recent call last):
...
chainrule.playground.config.BadRequest: hidden[1] must be an integer in [1, 16], got 40
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable, Mapping

from chainrule.data.toy import KINDS

DATASETS = KINDS  # circles, xor, spirals, blobs
ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu")
OPTIMIZERS = ("sgd", "momentum", "adam")
MAX_LAYERS, MAX_UNITS = 3, 16
NOISE = (0.0, 0.5)
SAMPLES = (20, 1000)
LR = (1e-5, 3.0)
BATCH_SIZE = (1, 500)
SEED = (0, 2**31 - 1)
MAX_STEPS = 200  # mini-batch steps per request: the work one request may do
RESOLUTION = (4, 100)  # grid points per side of the boundary and unit maps
DEFAULT_STEPS, DEFAULT_RESOLUTION = 10, 50


class BadRequest(ValueError):
    """A parameter the page sent is missing, of the wrong type or out of range (HTTP 400)."""


@dataclass(frozen=True)
class Config:
    """One training set-up: the data, the network, and how it learns."""

    dataset: str = "xor"
    noise: float = 0.05
    samples: int = 200
    hidden: tuple[int, ...] = (6,)
    activation: str = "tanh"
    optimizer: str = "momentum"
    lr: float = 0.1
    batch_size: int = 10
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["hidden"] = list(self.hidden)
        return values


# The three networks of the tutorial's demo (convnetjs's 2-D classification), and one big
# enough for the spirals. A preset changes only the fields it names.
PRESETS: dict[str, dict[str, Any]] = {
    "6 tanh": {"hidden": [6], "activation": "tanh", "optimizer": "momentum", "lr": 0.1, "batch_size": 10},
    "2 tanh": {"hidden": [2], "activation": "tanh", "optimizer": "momentum", "lr": 0.1, "batch_size": 10},
    "6 ReLU": {"hidden": [6], "activation": "relu", "optimizer": "momentum", "lr": 0.05, "batch_size": 10},
    "spirals": {"dataset": "spirals", "noise": 0.0, "samples": 300, "hidden": [16, 16], "activation": "tanh",
                "optimizer": "adam", "lr": 0.03, "batch_size": 10},
}


def limits() -> dict[str, Any]:
    """Every limit, for the page to build its controls from (GET /api/config)."""
    return {
        "datasets": list(DATASETS), "activations": list(ACTIVATIONS), "optimizers": list(OPTIMIZERS),
        "max_layers": MAX_LAYERS, "max_units": MAX_UNITS, "noise": list(NOISE), "samples": list(SAMPLES),
        "lr": list(LR), "batch_size": list(BATCH_SIZE), "seed": list(SEED), "max_steps": MAX_STEPS,
        "resolution": list(RESOLUTION), "defaults": Config().as_dict(), "presets": PRESETS,
    }


def parse_config(body: Any, base: Config | None = None) -> Config:
    """A `Config` from a JSON object; fields left out keep their value in `base` (the defaults)."""
    if not isinstance(body, Mapping):
        raise BadRequest(f"the request body must be a JSON object of settings, got {type(body).__name__}")
    check_keys(body, READERS, "setting")
    return replace(base or Config(), **{name: read(body) for name, read in READERS.items() if name in body})


def _hidden(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LAYERS:
        raise BadRequest(f"hidden must be a list of 1 to {MAX_LAYERS} layer sizes, e.g. [6], got {_show(value)}")
    return tuple(integer({f"hidden[{i}]": v}, f"hidden[{i}]", 1, MAX_UNITS) for i, v in enumerate(value))


# ----------------------------------------------------------------- single values
def check_keys(values: Mapping[str, Any], allowed: Any, what: str) -> None:
    """Refuse names that are not among `allowed` (a typo should not pass silently)."""
    unknown = sorted(str(key) for key in values if key not in allowed)
    if unknown:
        raise BadRequest(f"unknown {what} {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")


def choice(values: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = values[name]
    if value not in allowed or not isinstance(value, str):
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}, got {_show(value)}")
    return value


def integer(values: Mapping[str, Any], name: str, low: int, high: int) -> int:
    """An integer in [low, high]."""
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"{name} must be an integer in [{low}, {high}], got {_show(value)}")
    return value


def number(values: Mapping[str, Any], name: str, low: float, high: float) -> float:
    """A finite number in [low, high]."""
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise BadRequest(f"{name} must be a number in [{low:g}, {high:g}], got {_show(value)}")
    return float(value)


def query_integer(query: Mapping[str, str], name: str, low: int, high: int, default: int | None = None) -> int:
    """An integer in [low, high] from a query string (decimal digits), or `default` when left out."""
    if name not in query:
        if default is None:
            raise BadRequest(f"the query parameter {name} is required: an integer in [{low}, {high}]")
        return default
    text = query[name]
    value: Any = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else text
    return integer({name: value}, name, low, high)


# How each setting is read and checked (a setting the page sends that is not here is refused).
READERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "dataset": lambda body: choice(body, "dataset", DATASETS),
    "noise": lambda body: number(body, "noise", *NOISE),
    "samples": lambda body: integer(body, "samples", *SAMPLES),
    "hidden": lambda body: _hidden(body["hidden"]),
    "activation": lambda body: choice(body, "activation", ACTIVATIONS),
    "optimizer": lambda body: choice(body, "optimizer", OPTIMIZERS),
    "lr": lambda body: number(body, "lr", *LR),
    "batch_size": lambda body: integer(body, "batch_size", *BATCH_SIZE),
    "seed": lambda body: integer(body, "seed", *SEED),
}


def _show(value: Any) -> str:
    """A short, safe rendering of what was sent, for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
