"""What the page draws of a session besides the decision: the units' maps, the network diagram,
the gradients, one neuron's computation graph and the hidden space. All computed by chainrule.

Gradients come from chainrule's autograd, never from a second derivation:

* over the plane, each grid point is given the target of the nearest training point,
  the network's loss on all grid points (summed, so each point's gradient is its own) is
  differentiated once, and the gradient kept at every Dense output (`Tensor.retain_grad`)
  is ∂loss/∂(that unit's output) at each point;
* the weights' gradients are those the optimizer used for the last mini-batch (`Session.gradients`);
* one neuron's computation y = f(Σᵢ wᵢaᵢ + b) at one point is rebuilt from chainrule ops
  (a product per input, a sum, an add, the activation) and run backward from ∂loss/∂y,
  which the whole network's backward pass gives; every edge then carries its value and gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autograd import no_grad
from chainrule.layers import Dense
from chainrule.playground.config import (
    DEFAULT_RESOLUTION,
    DEFAULT_THUMBNAIL,
    RESOLUTION,
    THUMBNAIL,
    BadRequest,
    check_keys,
    query_integer,
    query_number,
)
from chainrule.playground.sessions import Session
from chainrule.tensor import Tensor

VIEWS = ("output", "gradient")
HIDDEN_LINES, HIDDEN_SAMPLES = 11, 41  # the hidden-space view: grid lines per direction, points per line


def _finite(values: Any, digits: int | None = 4) -> Any:
    """JSON-safe numbers: NaN → 0, clipped to ±1e6, rounded to `digits` decimals (None: as computed)."""
    finite = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64)), -1e6, 1e6)
    return (finite if digits is None else np.round(finite, digits)).tolist()


def _nearest_targets(session: Session, points: np.ndarray) -> np.ndarray:
    """The target of the training point nearest to each of `points` (the label the plane is given)."""
    X = session.X.astype(np.float64)
    nearest = np.empty(len(points), dtype=np.int64)
    for start in range(0, len(points), 1000):  # at most 1000 × 1000 distances at a time
        chunk = points[start : start + 1000].astype(np.float64)
        distances = (chunk**2).sum(axis=1)[:, None] - 2 * chunk @ X.T + (X**2).sum(axis=1)[None, :]
        nearest[start : start + 1000] = distances.argmin(axis=1)
    return session.y[nearest]


def trace(session: Session, points: np.ndarray, gradient: bool) -> tuple[Tensor, list[Tensor]]:
    """The network's input tensor at `points` and each Dense layer's output (eval mode). With `gradient`,
    the summed loss at those points (targets: `_nearest_targets`) has been run backward: each tensor's
    `.grad` is ∂loss/∂(it), and the parameters' `.grad` that of the weights (zeroed first)."""
    net = session.net
    net.eval()
    x = Tensor(session.inputs(points), requires_grad=gradient)
    outputs: list[Tensor] = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if not gradient:
            with no_grad():
                h: Any = x
                for layer in net.layers:
                    h = layer(h)
                    if isinstance(layer, Dense):
                        outputs.append(h)
            return x, outputs
        for p in net.parameters():
            p.zero_grad()
        h = x
        for layer in net.layers:
            h = layer(h)
            if isinstance(layer, Dense):
                h.retain_grad()
                outputs.append(h)
        loss = session.loss_fn(h, _nearest_targets(session, points)) * float(len(points))
        loss.backward()
    return x, outputs


def _grad(tensor: Tensor) -> np.ndarray:
    return np.zeros(tensor.shape) if tensor.grad is None else tensor.grad.data


def unit_map(session: Session, layer: int, unit: int, resolution: int, view: str = "output") -> dict[str, Any]:
    """Hidden unit `unit` of hidden layer `layer` (both from 0) over the grid: its output, or
    ∂loss/∂(its output) in the gradient view."""
    hidden = session.config.hidden
    if not hidden:
        raise BadRequest("this network has no hidden layer, so no unit to map")
    if not 0 <= layer < len(hidden):
        raise BadRequest(f"layer must be an integer in [0, {len(hidden) - 1}] (this network has "
                         f"{len(hidden)} hidden layer{'s' if len(hidden) > 1 else ''}), got {layer!r}")
    if not 0 <= unit < hidden[layer]:
        raise BadRequest(f"unit must be an integer in [0, {hidden[layer] - 1}] (hidden layer {layer} "
                         f"has {hidden[layer]} units), got {unit!r}")
    _check_view(view)
    points = session.grid(resolution)
    with session.lock:
        _, outputs = trace(session, points, view == "gradient")
        tensor = outputs[layer]
        values = np.asarray(_finite((_grad(tensor) if view == "gradient" else tensor.data)[:, unit]))
    return {"layer": layer, "unit": unit, "activation": session.config.activation, "view": view,
            "resolution": resolution, "extent": list(session.extent), "min": float(values.min()),
            "max": float(values.max()), "values": values.reshape(resolution, resolution).tolist()}


def _check_view(view: str) -> None:
    if view not in VIEWS:
        raise BadRequest(f"view must be one of {', '.join(VIEWS)}, got {view[:40]!r}")


def network(session: Session, resolution: int, view: str = "output") -> dict[str, Any]:
    """The diagram: every weight and its last mini-batch gradient, and a small map of every node
    (features, hidden units, the output) over the plane — its value, or ∂loss/∂(it) in the gradient view."""
    if not THUMBNAIL[0] <= resolution <= THUMBNAIL[1]:
        raise BadRequest(f"resolution must be an integer in [{THUMBNAIL[0]}, {THUMBNAIL[1]}], got {resolution!r}")
    _check_view(view)
    points = session.grid(resolution)
    shape = (resolution, resolution)
    with session.lock:
        x, outputs = trace(session, points, view == "gradient")
        grads = session.gradients
        layers = [{"weights": _finite(dense.weight.data), "biases": _finite(dense.bias.data),  # type: ignore[union-attr]
                   "gradients": None if grads is None else _finite(grads[i], 6)}
                  for i, dense in enumerate(session.dense)]

        def maps(tensor: Tensor) -> list[Any]:
            values = _grad(tensor) if view == "gradient" else tensor.data
            return [_finite(values[:, j].reshape(shape), 3) for j in range(values.shape[1])]

        if view == "gradient":
            output = _finite(_grad(outputs[-1])[:, -1].reshape(shape), 3)  # ∂loss/∂(logit of class 1, or value)
        else:
            output = _finite(session.output(points).reshape(shape), 3)
        return {"view": view, "resolution": resolution, "features": list(session.config.features),
                "activation": session.config.activation, "task": session.config.task, "layers": layers,
                "maps": {"features": maps(x), "hidden": [maps(t) for t in outputs[:-1]], "output": output},
                "step": session.steps}


def neuron(session: Session, layer: int, unit: int, point: tuple[float, float]) -> dict[str, Any]:
    """Neuron `unit` of Dense layer `layer` (the last is the output) at one point, as a graph of
    primitive ops: each edge's forward value and the loss's gradient with respect to it."""
    denses = session.dense
    if not 0 <= layer < len(denses):
        raise BadRequest(f"layer must be an integer in [0, {len(denses) - 1}], got {layer!r}")
    if not 0 <= unit < denses[layer].neurons:
        raise BadRequest(f"unit must be an integer in [0, {denses[layer].neurons - 1}], got {unit!r}")
    xmin, xmax, ymin, ymax = session.extent
    if not (xmin <= point[0] <= xmax and ymin <= point[1] <= ymax):
        raise BadRequest(f"the point must lie in the plane shown, [{xmin}, {xmax}] × [{ymin}, {ymax}]")
    points = np.array([point], dtype=np.float32)
    hidden = layer < len(denses) - 1
    with session.lock:
        x, outputs = trace(session, points, gradient=True)
        dense = denses[layer]
        inputs = (x if layer == 0 else outputs[layer - 1]).data[0].astype(np.float64)
        upstream = float(_grad(outputs[layer])[0, unit])
        full_weight_grad = dense.weight.grad.data[:, unit].astype(np.float64)  # type: ignore[union-attr]
        # y = f(Σᵢ wᵢaᵢ + b), op by op, in float64 so the numbers shown are exact to their digits
        w = Tensor(dense.weight.data[:, unit], requires_grad=True, dtype=np.float64)  # type: ignore[union-attr]
        a = Tensor(inputs, requires_grad=True, dtype=np.float64)
        b = Tensor(dense.bias.data[unit], requires_grad=True, dtype=np.float64)  # type: ignore[union-attr]
        products = w * a
        total = products.sum()
        z = total + b
        activation = session.config.activation if hidden else "linear"
        y = dense.activation(z)  # the layer's own activation: the graph shown is the network's
        for tensor in (products, total, z):
            tensor.retain_grad()
        y.backward(np.asarray(upstream))
        target = _nearest_targets(session, points)[0]
    names = list(session.config.features) if layer == 0 else [f"h{layer}.{i + 1}" for i in range(len(inputs))]
    return {"layer": layer, "unit": unit, "point": list(point), "activation": activation,
            "target": round(float(target[0]), 4) if session.regression else int(target),
            "inputs": [{"name": name, "a": v, "da": g, "w": wv, "dw": wg, "product": pv, "dproduct": pg}
                       for name, v, g, wv, wg, pv, pg in zip(names, _finite(a.data, None), _finite(_grad(a), None),
                                                            _finite(w.data, None), _finite(_grad(w), None),
                                                            _finite(products.data, None), _finite(_grad(products), None),
                                                            strict=True)],
            "sum": {"value": _finite(total.data, None), "grad": _finite(_grad(total), None)},
            "bias": {"value": _finite(b.data, None), "grad": _finite(_grad(b), None)},
            "z": {"value": _finite(z.data, None), "grad": _finite(_grad(z), None)},
            "y": {"value": _finite(y.data, None), "grad": upstream},
            "network_weight_grad": _finite(full_weight_grad, None), "step": session.steps}


def hidden_space(session: Session, layer: int) -> dict[str, Any]:
    """The plane's grid lines and the training points carried through hidden layer `layer`, which
    must have two units (its outputs are the coordinates of the view)."""
    hidden = session.config.hidden
    if not 0 <= layer < len(hidden):
        raise BadRequest(f"layer must be an integer in [0, {len(hidden) - 1}], got {layer!r}")
    if hidden[layer] != 2:
        raise BadRequest(f"hidden layer {layer + 1} has {hidden[layer]} units; the hidden-space view needs "
                         "a layer of exactly 2")
    xmin, xmax, ymin, ymax = session.extent
    along = np.linspace(0, 1, HIDDEN_SAMPLES)
    lines = [np.stack([np.full_like(along, xmin + f * (xmax - xmin)), ymin + along * (ymax - ymin)], axis=1)
             for f in np.linspace(0, 1, HIDDEN_LINES)]
    lines += [np.stack([xmin + along * (xmax - xmin), np.full_like(along, ymin + f * (ymax - ymin))], axis=1)
              for f in np.linspace(0, 1, HIDDEN_LINES)]
    points = np.concatenate(lines + [session.X]).astype(np.float32)
    with session.lock:
        _, outputs = trace(session, points, gradient=False)
        mapped = np.asarray(_finite(outputs[layer].data, 4))
    n = len(lines) * HIDDEN_SAMPLES
    return {"layer": layer, "activation": session.config.activation,
            "lines": mapped[:n].reshape(len(lines), HIDDEN_SAMPLES, 2).tolist(), "points": mapped[n:].tolist(),
            "labels": session.y[:, 0].tolist() if session.regression else session.y.tolist()}


def answer(session: Session, view_name: str, query: dict[str, str]) -> dict[str, Any]:
    """The GET routes of these views: each query parameter read by name and checked (`BadRequest`)."""
    hidden = session.config.hidden
    if view_name == "unit":
        check_keys(query, ("layer", "unit", "resolution", "view"), "query parameter")
        resolution = query_integer(query, "resolution", *RESOLUTION, DEFAULT_RESOLUTION)
        if not hidden:
            raise BadRequest("this network has no hidden layer, so no unit to map")
        layer = query_integer(query, "layer", 0, len(hidden) - 1)
        unit = query_integer(query, "unit", 0, hidden[layer] - 1)
        return unit_map(session, layer, unit, resolution, query.get("view", "output"))
    if view_name == "network":
        check_keys(query, ("resolution", "view"), "query parameter")
        return network(session, query_integer(query, "resolution", *THUMBNAIL, DEFAULT_THUMBNAIL),
                       query.get("view", "output"))
    if view_name == "neuron":
        check_keys(query, ("layer", "unit", "x", "y"), "query parameter")
        layer = query_integer(query, "layer", 0, len(hidden))
        unit = query_integer(query, "unit", 0, session.dense[layer].neurons - 1)
        xmin, xmax, ymin, ymax = session.extent
        return neuron(session, layer, unit, (query_number(query, "x", xmin, xmax), query_number(query, "y", ymin, ymax)))
    check_keys(query, ("layer",), "query parameter")
    if not hidden:
        raise BadRequest("this network has no hidden layer to look into")
    return hidden_space(session, query_integer(query, "layer", 0, len(hidden) - 1))
