"""ONNX export (optional extra: ``pip install 'chainrule[onnx]'``): `to_onnx(net, path, input_shape)`.

The network becomes an ONNX graph in evaluation mode (dropout is the identity,
batch normalisation uses its running statistics) with a dynamic batch axis, so
onnxruntime, or any ONNX consumer, computes what ``net.predict`` computes.
Converters live in one table at the bottom, one function per layer type: each
receives the name of its input value and returns the name of its output.

Layouts: images are NCHW in both, so Conv (with its groups), ConvTranspose, MaxPool, AveragePool (with the layers'
``ceil_mode`` and ``count_include_pad``) and Flatten read them as chainrule does. A
network that starts with an Embedding takes int64 tokens. A recurrent layer
(inside `RecurrentOutputs`) becomes one ONNX RNN, GRU or LSTM node per stacked
layer, run time-major between two Transposes, with the gate blocks reordered
to ONNX's (GRU z, r, h with ``linear_before_reset=1``; LSTM i, o, f, c).
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Callable, Sequence

import numpy as np

from chainrule.interop.errors import UnsupportedLayerError
from chainrule.interop.sequences import step_activation
from chainrule.layers import (
    ConvTranspose2D,
    AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, Embedding, Flatten, Layer, LeakyReLU, Linear, MaxPool2D, ReLU,
    RecurrentOutputs, Sigmoid, Softmax, Tanh, TimeDistributed,
)
from chainrule.network import NeuralNetwork
from chainrule.ops.recurrent import to_torch_layout

OPSET = 17
# where each of ONNX's gate blocks sits in ours (PyTorch's order: GRU r, z, n; LSTM i, f, g, o)
ONNX_GATES = {"rnn": [0], "gru": [1, 0, 2], "lstm": [0, 3, 1, 2]}


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

    def weight(self, hint: str, array: np.ndarray, dtype: Any = None) -> str:
        """A constant (in the network's dtype unless `dtype` says otherwise); returns its name."""
        name = self.name(hint)
        array = np.ascontiguousarray(array, dtype=self.dtype if dtype is None else dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
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
    tokens = not net.converts_input  # an Embedding first: integer tokens in
    # builds lazy layers and gives the output's shape (evaluation mode: no statistics change)
    output_shape = net.predict(np.zeros((1,) + input_shape, dtype=np.int64 if tokens else net.dtype)).shape[1:]
    graph = _Graph(net.dtype)
    output = convert(graph, net, "input")
    elem = onnx.TensorProto.DOUBLE if net.dtype == np.float64 else onnx.TensorProto.FLOAT
    model = onnx.helper.make_model(
        onnx.helper.make_graph(
            graph.nodes,
            "chainrule",
            [onnx.helper.make_tensor_value_info("input", onnx.TensorProto.INT64 if tokens else elem,
                                                ["batch", *input_shape])],
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
        raise UnsupportedLayerError(
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


def _time_distributed(graph: _Graph, layer: TimeDistributed, value: str) -> str:
    """(N, T, F) · W (+ b) as one MatMul over the last axis (Gemm takes 2-D input only)."""
    activation, dense = step_activation(layer, "to_onnx"), layer.layer
    value = graph.node("MatMul", [value, graph.weight("weight", dense.weight.data)], "matmul")
    if dense.bias is not None:
        value = graph.node("Add", [value, graph.weight("bias", dense.bias.data)], "add")
    return convert(graph, activation, value)


def _conv2d(graph: _Graph, layer: Conv2D, value: str) -> str:
    inputs = [value, graph.weight("weight", layer.weight.data)]
    if layer.bias is not None:
        inputs.append(graph.weight("bias", layer.bias.data))
    ph, pw = layer.padding_pixels
    value = graph.node("Conv", inputs, "conv", kernel_shape=list(layer.kernel_size), strides=list(layer.stride),
                       pads=[ph, pw, ph, pw], dilations=list(layer.dilation), group=layer.groups)
    return convert(graph, layer.activation, value)


def _conv_transpose2d(graph: _Graph, layer: ConvTranspose2D, value: str) -> str:
    """ONNX's ConvTranspose has PyTorch's weight layout (C_in, C_out, kh, kw) and output-size rule."""
    inputs = [value, graph.weight("weight", layer.weight.data)]
    if layer.bias is not None:
        inputs.append(graph.weight("bias", layer.bias.data))
    ph, pw = layer.padding
    value = graph.node("ConvTranspose", inputs, "conv_transpose", kernel_shape=list(layer.kernel_size),
                       strides=list(layer.stride), pads=[ph, pw, ph, pw], dilations=list(layer.dilation),
                       output_padding=list(layer.output_padding))
    return convert(graph, layer.activation, value)


def _pool(op: str) -> Callable[[_Graph, Any, str], str]:
    def pool(graph: _Graph, layer: MaxPool2D | AvgPool2D, value: str) -> str:
        ph, pw = layer.padding
        attributes = {"count_include_pad": int(layer.count_include_pad)} if isinstance(layer, AvgPool2D) else {}
        return graph.node(op, [value], op.lower(), kernel_shape=list(layer.kernel_size), strides=list(layer.stride),
                          pads=[ph, pw, ph, pw], ceil_mode=int(layer.ceil_mode), **attributes)

    return pool


def _batch_norm(graph: _Graph, layer: BatchNorm, value: str) -> str:
    """Evaluation mode: (x − running_mean)/√(running_var + ε)·γ + β."""
    arrays = {"scale": layer.weight.data, "shift": layer.bias.data, "mean": layer.running_mean,
              "var": layer.running_var}
    inputs = [value] + [graph.weight(hint, array) for hint, array in arrays.items()]
    return graph.node("BatchNormalization", inputs, "batch_norm", epsilon=layer.eps)


def _embedding(graph: _Graph, layer: Embedding, value: str) -> str:
    return graph.node("Gather", [graph.weight("embedding", layer.weight.data), value], "embedding", axis=0)


def _recurrent_outputs(graph: _Graph, wrapper: RecurrentOutputs, value: str) -> str:
    """(N, T, F) → time-major → one ONNX node per stacked layer (its Y is (T, 1, N, H)) → (N, T, H)."""
    layer = wrapper.layer
    op, order, H = layer.cell.upper(), ONNX_GATES[layer.cell], layer.hidden_size  # ONNX's RNN, GRU, LSTM
    attributes = {"linear_before_reset": 1} if layer.cell == "gru" else {}  # PyTorch's GRU: r ∘ (h·W_hn + b_hn)
    value = graph.node("Transpose", [value], "time_major", perm=[1, 0, 2])
    direction_axis = graph.weight("axes", np.array([1]), dtype=np.int64)
    for k in range(layer.num_layers):
        # PyTorch's layout is ONNX's (gates × H rows) up to the order of the gate blocks
        w_ih, w_hh, b_ih, b_hh = (a.reshape(len(order), H, -1)[order].reshape(a.shape)
                                  for a in to_torch_layout(*layer.layer_parameters(k)))
        inputs = [value, graph.weight("W", w_ih[None]), graph.weight("R", w_hh[None]),
                  graph.weight("B", np.concatenate([b_ih, b_hh])[None])]
        value = graph.node(op, inputs, layer.cell, hidden_size=H, **attributes)
        value = graph.node("Squeeze", [value, direction_axis], "squeeze")
    return graph.node("Transpose", [value], "batch_major", perm=[1, 0, 2])


CONVERTERS: dict[type, Callable[[_Graph, Any, str], str]] = {
    NeuralNetwork: _sequence,
    Dense: _dense,
    TimeDistributed: _time_distributed,
    Conv2D: _conv2d,
    ConvTranspose2D: _conv_transpose2d,
    MaxPool2D: _pool("MaxPool"),
    AvgPool2D: _pool("AveragePool"),
    BatchNorm: _batch_norm,
    Embedding: _embedding,
    RecurrentOutputs: _recurrent_outputs,
    Linear: lambda graph, layer, value: value,
    Sigmoid: lambda graph, layer, value: graph.node("Sigmoid", [value], "sigmoid"),
    Tanh: lambda graph, layer, value: graph.node("Tanh", [value], "tanh"),
    ReLU: lambda graph, layer, value: graph.node("Relu", [value], "relu"),
    LeakyReLU: lambda graph, layer, value: graph.node("LeakyRelu", [value], "leaky_relu", alpha=layer.slope),
    Softmax: lambda graph, layer, value: graph.node("Softmax", [value], "softmax", axis=layer.axis),
    Dropout: lambda graph, layer, value: value,  # evaluation mode: the identity
    Flatten: lambda graph, layer, value: graph.node("Flatten", [value], "flatten", axis=1),
}
