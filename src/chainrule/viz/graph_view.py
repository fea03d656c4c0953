"""The computational graph as a picture: Graphviz DOT text, and SVG or PNG when Graphviz is installed.

Every Tensor that an operation made remembers that operation (``tensor._op``),
and every operation its input tensors (``op.inputs``). Walking those links
backwards from a result gives the whole graph: `graph` writes it as DOT, the
text format of Graphviz, with

* one box per operation: its name and the shape of what it made;
* one ellipse per leaf tensor (an input, a weight, a constant): its name (a one-number
  constant shows its value instead) and shape;
* one edge for every input of every operation, labelled, for small tensors, with
  the value that flowed forward along it and — after ``backward()`` — the gradient
  that flowed back (in red);
* a last edge from the final operation to an ``output`` node, with the result.

The graph can be drawn after a plain ``backward()``, as PyTorch users draw
theirs: backward frees the arrays saved for the gradients, but keeps what the
picture needs (`chainrule.autograd.GraphTrace`) — the links, the shapes, and the
values and gradients of small tensors (up to 16 elements)::

    y.backward()
    graph(y, "y.svg")                # values and gradients on the edges

With ``backward(retain_graph=True)`` the graph itself stays; `retain_graph_grads`
before it then keeps every intermediate gradient, of any size, in ``.grad``.

>>> import chainrule as cr
>>> x = cr.Tensor(2.0, requires_grad=True, name="x")
>>> y = cr.exp(-x)
>>> print(graph(y, show_values=False))  # doctest: +NORMALIZE_WHITESPACE
digraph chainrule {
  rankdir=LR;
  node [fontname="Helvetica", fontsize=11];
  edge [fontname="Helvetica", fontsize=10];
  leaf0 [label="x\\n()", shape=ellipse, style=filled, fillcolor="#dbeafe"];
  op0 [label="Neg\\n()", shape=box, style="rounded,filled", fillcolor="#f3f4f6"];
  leaf0 -> op0;
  op1 [label="Exp\\n()", shape=box, style="rounded,filled", fillcolor="#f3f4f6"];
  op0 -> op1;
  output [label="output\\n()", shape=ellipse, style=filled, fillcolor="#dcfce7"];
  op1 -> output;
}
"""

from __future__ import annotations

import html
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.autograd import Operation
from chainrule.tensor import Tensor

RENDERED_FORMATS = (".svg", ".png", ".pdf")
TEXT_FORMATS = (".dot", ".gv")

_LEAF_STYLE = 'shape=ellipse, style=filled, fillcolor="#dbeafe"'
_OP_STYLE = 'shape=box, style="rounded,filled", fillcolor="#f3f4f6"'
_OUTPUT_STYLE = 'shape=ellipse, style=filled, fillcolor="#dcfce7"'
_VALUE_COLOUR = "#1f2937"
_GRAD_COLOUR = "#b91c1c"


class GraphvizNotFoundError(RuntimeError):
    """Drawing SVG or PNG needs Graphviz's ``dot`` program, and it is not on PATH."""


# ------------------------------------------------------------------ walking


def _operations(root: Tensor) -> list[Operation]:
    """The operations that `root` was computed by, each after the ones that made its inputs.

    An explicit stack replaces recursion (a chain of 100,000 operations needs no
    deeper Python stack than a chain of 3). Inputs are visited in order, so the
    same computation always gives the same order.
    """
    if root._op is None:
        return []
    order: list[Operation] = []
    seen = {id(root._op)}
    stack: list[list[Any]] = [[root._op, 0]]  # (operation, index of the next input to visit)
    while stack:
        frame = stack[-1]
        op, index = frame
        if index == 0:
            _check_alive(op)
        if index < len(op.inputs):
            frame[1] = index + 1
            producer = op.inputs[index]._op
            if producer is not None and id(producer) not in seen:
                seen.add(id(producer))
                stack.append([producer, 0])
        else:
            stack.pop()
            order.append(op)
    return order


def _check_alive(op: Operation) -> None:
    if not hasattr(op, "inputs"):  # released without a trace
        raise RuntimeError(
            f"graph: the graph was freed by backward() (at {op.name}); to draw a graph after its "
            "backward pass, call backward(retain_graph=True), and retain_graph_grads(root) before it "
            "to keep the gradients of the intermediate tensors"
        )


def retain_graph_grads(root: Tensor) -> None:
    """Ask every tensor of `root`'s graph to keep its gradient (`Tensor.retain_grad`).

    Call it before ``root.backward(retain_graph=True)``; afterwards `graph` can
    label every edge with its gradient, not only those coming from leaves.
    """
    _require_tensor(root, "retain_graph_grads")
    root.retain_grad()
    for op in _operations(root):
        for tensor in op.inputs:
            tensor.retain_grad()
        for ref in op.outputs:
            out = ref()
            if out is not None:
                out.retain_grad()


# ------------------------------------------------------------------ DOT text


def graph(
    root: Tensor,
    path: str | os.PathLike | None = None,
    show_values: bool = True,
    show_grads: bool = True,
    max_elements: int = 4,
    timeout: float = 60.0,
) -> str:
    """The graph that computed `root`, as Graphviz DOT text (written or drawn to `path` if given).

    Args:
        root: the result to start from (often the loss).
        path: ``.dot`` / ``.gv`` writes the text; ``.svg``, ``.png`` or ``.pdf`` draws
            it with Graphviz's ``dot`` program (raises `GraphvizNotFoundError` when
            it is not installed).
        show_values: label edges with the forward value of tensors of at most
            `max_elements` elements.
        show_grads: label them with the gradient too, where the tensor has one
            (after ``backward()``; see `retain_graph_grads` for intermediate tensors).
        max_elements: larger tensors show only their shape.
        timeout: seconds to let ``dot`` run.

    Returns the DOT text. Node ids (``leaf0``, ``op0``, …) follow the order of the
    computation, so the same code gives the same text.
    """
    _require_tensor(root, "graph")
    if not isinstance(max_elements, (int, np.integer)) or max_elements < 0:
        raise ValueError(f"graph: max_elements must be an integer ≥ 0, got {max_elements!r}")
    labels = _EdgeLabels(show_values, show_grads, int(max_elements))
    lines = [
        "digraph chainrule {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    op_ids: dict[int, str] = {}
    leaf_ids: dict[int, str] = {}
    operations = _operations(root)
    if not operations:  # the root is itself a leaf
        lines.append(f"  leaf0 [label={_quoted(_leaf_label(root))}, {_LEAF_STYLE}];")
    for op in operations:
        sources = []
        for tensor in op.inputs:
            if tensor._op is not None:
                sources.append(op_ids[id(tensor._op)])
                continue
            key = getattr(tensor, "key", id(tensor))  # a traced constant: the id of the tensor it stands for
            node = leaf_ids.get(key)
            if node is None:
                node = leaf_ids[key] = f"leaf{len(leaf_ids)}"
                lines.append(f"  {node} [label={_quoted(_leaf_label(tensor))}, {_LEAF_STYLE}];")
            sources.append(node)
        node = op_ids[id(op)] = f"op{len(op_ids)}"
        lines.append(f"  {node} [label={_quoted(_op_label(op))}, {_OP_STYLE}];")
        for source, tensor in zip(sources, op.inputs):
            lines.append(f"  {source} -> {node}{labels(tensor)};")
    if operations:
        lines.append(f"  output [label={_quoted(_leaf_label(root, 'output'))}, {_OUTPUT_STYLE}];")
        lines.append(f"  {op_ids[id(root._op)]} -> output{labels(root)};")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if path is not None:
        write_dot(text, path, timeout)
    return text


class _EdgeLabels:
    """The ``[label=<…>]`` of the edge a tensor flows along: its value, then its gradient in red."""

    def __init__(self, show_values: bool, show_grads: bool, max_elements: int) -> None:
        self.show_values = show_values
        self.show_grads = show_grads
        self.max_elements = max_elements

    def __call__(self, tensor: Tensor) -> str:
        rows = []
        if tensor._op is not None and tensor._op.multiple_outputs:
            rows.append((_VALUE_COLOUR, f"output {tensor._index}"))
        small = tensor.size <= self.max_elements
        if self.show_values and small and tensor.data is not None:
            rows.append((_VALUE_COLOUR, _format_array(tensor.data)))
        grad = _grad_of(tensor)
        if self.show_grads and small and grad is not None:
            rows.append((_GRAD_COLOUR, "grad " + _format_array(_as_numpy(grad))))
        if not rows:
            return ""
        body = "<br/>".join(
            f'<font color="{colour}">{line}</font>'
            for colour, text in rows
            for line in (html.escape(part) for part in text.split("\n"))
        )
        return f" [label=<{body}>]"


def _grad_of(tensor: Any) -> Any:
    """Its `.grad`; for an intermediate tensor whose graph backward freed, the gradient the trace kept."""
    if tensor.grad is not None or tensor._op is None:
        return tensor.grad
    grads = getattr(tensor._op, "released_grads", None)
    return None if grads is None else grads[tensor._index]


def _leaf_label(tensor: Tensor, default: str | None = None) -> str:
    """Its name; else, for a one-number constant (the 1 of ``x + 1``), that number; else what it is."""
    name = tensor.name or default
    if name is None:
        if tensor.requires_grad:
            name = "tensor"
        else:
            name = _number(tensor.data.reshape(())) if tensor.size == 1 and tensor.data is not None else "constant"
    return f"{name}\n{_shape(tensor.shape)}"


def _op_label(op: Operation) -> str:
    if op.released:
        shapes = op.output_shapes
    else:
        shapes = [v.shape for v in (op.output_values if op.multiple_outputs else (op.output_values,))]
    return f"{op.name}\n{', '.join(_shape(shape) for shape in shapes)}"


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(int(n) for n in shape))


def _as_numpy(value: Any) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _number(value: float) -> str:
    """Two decimals for ordinary sizes (−0.53), scientific notation for tiny or huge ones."""
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    if 0.1 <= abs(value) < 1e4:
        return f"{value:.2f}"
    return f"{value:.2e}"


def _format_array(array: np.ndarray) -> str:
    if array.size == 1:
        return _number(array.reshape(()))
    return np.array2string(array, separator=", ", formatter={"float_kind": _number, "int_kind": str})


def _quoted(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r\n", "\n").replace("\n", "\\n") + '"'


def _require_tensor(root: Any, who: str) -> None:
    if not isinstance(root, Tensor):
        raise TypeError(f"{who}: expected a chainrule Tensor (e.g. the loss), got {type(root).__name__}")


# ------------------------------------------------------------------ files


def write_dot(text: str, path: str | os.PathLike, timeout: float = 60.0) -> None:
    """Write DOT `text` to `path`: as text for .dot/.gv, drawn by Graphviz for .svg/.png/.pdf."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_FORMATS + RENDERED_FORMATS:
        raise ValueError(
            f"graph: the path must end in one of {', '.join(TEXT_FORMATS + RENDERED_FORMATS)}, got {str(path)!r}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in TEXT_FORMATS:
        path.write_text(text, encoding="utf-8")
        return
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFoundError(
            f"graph: drawing {path.name} needs the `dot` program of Graphviz, which is not on PATH. "
            "Install Graphviz (apt-get install graphviz, brew install graphviz, conda install graphviz, "
            "or https://graphviz.org/download/), or save the DOT text with a .dot path"
        )
    command = [program, f"-T{suffix[1:]}", "-o", str(path)]
    try:
        result = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(
            f"graph: Graphviz took more than {timeout:g} s to lay out this graph of {text.count(' -> ')} edges; "
            "pass a larger timeout= or save it as .dot and draw a part of it"
        ) from error
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"graph: Graphviz's dot failed (exit status {result.returncode}): {message}")
