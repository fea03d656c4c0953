"""The second tutorial's sigmoid, built from primitive operations and drawn with its numbers.

    σ(x) = 1 / (1 + exp(−x)):   x → −x → exp → +1 → 1/·

At x = 1 the forward pass gives −1, 0.37, 1.37 and σ(1) = 0.73; the backward
pass sends back −0.53 (into 1/·'s input), −0.53 (through +1), −0.20 (through
exp, whose local gradient is e⁻¹ = 0.37) and 0.20 (through the negation) —
and 0.20 is σ′(1) = σ(1)(1 − σ(1)). Each edge of the picture carries its
forward value and, in red, its gradient.

Writes sigmoid_graph.dot, and sigmoid_graph.svg when Graphviz's `dot` is installed.

Run: python examples/sigmoid_graph.py [--out-dir .]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule.viz import graph, retain_graph_grads


def sigmoid_from_primitives(x: cr.Tensor) -> cr.Tensor:
    """σ(x) as four recorded operations: Neg, Exp, Add (the +1), Div (the 1/·)."""
    return 1 / (cr.exp(-x) + 1)


def main(out_dir: str = ".") -> str:
    """Build the graph at x = 1, run backward, write the pictures; return the DOT text."""
    x = cr.Tensor(1.0, requires_grad=True, dtype=np.float64, name="x")
    y = sigmoid_from_primitives(x)
    y.name = "σ(x)"
    retain_graph_grads(y)  # keep the gradient of every intermediate tensor ...
    y.backward(retain_graph=True)  # ... and the graph itself, so both can be drawn
    print(f"σ(1) = {y.item():.4f}, dσ/dx = {x.grad.item():.4f}")
    out = Path(out_dir)
    text = graph(y, out / "sigmoid_graph.dot")
    print(f"graph written to {out / 'sigmoid_graph.dot'}")
    if shutil.which("dot"):
        graph(y, out / "sigmoid_graph.svg")
        print(f"and drawn to {out / 'sigmoid_graph.svg'}")
    else:
        print("(install Graphviz to draw it as SVG, or paste the .dot file into an online Graphviz viewer)")
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=".", help="the folder for sigmoid_graph.dot and .svg")
    main(parser.parse_args().out_dir)
