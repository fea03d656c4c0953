"""Sequence models at the bridge: what a TimeDistributed(Dense) does at each step.

`chainrule.layers.RecurrentOutputs` (a recurrent layer's outputs without its
state) becomes a small PyTorch wrapper in `to_torch` and ONNX's recurrent nodes
in `to_onnx`. A TimeDistributed(Dense) becomes one matrix product over the last axis of
(N, T, F) in PyTorch and ONNX; `step_activation` gives its activation as it
acts on that 3-D result.
"""

from __future__ import annotations

from chainrule.interop.errors import UnsupportedLayerError
from chainrule.layers import Dense, Layer, Softmax, TimeDistributed


def step_activation(layer: TimeDistributed, who: str) -> Layer:
    """The activation of ``TimeDistributed(Dense(..., activation))`` applied to (N, T, F′) at once.

    Elementwise ones are unchanged; the Dense sees (N·T, F′), so its softmax over axis 1 is over the last axis.
    `who` names the caller in the error for anything but a Dense inside.
    """
    if not isinstance(layer.layer, Dense):
        raise UnsupportedLayerError(
            f"{who}: TimeDistributed({type(layer.layer).__name__}) is not supported; supported: TimeDistributed(Dense)"
        )
    activation = layer.layer.activation
    if isinstance(activation, Softmax):
        if activation.axis not in (1, -1):
            raise UnsupportedLayerError(f"{who}: TimeDistributed(Dense) with a softmax over axis {activation.axis} "
                                        "mixes steps; supported: Softmax(-1)")
        return Softmax(-1)
    return activation
