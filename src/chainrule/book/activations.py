"""The book's activations (`lincoln.activations`): `Linear`, `Sigmoid`, `Tanh`, `ReLU`.

They are chainrule's activation layers, whose derivatives live in
`chainrule.ops.activations`. Passed to the book's `Dense(neurons, activation)`,
they are fused into its single linear operation.

One differs from the book's code on purpose: the book's ``ReLU`` computed its
backward pass as ``output_grad * (output >= 0)``, and since a ReLU's output is
never negative, that mask is all ones: every gradient passed through, as if
there were no activation. Its chapter-4 ReLU network stalled at 71.84 %. Here
the mask is ``x > 0``, and the same network trains as a ReLU network should.
"""

from __future__ import annotations

from chainrule.layers.activations import Linear, ReLU, Sigmoid, Tanh

__all__ = ["Linear", "ReLU", "Sigmoid", "Tanh"]
