"""What the playground accepts: the limits of every parameter, checked before anything runs.

The page sends a network configuration as JSON and numbers in query strings.
Nothing it sends is evaluated: each value is read by name, checked for its type
and range here, and anything else is refused with a `BadRequest` whose message
names the parameter and what it allows (the server answers it with 400).

>>> config = parse_config({"dataset": "xor", "hidden": [6], "activation": "tanh"})
>>> config.dataset, config.hidden, config.optimizer
('xor', (6,), 'momentum')
>>> config.task, config.restarts_for(replace(config, lr=0.01)), config.restarts_for(replace(config, hidden=(2,)))
('classification', False, True)
>>> parse_config({"hidden": [6, 40]})
Traceback (most recent call last):
...
chainrule.playground.config.BadRequest: hidden[1] must be an integer in [1, 16], got 40
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable, Mapping

from chainrule.data.toy import KINDS

REGRESSION = ("plane", "gaussians")  # a real-valued target in [-1, 1]: the regression mode
DATASETS = KINDS + REGRESSION  # circles, xor, spirals, blobs (two classes), plane, gaussians
ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu", "linear")
OPTIMIZERS = ("sgd", "momentum", "adam")
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")  # what the network sees of a point
REGULARIZATIONS = ("none", "l1", "l2")
MAX_LAYERS, MAX_UNITS = 6, 16  # hidden layers (0 is a linear model of the features) and units per layer
NOISE = (0.0, 0.5)
SAMPLES = (20, 1000)
TEST_RATIO = (0.0, 0.9)  # the share of the points held out as test data
REG_RATE = (0.0, 10.0)
DROPOUT = (0.0, 0.9)
LR = (1e-5, 10.0)
BATCH_SIZE = (1, 500)
SEED = (0, 2**31 - 1)
MAX_STEPS = 200  # mini-batch steps per request: the work one request may do
MAX_EPOCHS = 1  # or whole epochs per request (at most SAMPLES[1] mini-batches each)
RESOLUTION = (4, 100)  # grid points per side of the boundary and unit maps
THUMBNAIL = (4, 32)  # grid points per side of the network diagram's neuron maps
DEFAULT_STEPS, DEFAULT_RESOLUTION, DEFAULT_THUMBNAIL = 10, 50, 16
# Settings a running session takes over with its weights kept; any other change starts over.
LIVE = ("optimizer", "lr", "batch_size", "regularization", "reg_rate", "dropout")


class BadRequest(ValueError):
    """A parameter the page sent is missing, of the wrong type or out of range (HTTP 400)."""


@dataclass(frozen=True)
class Config:
    """One training set-up: the data, the network, and how it learns."""

    dataset: str = "xor"
    noise: float = 0.05
    samples: int = 200
    test_ratio: float = 0.3
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (6,)
    activation: str = "tanh"
    optimizer: str = "momentum"
    lr: float = 0.1
    batch_size: int = 10
    regularization: str = "none"
    reg_rate: float = 0.0
    dropout: float = 0.0
    seed: int = 0

    @property
    def task(self) -> str:
        return "regression" if self.dataset in REGRESSION else "classification"

    def restarts_for(self, other: Config) -> bool:
        """Whether going from this set-up to `other` needs new data or a new network."""
        return any(getattr(self, name) != getattr(other, name) for name in READERS if name not in LIVE)

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["hidden"], values["features"] = list(self.hidden), list(self.features)
        return values


# The three networks of the tutorial's demo (convnetjs's 2-D classification) on the tutorial's data
# (`chainrule.viz.boundary.tutorial_boundaries`: circles, 200 points, noise 0.08, Adam 0.02, batches
# of 20), and lessons from TensorFlow Playground. Every preset sets the data too; the fields it
# leaves out take their default.
_TUTORIAL = {"dataset": "circles", "noise": 0.08, "samples": 200, "test_ratio": 0.0, "optimizer": "adam",
             "lr": 0.02, "batch_size": 20}
PRESETS: dict[str, dict[str, Any]] = {
    "6 tanh": {**_TUTORIAL, "hidden": [6], "activation": "tanh"},
    "2 tanh": {**_TUTORIAL, "hidden": [2], "activation": "tanh"},
    "6 ReLU": {**_TUTORIAL, "hidden": [6], "activation": "relu"},
    "spirals": {"dataset": "spirals", "noise": 0.0, "samples": 300, "test_ratio": 0.0, "hidden": [16, 16],
                "activation": "tanh", "optimizer": "adam", "lr": 0.03, "batch_size": 10},
    "features, no hidden layer": {"dataset": "circles", "noise": 0.05, "samples": 200,
                                  "features": ["x1", "x2", "x1^2", "x2^2"], "hidden": [], "activation": "tanh",
                                  "optimizer": "adam", "lr": 0.03, "batch_size": 10},
    "overfitting": {"dataset": "spirals", "noise": 0.3, "samples": 100, "test_ratio": 0.5, "hidden": [16, 16, 16],
                    "activation": "relu", "optimizer": "adam", "lr": 0.01, "batch_size": 5},
    "regression": {"dataset": "gaussians", "noise": 0.0, "samples": 300, "hidden": [8, 8],
                   "activation": "tanh", "optimizer": "adam", "lr": 0.01, "batch_size": 10},
}
PRESETS = {name: {**Config().as_dict(), **preset} for name, preset in PRESETS.items()}


def limits() -> dict[str, Any]:
    """Every limit, for the page to build its controls from (GET /api/config)."""
    return {
        "datasets": list(DATASETS), "activations": list(ACTIVATIONS), "optimizers": list(OPTIMIZERS),
        "max_layers": MAX_LAYERS, "max_units": MAX_UNITS, "noise": list(NOISE), "samples": list(SAMPLES),
        "lr": list(LR), "batch_size": list(BATCH_SIZE), "seed": list(SEED), "max_steps": MAX_STEPS,
        "resolution": list(RESOLUTION), "defaults": Config().as_dict(), "presets": PRESETS,
        "regression": list(REGRESSION), "features": list(FEATURES), "regularizations": list(REGULARIZATIONS),
        "test_ratio": list(TEST_RATIO), "reg_rate": list(REG_RATE), "dropout": list(DROPOUT),
        "max_epochs": MAX_EPOCHS, "thumbnail": list(THUMBNAIL), "live": list(LIVE),
    }


def parse_config(body: Any, base: Config | None = None) -> Config:
    """A `Config` from a JSON object; fields left out keep their value in `base` (the defaults)."""
    if not isinstance(body, Mapping):
        raise BadRequest(f"the request body must be a JSON object of settings, got {type(body).__name__}")
    check_keys(body, READERS, "setting")
    return replace(base or Config(), **{name: read(body) for name, read in READERS.items() if name in body})


def _hidden(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not 0 <= len(value) <= MAX_LAYERS:
        raise BadRequest(f"hidden must be a list of 0 to {MAX_LAYERS} layer sizes, e.g. [6], got {_show(value)}")
    return tuple(integer({f"hidden[{i}]": v}, f"hidden[{i}]", 1, MAX_UNITS) for i, v in enumerate(value))


def _features(value: Any) -> tuple[str, ...]:
    """At least one of FEATURES, each once, kept in FEATURES' order."""
    if not isinstance(value, list) or not 1 <= len(value) <= len(FEATURES):
        raise BadRequest(f"features must be a list of 1 to {len(FEATURES)} of {', '.join(FEATURES)}, "
                         f"got {_show(value)}")
    chosen = [choice({f"features[{i}]": v}, f"features[{i}]", FEATURES) for i, v in enumerate(value)]
    if len(set(chosen)) != len(chosen):
        raise BadRequest(f"features lists a feature twice: {_show(value)}")
    return tuple(name for name in FEATURES if name in chosen)


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


def query_number(query: Mapping[str, str], name: str, low: float, high: float) -> float:
    """A number in [low, high] from a query string (a plain decimal such as -0.25 or 1e-3)."""
    if name not in query:
        raise BadRequest(f"the query parameter {name} is required: a number in [{low:g}, {high:g}]")
    text = query[name]
    value: Any = text
    if len(text) <= 24 and re.fullmatch(r"-?[0-9]+(\.[0-9]*)?([eE]-?[0-9]{1,3})?", text):
        value = float(text)
    return number({name: value}, name, low, high)


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
    "test_ratio": lambda body: number(body, "test_ratio", *TEST_RATIO),
    "features": lambda body: _features(body["features"]),
    "hidden": lambda body: _hidden(body["hidden"]),
    "activation": lambda body: choice(body, "activation", ACTIVATIONS),
    "optimizer": lambda body: choice(body, "optimizer", OPTIMIZERS),
    "lr": lambda body: number(body, "lr", *LR),
    "batch_size": lambda body: integer(body, "batch_size", *BATCH_SIZE),
    "regularization": lambda body: choice(body, "regularization", REGULARIZATIONS),
    "reg_rate": lambda body: number(body, "reg_rate", *REG_RATE),
    "dropout": lambda body: number(body, "dropout", *DROPOUT),
    "seed": lambda body: integer(body, "seed", *SEED),
}


def _show(value: Any) -> str:
    """A short, safe rendering of what was sent, for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
