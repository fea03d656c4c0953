"""Seeing it: plots of training and of what networks learn, and the computational graph.

The plots need matplotlib, an optional extra (``make demo`` installs it; else ``pip install -e ".[plot]"``),
imported only when a plot is drawn; the graph view needs nothing (and Graphviz's
``dot`` program only to turn its text into SVG or PNG).

* `plot_history` — loss and accuracy per epoch from `Trainer.fit`'s `History`;
* `plot_decision_boundary`, `tutorial_boundaries` — what a 2-D classifier learned;
* `plot_conv_filters` — first-layer convolution kernels;
* `plot_reconstructions` — an autoencoder's inputs above its outputs;
* `graph`, `retain_graph_grads` — the computational graph with values and gradients.
"""

from chainrule.viz._figure import require_matplotlib
from chainrule.viz.boundary import plot_decision_boundary, tutorial_boundaries
from chainrule.viz.curves import plot_history
from chainrule.viz.filters import plot_conv_filters
from chainrule.viz.graph_view import GraphvizNotFoundError, graph, retain_graph_grads, write_dot
from chainrule.viz.reconstructions import plot_reconstructions

__all__ = [
    "GraphvizNotFoundError",
    "graph",
    "plot_conv_filters",
    "plot_decision_boundary",
    "plot_history",
    "plot_reconstructions",
    "require_matplotlib",
    "retain_graph_grads",
    "tutorial_boundaries",
    "write_dot",
]
