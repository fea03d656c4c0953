"""PyTorch interop: `to_torch(model)` gives an equivalent ``torch.nn.Module`` with the same
weights, and `from_torch(module)` the reverse.

This is the path for users who outgrow one machine: train or serve the same
model with PyTorch on many GPUs and nodes. Supported both ways: Dense (and
TimeDistributed(Dense), an ``nn.Linear`` on 3-D input), Conv2D, MaxPool2D,
AvgPool2D, BatchNorm (``BatchNorm1d``/``BatchNorm2d``), Embedding, RNN, GRU,
LSTM (``batch_first=True``), `RecurrentOutputs`, the activations, Dropout and
Flatten, LayerNorm, GELU, MultiHeadAttention, CausalSelfAttention, TransformerBlock
and CharGPT (`chainrule.interop.torch_transformer`); the converters, one pair per layer, are in
`chainrule.interop.torch_layers`. A layer of your own converts too if it has a
``torch_module()`` method returning its module.

This module walks a network. To PyTorch, a network becomes one flat
``nn.Sequential``: a layer with an activation (Dense, Conv2D) becomes its module
followed by the activation's. BatchNorm becomes ``BatchNorm2d`` when the layers
around it show that it sees (N, C, H, W) maps (a Conv2D or pooling layer before
it, or after it with only activations, Dropout and BatchNorm between), else
``BatchNorm1d``. Back from PyTorch, nested ``nn.Sequential`` are spliced into one
network, an elementwise activation is folded into the Dense or Conv2D before it,
and an ``nn.Linear`` after a recurrent layer becomes TimeDistributed(Dense). The
train/eval mode is carried across both ways.
"""

from __future__ import annotations

from typing import Any

from chainrule.interop.errors import UnsupportedLayerError
from chainrule.interop.sequences import step_activation
from chainrule.interop.torch_layers import TO_TORCH, from_torch_table, import_torch, to_batch_norm, torch_dtype
from chainrule.layers import (
    ConvTranspose2D,
    Activation, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, Flatten, Layer, Linear, MaxPool2D, Softmax,
    RecurrentOutputs, TimeDistributed,
)
from chainrule.network import NeuralNetwork

__all__ = ["from_torch", "to_torch", "torch_dtype"]

IMAGE_LAYERS = (Conv2D, ConvTranspose2D, MaxPool2D, AvgPool2D)  # take and give (N, C, H, W) maps
FLAT_LAYERS = (Dense, Flatten)  # give (N, F)
KEEPS_RANK = (Activation, Dropout, BatchNorm)  # give what they take

# ------------------------------------------------------------------ to torch


def to_torch(model: Layer) -> Any:
    """An equivalent ``torch.nn.Module`` holding copies of `model`'s weights (same dtype, same train/eval mode).

    >>> import chainrule as cr                                   # doctest: +SKIP
    >>> module = to_torch(cr.NeuralNetwork([cr.Dense(3, "tanh", input_size=2)]))  # doctest: +SKIP
    """
    nn = import_torch().nn
    layers = _flat(model)
    modules = [module for i in range(len(layers)) for module in _modules(layers, i)]
    single = len(modules) == 1 and not isinstance(model, NeuralNetwork)
    module = modules[0] if single else nn.Sequential(*modules)
    return module.to(torch_dtype(model)).train(model.training)


def _flat(model: Layer) -> list[Layer]:
    """The layers of a network, nested networks spliced in; a single layer alone."""
    if isinstance(model, NeuralNetwork):
        return [layer for child in model.layers for layer in _flat(child)]
    return [model]


def _modules(layers: list[Layer], i: int) -> list[Any]:
    """The modules of layers[i]: its own, then its activation's if it has one."""
    layer = layers[i]
    if isinstance(layer, BatchNorm):
        return [to_batch_norm(layer, images=_sees_images(layers, i))]
    converter = TO_TORCH.get(type(layer))
    if converter is None and hasattr(layer, "torch_module"):
        return [layer.torch_module()]
    if converter is None:
        raise UnsupportedLayerError(
            f"to_torch: no PyTorch equivalent for {type(layer).__name__}; supported: "
            f"{sorted(cls.__name__ for cls in TO_TORCH)} and layers with a torch_module() method"
        )
    modules = [converter(layer)]
    activation = step_activation(layer, "to_torch") if isinstance(layer, TimeDistributed) else getattr(
        layer, "activation", None)
    if activation is not None and not isinstance(activation, Linear):
        modules += _modules([activation], 0)
    return modules


def _sees_images(layers: list[Layer], i: int) -> bool:
    """Whether the BatchNorm layers[i] normalises (N, C, H, W) maps (see the module docstring)."""
    before = [layer for layer in layers[:i] if not isinstance(layer, KEEPS_RANK)]
    if before and isinstance(before[-1], IMAGE_LAYERS + FLAT_LAYERS):
        return isinstance(before[-1], IMAGE_LAYERS)
    after = [layer for layer in layers[i + 1 :] if not isinstance(layer, KEEPS_RANK)]
    return bool(after) and isinstance(after[0], IMAGE_LAYERS)


# ---------------------------------------------------------------- from torch


def from_torch(module: Any) -> Layer:
    """A chainrule layer or network equivalent to a ``torch.nn`` module, weights copied.

    ``nn.Sequential`` becomes a `NeuralNetwork` (without a loss: set ``net.loss``).
    """
    if isinstance(module, import_torch().nn.Sequential):
        return _from_sequential(module)
    converter = from_torch_table().get(type(module))
    if converter is None:
        raise UnsupportedLayerError(
            f"from_torch: no chainrule equivalent for {type(module).__name__}; supported: nn.Sequential of "
            f"{sorted(cls.__name__ for cls in from_torch_table())}"
        )
    return converter(module).train(module.training)


def _from_sequential(module: Any) -> NeuralNetwork:
    layers: list[Layer] = []
    sequences = False  # whether the values are (N, T, ...) sequences here: after a recurrent layer
    for child in _leaves(module):
        layer = from_torch(child)
        if layers and _folds_into(layers[-1], layer):
            inner = layers[-1].layer if isinstance(layers[-1], TimeDistributed) else layers[-1]
            inner.activation = layer
            continue
        if sequences and isinstance(layer, Dense):
            layer = TimeDistributed(layer)
        sequences = isinstance(layer, RecurrentOutputs) or (sequences and not isinstance(layer, Flatten))
        layers.append(layer)
    if not layers:
        raise ValueError("from_torch: this nn.Sequential is empty")
    dtypes = {layer.dtype for layer in layers if layer.parameters()}
    net = NeuralNetwork(layers)
    return (net.to(dtypes.pop()) if len(dtypes) == 1 else net).train(module.training)


def _leaves(module: Any) -> list[Any]:
    """The children of an ``nn.Sequential``, nested ones spliced in."""
    nn = import_torch().nn
    return [leaf for child in module for leaf in (_leaves(child) if isinstance(child, nn.Sequential) else [child])]


def _folds_into(previous: Layer, layer: Layer) -> bool:
    """Whether `layer` is an elementwise activation that can become `previous`'s activation."""
    inner = previous.layer if isinstance(previous, TimeDistributed) else previous
    elementwise = isinstance(layer, Activation) and not isinstance(layer, Softmax)
    return elementwise and isinstance(inner, (Dense, Conv2D, ConvTranspose2D)) and isinstance(inner.activation, Linear)
