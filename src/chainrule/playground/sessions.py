"""Training sessions: one network learning one toy data set, a few steps at a time.

A `Session` holds everything one page trains — the points (training and test),
the network, the optimizer, where it is in the current epoch, and the losses so
far — so that each HTTP request does a bounded piece of work and returns. Its
lock lets several requests (a step and a boundary read, say) arrive at once safely.
`update` takes new training settings (rate, optimizer, batch size,
regularisation, dropout) with the weights kept; other changes need a new session.
`SessionStore` keeps a limited number of them and evicts the least recently used.
What the page draws of a session (maps, the diagram, gradients) is in `views`.

>>> from chainrule.playground.config import Config
>>> session = Session(Config(dataset="xor", samples=40, hidden=(4,)))
>>> session.step(5)["step"]
5
>>> len(session.boundary(8)["probabilities"])
8
"""

from __future__ import annotations

import math
import secrets
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from chainrule.autograd import no_grad
from chainrule.losses import accuracy
from chainrule.playground import model
from chainrule.playground.config import (
    LIVE,
    MAX_EPOCHS,
    MAX_STEPS,
    RESOLUTION,
    SAMPLES,
    BadRequest,
    Config,
    check_keys,
    integer,
    number,
    parse_config,
)
from chainrule.playground.data import featurize, make_points
from chainrule.tensor import Tensor

MAX_HISTORY = 1000  # points kept per curve; older ones are thinned out, never the newest
CURVES = ("step", "loss", "test_loss", "accuracy", "test_accuracy")


class Session:
    """One training run of a `Config`, advanced by `step`; every method takes the session's lock."""

    def __init__(self, config: Config) -> None:
        self.id = secrets.token_hex(8)
        self.config = config
        self.lock = threading.Lock()
        self.X, self.y, self.X_test, self.y_test = make_points(config)
        everything = np.concatenate([self.X, self.X_test])
        half = max(1.0, math.ceil(float(np.abs(everything).max()) * 1.1 * 10) / 10)
        self.extent = (-half, half, -half, half)  # xmin, xmax, ymin, ymax: a square around the points
        self.resets = 0
        self._build()

    @property
    def regression(self) -> bool:
        return self.config.task == "regression"

    # -------------------------------------------------------------- set-up
    def _build(self) -> None:
        """A fresh network and optimizer; the weights and batch order depend on (seed, resets)."""
        weight_seed, shuffle_seed = np.random.SeedSequence([self.config.seed, self.resets]).generate_state(2)
        self.net, self.loss_fn = model.build_network(self.config, int(weight_seed))
        self.dense = model.dense_layers(self.net)
        self.optimizer = model.make_optimizer(self.config, self.net.parameters())
        self.shuffle = np.random.default_rng(int(shuffle_seed))
        self.order = self.shuffle.permutation(len(self.X))
        self.cursor, self.steps, self.epoch = 0, 0, 0
        self.diverged = False
        self.gradients: list[np.ndarray] | None = None  # ∂loss/∂W of each Dense for the last mini-batch
        self.history: dict[str, list[float | None]] = {key: [] for key in CURVES}
        self._score()

    def inputs(self, points: np.ndarray) -> np.ndarray:
        """What the network sees of points (n, 2): their features."""
        return featurize(points, self.config.features)

    # ------------------------------------------------------------ training
    def step(self, steps: int | None = None, epochs: int | None = None) -> dict[str, Any]:
        """Train on `steps` mini-batches (at most `MAX_STEPS`), or on `epochs` epochs' worth of them
        (⌈training points / batch size⌉ each), then score the training and test points."""
        if epochs is not None:
            if not 1 <= epochs <= MAX_EPOCHS:
                raise BadRequest(f"epochs must be an integer in [1, {MAX_EPOCHS}], got {epochs!r}")
        elif steps is None or not 1 <= steps <= MAX_STEPS:
            raise BadRequest(f"steps must be an integer in [1, {MAX_STEPS}], got {steps!r}")
        with self.lock:
            if epochs is not None:
                steps = epochs * math.ceil(len(self.X) / self.config.batch_size)
            if not self.diverged:
                self._train(int(steps))  # type: ignore[arg-type]
            return self.metrics()

    def _train(self, steps: int) -> None:
        loss_fn, n, size = self.loss_fn, len(self.X), self.config.batch_size
        inputs = self.inputs(self.X)
        self.net.train()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for _ in range(steps):
                if self.cursor >= n:
                    self.order, self.cursor = self.shuffle.permutation(n), 0
                    self.epoch += 1
                batch = self.order[self.cursor : self.cursor + size]
                self.cursor += size
                self.optimizer.zero_grad()
                loss = loss_fn(self.net(inputs[batch]), self.y[batch])
                if not math.isfinite(loss.item()):
                    self.diverged = True
                    break
                extra = model.penalty(self.net, self.config)
                (loss if extra is None else loss + extra).backward()
                self.optimizer.step()
                self.steps += 1
            if not self.diverged and steps:  # the last mini-batch's gradients, for the gradient view
                self.gradients = [dense.weight.grad.data.copy() for dense in self.dense]  # type: ignore[union-attr]
            self._score()
        self.diverged = self.diverged or self.loss is None
        self._record()

    def _evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
        """Loss (None once it is not finite) and accuracy (None for regression) on points X."""
        if len(X) == 0:
            return None, None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            output = self.net.predict(self.inputs(X))
            with no_grad():
                loss = self.loss_fn(Tensor(output, dtype=output.dtype), y).item()
        score = None if self.regression else accuracy(self.loss_fn, output, y)
        return (loss if math.isfinite(loss) else None), score

    def _score(self) -> None:
        self.loss, self.accuracy = self._evaluate(self.X, self.y)
        self.test_loss, self.test_accuracy = self._evaluate(self.X_test, self.y_test)

    def _record(self) -> None:
        history = self.history
        for key in CURVES:
            history[key].append(self.steps if key == "step" else getattr(self, key))
        if len(history["step"]) > MAX_HISTORY:  # keep every other old point, and the newest
            for key in history:
                history[key] = history[key][-2::-2][::-1] + history[key][-1:]

    def reset(self) -> dict[str, Any]:
        """Start again from new random weights (the same points and settings)."""
        with self.lock:
            self.resets += 1
            self._build()
            return self._state()

    def update(self, body: Any) -> dict[str, Any]:
        """Take new training settings (only those in `LIVE`) and keep the weights, the step count and
        the history: a new optimizer starts with empty state; the rest change in place."""
        if isinstance(body, dict):
            check_keys(body, LIVE, "setting that can change while training (others need a new session)")
        with self.lock:
            config = parse_config(body, self.config)
            if config.optimizer != self.config.optimizer:
                self.optimizer = model.make_optimizer(config, self.net.parameters())
            self.optimizer.lr = config.lr
            model.set_dropout(self.net, config.dropout)
            self.config = config
            return {"config": config.as_dict(), **self.metrics()}

    def add_point(self, body: Any) -> dict[str, Any]:
        """Add a training point {"x", "y", "label"} (a class 0/1, or a target in [−1, 1] for regression)."""
        check_keys(body, ("x", "y", "label"), "field")
        for name in ("x", "y", "label"):
            if name not in body:
                raise BadRequest(f"the field {name} is required: a point is {{\"x\", \"y\", \"label\"}}")
        xmin, xmax, ymin, ymax = self.extent
        point = np.array([[number(body, "x", xmin, xmax), number(body, "y", ymin, ymax)]], dtype=np.float32)
        with self.lock:
            if len(self.X) >= SAMPLES[1]:
                raise BadRequest(f"this session has {len(self.X)} training points, the most allowed; "
                                 "start a new one to add more")
            if self.regression:
                target: np.ndarray = np.array([[number(body, "label", -1.0, 1.0)]], dtype=np.float32)
            else:
                target = np.array([integer(body, "label", 0, 1)], dtype=self.y.dtype)
            self.X, self.y = np.concatenate([self.X, point]), np.concatenate([self.y, target])
            self.order = np.concatenate([self.order, [len(self.X) - 1]])  # seen later this epoch
            self._score()
            return self._state()

    # ------------------------------------------------------------- reading
    def metrics(self) -> dict[str, Any]:
        return {"step": self.steps, "epoch": self.epoch, "loss": self.loss, "accuracy": self.accuracy,
                "test_loss": self.test_loss, "test_accuracy": self.test_accuracy, "diverged": self.diverged,
                "diagnosis": self.diagnosis()}

    def diagnosis(self) -> str | None:
        """A named failure: a hidden layer whose every unit outputs 0 over the whole plane (dead ReLUs)."""
        if self.config.activation != "relu" or not self.config.hidden:
            return None
        with no_grad(), np.errstate(over="ignore", invalid="ignore"):
            self.net.eval()
            x: Any = self.inputs(np.concatenate([self.grid(20), self.X]))
            for index, dense in enumerate(self.dense[:-1]):
                x = dense(x)
                if not np.any(x.data > 0):
                    return (f"all units of layer {index + 1} output 0 everywhere: dead ReLUs — lower the rate "
                            "and Reset")
        return None

    def state(self) -> dict[str, Any]:
        """Everything the page needs to draw this session from scratch."""
        with self.lock:
            return self._state()

    def _state(self) -> dict[str, Any]:
        def targets(y: np.ndarray) -> list[Any]:
            return np.round(y[:, 0], 4).tolist() if self.regression else y.tolist()

        return {"id": self.id, "config": self.config.as_dict(), "task": self.config.task,
                "extent": list(self.extent), "points": np.round(self.X, 4).tolist(), "labels": targets(self.y),
                "test_points": np.round(self.X_test, 4).tolist(), "test_labels": targets(self.y_test),
                "history": {key: list(values) for key, values in self.history.items()}, **self.metrics()}

    def grid(self, resolution: int) -> np.ndarray:
        """The centres of a resolution × resolution grid over the plane, row by row from the top."""
        if not RESOLUTION[0] <= resolution <= RESOLUTION[1]:
            raise BadRequest(f"resolution must be an integer in [{RESOLUTION[0]}, {RESOLUTION[1]}], got {resolution!r}")
        xmin, xmax, ymin, ymax = self.extent
        xs = xmin + (np.arange(resolution) + 0.5) * (xmax - xmin) / resolution
        ys = ymax - (np.arange(resolution) + 0.5) * (ymax - ymin) / resolution
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)

    def output(self, points: np.ndarray) -> np.ndarray:
        """P(class 1), or the regression output, at points (n, 2); finite, in eval mode."""
        with np.errstate(over="ignore", invalid="ignore"):
            out = self.net.predict(self.inputs(points)).astype(np.float64)
            if self.regression:
                return np.clip(np.nan_to_num(out[:, 0]), -1e6, 1e6)
            out -= out.max(axis=1, keepdims=True)
            return np.nan_to_num(np.exp(out[:, 1]) / np.exp(out).sum(axis=1), nan=0.5)

    def boundary(self, resolution: int = 50) -> dict[str, Any]:
        """P(class 1) at each grid point (or the output, for regression): rows from the top (y = ymax)
        down, columns from the left."""
        points = self.grid(resolution)
        with self.lock:
            values = np.round(self.output(points), 3).reshape(resolution, resolution).tolist()
        key = "outputs" if self.regression else "probabilities"
        return {"resolution": resolution, "extent": list(self.extent), "task": self.config.task, key: values}


class SessionStore:
    """At most `capacity` sessions by id; creating one more evicts the least recently used."""

    def __init__(self, capacity: int = 16) -> None:
        if capacity < 1:
            raise ValueError(f"SessionStore: capacity must be at least 1, got {capacity!r}")
        self.capacity = capacity
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, config: Config) -> Session:
        session = Session(config)  # built outside the lock: the data and weights take a moment
        with self._lock:
            while len(self._sessions) >= self.capacity:
                self._sessions.popitem(last=False)
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session:
        """The session, marked as just used; KeyError if there is none (deleted or evicted)."""
        with self._lock:
            session = self._sessions[session_id]
            self._sessions.move_to_end(session_id)
            return session

    def delete(self, session_id: str) -> None:
        """Forget the session (nothing happens if it is already gone)."""
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def __contains__(self, session_id: object) -> bool:
        with self._lock:
            return session_id in self._sessions
