"""`UnsupportedLayerError`: a layer or module that has no counterpart in the other framework."""


class UnsupportedLayerError(TypeError, NotImplementedError):
    """Raised by `to_torch`, `from_torch` and `to_onnx`; the message names the layer, why, and what is supported.

    A TypeError (the layer's type is what is wrong) and, for code written against
    earlier versions, a NotImplementedError.
    """
