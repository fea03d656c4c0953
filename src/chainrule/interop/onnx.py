"""ONNX export (optional extra: ``pip install 'chainrule[onnx]'``): `to_onnx(net, path, input_shape)`.

The network becomes an ONNX graph in evaluation mode (dropout is the identity,
batch normalisation uses its running statistics) with a dynamic batch axis, so
onnxruntime, or any ONNX consumer, computes what ``net.predict`` computes.
Converters live in one table at the bottom, one function per layer type: each
receives the name of its input value and returns the name of its output.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Callable, Sequence

import numpy as np

from chainrule.layers import Dense, Dropout, Flatten, Layer, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh
from chainrule.network import NeuralNetwork

OPSET = 17


def _onnx() -> Any:
    try:
        return importlib.import_module("onnx")
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install 'chainrule[onnx]' (or pip install onnx)") from None


class _Graph:
    """Collects nodes and weights while the layers are converted."""

    def __init__(self, dtype: np.dtype) -> None:
        self.onnx = _onnx()
        self.dtype = dtype
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.counter = 0

    def name(self, hint: str) -> str:
        self.counter += 1
        return f"{hint}_{self.counter}"

    def weight(self, hint: str, array: np.ndarray) -> str:
        name = self.name(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(array, dtype=self.dtype), name))
        return name

    def node(self, op: str, inputs: Sequence[str], hint: str, **attributes: Any) -> str:
        output = self.name(hint)
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), [output], name=output, **attributes))
        return output


def to_onnx(net: Layer, path: str | os.PathLike, input_shape: Sequence[int]) -> None:
    """Write `net` as an ONNX model to `path`; `input_shape` is one sample's shape (no batch axis).

    >>> import chainrule as cr                                                # doctest: +SKIP
    >>> to_onnx(trained_mnist_net, "mnist.onnx", input_shape=(784,))          # doctest: +SKIP
    """
    onnx = _onnx()
    input_shape = tuple(int(n) for n in input_shape)
    # builds lazy layers and gives the output's shape (evaluation mode: no statistics change)
    output_shape = net.predict(np.zeros((1,) + input_shape, dtype=net.dtype)).shape[1:]
    graph = _Graph(net.dtype)
    output = convert(graph, net, "input")
    elem = onnx.TensorProto.DOUBLE if net.dtype == np.float64 else onnx.TensorProto.FLOAT
    model = onnx.helper.make_model(
        onnx.helper.make_graph(
            graph.nodes,
            "chainrule",
            [onnx.helper.make_tensor_value_info("input", elem, ["batch", *input_shape])],
            [onnx.helper.make_tensor_value_info(output, elem, ["batch", *output_shape])],
            graph.initializers,
        ),
        opset_imports=[onnx.helper.make_opsetid("", OPSET)],
        producer_name="chainrule",
    )
    onnx.checker.check_model(model)
    onnx.save(model, os.fspath(path))


def convert(graph: _Graph, layer: Layer, value: str) -> str:
    """Append `layer`'s nodes to `graph`, reading the value named `value`; returns its output's name."""
    converter = CONVERTERS.get(type(layer))
    if converter is None:
        raise NotImplementedError(
            f"to_onnx: no ONNX conversion for {type(layer).__name__} yet; "
            f"supported: {sorted(cls.__name__ for cls in CONVERTERS)}"
        )
    return converter(graph, layer, value)


def _sequence(graph: _Graph, net: NeuralNetwork, value: str) -> str:
    for layer in net.layers:
        value = convert(graph, layer, value)
    return value


def _dense(graph: _Graph, layer: Dense, value: str) -> str:
    inputs = [value, graph.weight("weight", layer.weight.data)]
    if layer.bias is not None:
        inputs.append(graph.weight("bias", layer.bias.data))
    return convert(graph, layer.activation, graph.node("Gemm", inputs, "dense"))


CONVERTERS: dict[type, Callable[[_Graph, Any, str], str]] = {
    NeuralNetwork: _sequence,
    Dense: _dense,
    Linear: lambda graph, layer, value: value,
    Sigmoid: lambda graph, layer, value: graph.node("Sigmoid", [value], "sigmoid"),
    Tanh: lambda graph, layer, value: graph.node("Tanh", [value], "tanh"),
    ReLU: lambda graph, layer, value: graph.node("Relu", [value], "relu"),
    LeakyReLU: lambda graph, layer, value: graph.node("LeakyRelu", [value], "leaky_relu", alpha=layer.slope),
    Softmax: lambda graph, layer, value: graph.node("Softmax", [value], "softmax", axis=layer.axis),
    Dropout: lambda graph, layer, value: value,  # evaluation mode: the identity
    Flatten: lambda graph, layer, value: graph.node("Flatten", [value], "flatten", axis=1),
}
