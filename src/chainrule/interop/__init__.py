"""Bridges to other frameworks (optional extras): PyTorch (`to_torch`, `from_torch`) and ONNX.

Nothing here is imported by ``import chainrule``; each function imports its
framework when called and says how to install it when it is missing.
"""

from chainrule.interop.onnx import to_onnx
from chainrule.interop.torch import from_torch, to_torch

__all__ = ["from_torch", "to_onnx", "to_torch"]
