"""Bridges to other frameworks (optional extras): PyTorch (`to_torch`, `from_torch`) and ONNX (`to_onnx`).

Nothing here imports torch or onnx when ``chainrule.interop`` is imported;
each function imports its framework when called and says how to install it
when it is missing. `chainrule.layers.RecurrentOutputs` (re-exported
here) lets a recurrent layer sit in a `NeuralNetwork`, on both sides of the bridge.
"""

from chainrule.interop.errors import UnsupportedLayerError
from chainrule.interop.onnx import to_onnx
from chainrule.interop.torch import from_torch, to_torch
from chainrule.layers import RecurrentOutputs

__all__ = ["RecurrentOutputs", "UnsupportedLayerError", "from_torch", "to_onnx", "to_torch"]
