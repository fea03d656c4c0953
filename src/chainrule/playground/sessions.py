"""Training sessions: one network learning one toy data set, a few steps at a time.

A `Session` holds everything one page trains — the points, the network, the
optimizer, where it is in the current epoch, and the loss and accuracy so far —
so that each HTTP request does a bounded piece of work and returns. Its lock
lets several requests (a step and a boundary read, say) arrive at once safely.
`SessionStore` keeps a limited number of them and evicts the least recently used.

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
from chainrule.data.toy import make_toy
from chainrule.layers import Dense, LeakyReLU
from chainrule.losses import SoftmaxCrossEntropy, accuracy
from chainrule.network import NeuralNetwork
from chainrule.optim import SGD, Adam, SGDMomentum
from chainrule.playground.config import MAX_STEPS, RESOLUTION, BadRequest, Config
from chainrule.tensor import Tensor

LEAKY_SLOPE = 0.1  # steeper than the usual 0.01, so that the difference from ReLU shows on the page
MAX_HISTORY = 1000  # points kept per curve; older ones are thinned out, never the newest


class Session:
    """One training run of a `Config`, advanced by `step`; every method takes the session's lock."""

    def __init__(self, config: Config) -> None:
        self.id = secrets.token_hex(8)
        self.config = config
        self.lock = threading.Lock()
        X, y = make_toy(config.dataset, n=config.samples, noise=config.noise, seed=config.seed)
        self.X, self.y = X.astype(np.float32), y
        half = max(1.0, math.ceil(float(np.abs(X).max()) * 1.1 * 10) / 10)
        self.extent = (-half, half, -half, half)  # xmin, xmax, ymin, ymax: a square around the points
        self.resets = 0
        self._build()

    # -------------------------------------------------------------- set-up
    def _build(self) -> None:
        """A fresh network and optimizer; the weights and batch order depend on (seed, resets)."""
        config = self.config
        weight_seed, shuffle_seed = np.random.SeedSequence([config.seed, self.resets]).generate_state(2)
        init = "he" if config.activation in ("relu", "leaky_relu") else "glorot"
        layers = [Dense(units, self._activation(), weight_init=init, input_size=size)
                  for units, size in zip(config.hidden, (2,) + config.hidden, strict=False)]
        layers.append(Dense(2, input_size=config.hidden[-1]))  # logits of the two classes
        self.loss_fn = SoftmaxCrossEntropy()
        self.net = NeuralNetwork(layers, self.loss_fn, seed=int(weight_seed))
        params = self.net.parameters()
        if config.optimizer == "sgd":
            self.optimizer: Any = SGD(params, lr=config.lr)
        elif config.optimizer == "momentum":
            self.optimizer = SGDMomentum(params, lr=config.lr, momentum=0.9)
        else:
            self.optimizer = Adam(params, lr=config.lr)
        self.shuffle = np.random.default_rng(int(shuffle_seed))
        self.order = self.shuffle.permutation(len(self.X))
        self.cursor, self.steps, self.epoch = 0, 0, 0
        self.diverged = False
        self.history: dict[str, list[float | None]] = {"step": [], "loss": [], "accuracy": []}
        self.loss, self.accuracy = self._score()

    def _activation(self) -> Any:
        return LeakyReLU(LEAKY_SLOPE) if self.config.activation == "leaky_relu" else self.config.activation

    # ------------------------------------------------------------ training
    def step(self, steps: int) -> dict[str, Any]:
        """Train on `steps` mini-batches (at most `MAX_STEPS`), then score all the points."""
        if not 1 <= steps <= MAX_STEPS:
            raise BadRequest(f"steps must be an integer in [1, {MAX_STEPS}], got {steps!r}")
        with self.lock:
            if not self.diverged:
                self._train(steps)
            return self.metrics()

    def _train(self, steps: int) -> None:
        loss_fn, n, size = self.loss_fn, len(self.X), self.config.batch_size
        self.net.train()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for _ in range(steps):
                if self.cursor >= n:
                    self.order, self.cursor = self.shuffle.permutation(n), 0
                    self.epoch += 1
                batch = self.order[self.cursor : self.cursor + size]
                self.cursor += size
                self.optimizer.zero_grad()
                loss = loss_fn(self.net(self.X[batch]), self.y[batch])
                if not math.isfinite(loss.item()):
                    self.diverged = True
                    break
                loss.backward()
                self.optimizer.step()
                self.steps += 1
            self.loss, self.accuracy = self._score()
        self.diverged = self.diverged or self.loss is None
        self._record()

    def _score(self) -> tuple[float | None, float]:
        """Loss and accuracy on all the points (the loss is None once it is not finite)."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            output = self.net.predict(self.X)
            with no_grad():
                loss = self.loss_fn(Tensor(output, dtype=output.dtype), self.y).item()
        return (loss if math.isfinite(loss) else None), accuracy(self.loss_fn, output, self.y)

    def _record(self) -> None:
        history = self.history
        for key, value in (("step", self.steps), ("loss", self.loss), ("accuracy", self.accuracy)):
            history[key].append(value)
        if len(history["step"]) > MAX_HISTORY:  # keep every other old point, and the newest
            for key in history:
                history[key] = history[key][-2::-2][::-1] + history[key][-1:]

    def reset(self) -> dict[str, Any]:
        """Start again from new random weights (the same points and settings)."""
        with self.lock:
            self.resets += 1
            self._build()
            return self._state()

    # ------------------------------------------------------------- reading
    def metrics(self) -> dict[str, Any]:
        return {"step": self.steps, "epoch": self.epoch, "loss": self.loss, "accuracy": self.accuracy,
                "diverged": self.diverged}

    def state(self) -> dict[str, Any]:
        """Everything the page needs to draw this session from scratch."""
        with self.lock:
            return self._state()

    def _state(self) -> dict[str, Any]:
        return {"id": self.id, "config": self.config.as_dict(), "extent": list(self.extent),
                "points": np.round(self.X, 4).tolist(), "labels": self.y.tolist(),
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

    def boundary(self, resolution: int = 50) -> dict[str, Any]:
        """P(class 1) at each grid point: rows from the top (y = ymax) down, columns from the left."""
        points = self.grid(resolution)
        with self.lock, np.errstate(over="ignore", invalid="ignore"):
            logits = self.net.predict(points).astype(np.float64)
            logits -= logits.max(axis=1, keepdims=True)
            probs = np.nan_to_num(np.exp(logits[:, 1]) / np.exp(logits).sum(axis=1), nan=0.5)
        return {"resolution": resolution, "extent": list(self.extent),
                "probabilities": np.round(probs, 3).reshape(resolution, resolution).tolist()}

    def unit(self, layer: int, unit: int, resolution: int = 50) -> dict[str, Any]:
        """The output of hidden unit `unit` of hidden layer `layer` (both from 0) over the grid."""
        hidden = self.config.hidden
        if not 0 <= layer < len(hidden):
            raise BadRequest(f"layer must be an integer in [0, {len(hidden) - 1}] (this network has "
                             f"{len(hidden)} hidden layer{'s' if len(hidden) > 1 else ''}), got {layer!r}")
        if not 0 <= unit < hidden[layer]:
            raise BadRequest(f"unit must be an integer in [0, {hidden[layer] - 1}] (hidden layer {layer} "
                             f"has {hidden[layer]} units), got {unit!r}")
        points = self.grid(resolution)
        with self.lock, no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self.net.eval()
            x: Any = points
            for dense in self.net.layers[: layer + 1]:  # each Dense applies its activation
                x = dense(x)
            values = np.clip(np.nan_to_num(x.data[:, unit].astype(np.float64)), -1e6, 1e6)  # JSON-safe
        return {"layer": layer, "unit": unit, "activation": self.config.activation, "resolution": resolution,
                "extent": list(self.extent), "min": float(values.min()), "max": float(values.max()),
                "values": np.round(values, 4).reshape(resolution, resolution).tolist()}


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
