"""One layer at a time between chainrule and ``torch.nn``: a pair of converters per layer type.

Each ``to_*`` function builds the module for one layer, without its activation
(`chainrule.interop.torch.to_torch` appends that), holding copies of the weights
in the layer's dtype. Each ``from_*`` function first checks that the module's
options have a chainrule equivalent (an `UnsupportedLayerError` names the
option otherwise), then builds the layer. Tensor layouts agree (images NCHW,
sequences batch first); weights differ in two places only: a Dense weight is
(n_in, n_out) here and (n_out, n_in) in ``nn.Linear``, and a recurrent layer's
weights are PyTorch's transposed (`chainrule.ops.recurrent.to_torch_layout`;
the gate order is the same). Conventions checked to agree, so copied as they
are: BatchNorm's momentum and eps, max pooling's −∞ padding, average pooling's
``count_include_pad`` and both poolings' ``ceil_mode``.

torch is imported when a function runs, never when this module is imported.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any, Callable

import numpy as np

from chainrule.interop.errors import UnsupportedLayerError
from chainrule.interop.sequences import step_activation
from chainrule.layers import (
    ConvTranspose2D,
    GRU, LSTM, RNN, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, Embedding, Flatten, Layer, LeakyReLU, Linear,
    MaxPool2D, RecurrentOutputs, ReLU, Sigmoid, Softmax, Tanh, TimeDistributed,
)
from chainrule.layers.recurrent import Recurrent
from chainrule.ops.recurrent import from_torch_layout, to_torch_layout
from chainrule.tensor import Tensor

RECURRENT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def import_torch() -> Any:
    """The torch package, or an ImportError that says how to install it."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError("PyTorch interop needs torch: pip install 'chainrule[torch]' (or pip install torch)") \
            from None


def torch_dtype(layer: Layer) -> Any:
    """The torch dtype matching a layer's dtype (modules are created in it, so no precision is lost)."""
    torch = import_torch()
    return torch.float64 if layer.dtype == np.float64 else torch.float32


def _load(module: Any, **arrays: np.ndarray | None) -> Any:
    """Copy each array into the parameter or buffer of that name (None: leave it); returns the module."""
    torch = import_torch()
    with torch.no_grad():
        for name, array in arrays.items():
            if array is not None:
                getattr(module, name).copy_(torch.from_numpy(np.ascontiguousarray(array).copy()))
    return module


def _array(value: Any) -> np.ndarray | None:
    return None if value is None else value.detach().cpu().numpy()


def _cast(layer: Layer, module: Any, **arrays: np.ndarray | None) -> Layer:
    """`layer` in the dtype of `module`'s parameters, with each array copied into the attribute of that name."""
    layer.to(_array(next(module.parameters())).dtype)
    for name, array in arrays.items():
        if array is not None:
            target = getattr(layer, name)
            (target.data if isinstance(target, Tensor) else target)[...] = array
    return layer


def _unsupported(module: Any, why: str) -> UnsupportedLayerError:
    return UnsupportedLayerError(f"from_torch: {module!r} has no chainrule equivalent: {why}")


def _built(layer: Layer, built: bool, how: str) -> None:
    if not built:
        raise ValueError(f"to_torch: this {type(layer).__name__} layer has no weights yet; run one batch through it "
                         f"or give {how}")


# -------------------------------------------------------------- Dense, activations


def to_linear(layer: Dense) -> Any:
    _built(layer, layer.weight is not None, "input_size")
    module = import_torch().nn.Linear(layer.input_size, layer.neurons, bias=layer.bias is not None,
                                      dtype=torch_dtype(layer))
    return _load(module, weight=layer.weight.data.T, bias=None if layer.bias is None else layer.bias.data)


def from_linear(module: Any) -> Dense:
    layer = Dense(module.out_features, input_size=module.in_features, bias=module.bias is not None)
    return _cast(layer, module, weight=_array(module.weight).T, bias=_array(module.bias))


def to_time_distributed(layer: TimeDistributed) -> Any:
    """``nn.Linear`` works on the last axis of any input, so it is a Dense at every step as it is."""
    step_activation(layer, "to_torch")  # checks that it holds a Dense
    return to_linear(layer.layer)


# ------------------------------------------------------------------ Conv2D, pooling


def to_conv2d(layer: Conv2D) -> Any:
    _built(layer, layer.weight is not None, "in_channels")
    module = import_torch().nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                                      layer.padding, layer.dilation, groups=layer.groups,
                                      bias=layer.bias is not None, dtype=torch_dtype(layer))
    return _load(module, weight=layer.weight.data, bias=None if layer.bias is None else layer.bias.data)


def from_conv2d(module: Any) -> Conv2D:
    if module.padding_mode != "zeros":
        raise _unsupported(module, "chainrule's Conv2D has zero padding only")
    padding = 0 if module.padding == "valid" else module.padding
    try:
        layer = Conv2D(module.out_channels, module.kernel_size, module.stride, padding, module.dilation,
                       in_channels=module.in_channels, bias=module.bias is not None, groups=module.groups)
    except ValueError as error:  # padding="same" that pads unevenly
        raise _unsupported(module, str(error)) from None
    return _cast(layer, module, weight=_array(module.weight), bias=_array(module.bias))


def to_conv_transpose2d(layer: ConvTranspose2D) -> Any:
    _built(layer, layer.weight is not None, "in_channels")
    module = import_torch().nn.ConvTranspose2d(
        layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding, layer.output_padding,
        bias=layer.bias is not None, dilation=layer.dilation, dtype=torch_dtype(layer))
    return _load(module, weight=layer.weight.data, bias=None if layer.bias is None else layer.bias.data)


def from_conv_transpose2d(module: Any) -> ConvTranspose2D:
    if module.groups != 1 or module.padding_mode != "zeros":
        raise _unsupported(module, "chainrule's ConvTranspose2D has groups=1 and zero padding only")
    layer = ConvTranspose2D(module.out_channels, module.kernel_size, module.stride, module.padding,
                            module.output_padding, module.dilation, in_channels=module.in_channels,
                            bias=module.bias is not None)
    return _cast(layer, module, weight=_array(module.weight), bias=_array(module.bias))


def to_max_pool2d(layer: MaxPool2D) -> Any:
    return import_torch().nn.MaxPool2d(layer.kernel_size, layer.stride, layer.padding, ceil_mode=layer.ceil_mode)


def to_avg_pool2d(layer: AvgPool2D) -> Any:
    return import_torch().nn.AvgPool2d(layer.kernel_size, layer.stride, layer.padding, ceil_mode=layer.ceil_mode,
                                       count_include_pad=layer.count_include_pad)


def from_max_pool2d(module: Any) -> MaxPool2D:
    if module.dilation not in (1, (1, 1)) or module.return_indices:
        raise _unsupported(module, "chainrule's MaxPool2D has dilation=1 and return_indices=False")
    return MaxPool2D(module.kernel_size, module.stride, module.padding, module.ceil_mode)


def from_avg_pool2d(module: Any) -> AvgPool2D:
    if module.divisor_override is not None:
        raise _unsupported(module, "chainrule's AvgPool2D has no divisor_override")
    return AvgPool2D(module.kernel_size, module.stride, module.padding, module.ceil_mode, module.count_include_pad)


# ---------------------------------------------------------------------- BatchNorm


def to_batch_norm(layer: BatchNorm, images: bool = False) -> Any:
    """``BatchNorm2d`` for (N, C, H, W) input (`images`), else ``BatchNorm1d``; running averages copied."""
    _built(layer, layer.weight is not None, "num_features")
    nn = import_torch().nn
    kind = nn.BatchNorm2d if images else nn.BatchNorm1d
    module = kind(layer.num_features, eps=layer.eps, momentum=layer.momentum, dtype=torch_dtype(layer))
    return _load(module, weight=layer.weight.data, bias=layer.bias.data, running_mean=layer.running_mean,
                 running_var=layer.running_var)


def from_batch_norm(module: Any) -> BatchNorm:
    if not module.affine or not module.track_running_stats or module.momentum is None:
        raise _unsupported(module, "chainrule's BatchNorm has affine=True, track_running_stats=True and a "
                                   "momentum (not None, the cumulative average)")
    layer = BatchNorm(module.num_features, momentum=module.momentum, eps=module.eps)
    return _cast(layer, module, weight=_array(module.weight), bias=_array(module.bias),
                 running_mean=_array(module.running_mean), running_var=_array(module.running_var))


# ---------------------------------------------------------------------- Embedding


def to_embedding(layer: Embedding) -> Any:
    module = import_torch().nn.Embedding(layer.num_embeddings, layer.embedding_dim, dtype=torch_dtype(layer))
    return _load(module, weight=layer.weight.data)


def from_embedding(module: Any) -> Embedding:
    if module.padding_idx is not None or module.max_norm is not None or module.scale_grad_by_freq:
        raise _unsupported(module, "chainrule's Embedding has no padding_idx, max_norm or scale_grad_by_freq")
    return _cast(Embedding(module.num_embeddings, module.embedding_dim), module, weight=_array(module.weight))


# ------------------------------------------------------------------ RNN, GRU, LSTM


def to_recurrent(layer: Recurrent) -> Any:
    """``nn.RNN``/``GRU``/``LSTM``, ``batch_first=True``: called as ours is, ``outputs, state = module(x, state)``."""
    _built(layer, layer.input_size is not None, "input_size")
    kind = getattr(import_torch().nn, layer.cell.upper())
    module = kind(layer.input_size, layer.hidden_size, layer.num_layers, batch_first=True, dtype=torch_dtype(layer))
    for k in range(layer.num_layers):
        arrays = to_torch_layout(*layer.layer_parameters(k))
        _load(module, **{f"{name}_l{k}": array for name, array in zip(RECURRENT_NAMES, arrays)})
    return module


def from_recurrent(module: Any) -> Recurrent:
    if not module.batch_first or module.bidirectional or not module.bias:
        raise _unsupported(module, "chainrule's recurrent layers are batch_first=True, one direction, with biases")
    if getattr(module, "nonlinearity", "tanh") != "tanh" or getattr(module, "proj_size", 0):
        raise _unsupported(module, "chainrule's RNN uses tanh, and its LSTM has no proj_size")
    if module.dropout and module.num_layers > 1:
        raise _unsupported(module, "chainrule's stacked recurrent layers have no dropout between them")
    kind = {"RNN": RNN, "GRU": GRU, "LSTM": LSTM}[type(module).__name__]
    layer = _cast(kind(module.hidden_size, input_size=module.input_size, num_layers=module.num_layers), module)
    for k in range(module.num_layers):
        arrays = from_torch_layout(*[_array(getattr(module, f"{name}_l{k}")) for name in RECURRENT_NAMES])
        for parameter, array in zip(layer.layer_parameters(k), arrays):
            parameter.data[...] = array
    return layer


@functools.cache
def _torch_recurrent_outputs() -> type:
    nn = import_torch().nn

    class TorchRecurrentOutputs(nn.Module):
        """(N, T, F) → (N, T, H): a batch-first ``nn.RNN``/``GRU``/``LSTM`` without its final state, so it can
        sit in an ``nn.Sequential`` (those modules return ``(outputs, state)``). chainrule's `RecurrentOutputs`."""

        def __init__(self, layer: Any) -> None:
            super().__init__()
            self.layer = layer

        def forward(self, x: Any) -> Any:
            return self.layer(x)[0]

    TorchRecurrentOutputs.__module__, TorchRecurrentOutputs.__qualname__ = __name__, "TorchRecurrentOutputs"
    return TorchRecurrentOutputs


def __getattr__(name: str) -> Any:
    """``TorchRecurrentOutputs`` is made when first asked for (it needs torch); pickle finds it here too."""
    if name == "TorchRecurrentOutputs":
        return _torch_recurrent_outputs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_recurrent_outputs(layer: RecurrentOutputs) -> Any:
    return _torch_recurrent_outputs()(to_recurrent(layer.layer))


def from_recurrent_outputs(module: Any) -> RecurrentOutputs:
    return RecurrentOutputs(from_recurrent(module.layer))


# --------------------------------------------------------------------------- tables

TO_TORCH: dict[type, Callable[[Any], Any]] = {
    Dense: to_linear,
    TimeDistributed: to_time_distributed,
    Conv2D: to_conv2d,
    ConvTranspose2D: to_conv_transpose2d,
    MaxPool2D: to_max_pool2d,
    AvgPool2D: to_avg_pool2d,
    BatchNorm: to_batch_norm,
    Embedding: to_embedding,
    RNN: to_recurrent,
    GRU: to_recurrent,
    LSTM: to_recurrent,
    RecurrentOutputs: to_recurrent_outputs,
    Linear: lambda layer: import_torch().nn.Identity(),
    Sigmoid: lambda layer: import_torch().nn.Sigmoid(),
    Tanh: lambda layer: import_torch().nn.Tanh(),
    ReLU: lambda layer: import_torch().nn.ReLU(),
    LeakyReLU: lambda layer: import_torch().nn.LeakyReLU(layer.slope),
    Softmax: lambda layer: import_torch().nn.Softmax(dim=layer.axis),
    Dropout: lambda layer: import_torch().nn.Dropout(layer.p),
    Flatten: lambda layer: import_torch().nn.Flatten(),
}

from chainrule.interop.torch_transformer import TRANSFORMER_TO_TORCH, transformer_from_torch_table  # noqa: E402

TO_TORCH.update(TRANSFORMER_TO_TORCH)  # LayerNorm, GELU, the attention layers, TransformerBlock, CharGPT


@functools.cache
def from_torch_table() -> dict[type, Callable[[Any], Layer]]:
    """torch module type → converter (built on first use: the keys are torch classes)."""
    nn = import_torch().nn
    return {
        nn.Linear: from_linear,
        nn.Conv2d: from_conv2d,
        nn.ConvTranspose2d: from_conv_transpose2d,
        nn.MaxPool2d: from_max_pool2d,
        nn.AvgPool2d: from_avg_pool2d,
        nn.BatchNorm1d: from_batch_norm,
        nn.BatchNorm2d: from_batch_norm,
        nn.Embedding: from_embedding,
        nn.RNN: from_recurrent,
        nn.GRU: from_recurrent,
        nn.LSTM: from_recurrent,
        _torch_recurrent_outputs(): from_recurrent_outputs,
        nn.Identity: lambda m: Linear(),
        nn.Sigmoid: lambda m: Sigmoid(),
        nn.Tanh: lambda m: Tanh(),
        nn.ReLU: lambda m: ReLU(),
        nn.LeakyReLU: lambda m: LeakyReLU(m.negative_slope),
        nn.Softmax: lambda m: Softmax(-1 if m.dim is None else m.dim),
        nn.Dropout: lambda m: Dropout(m.p),
        nn.Flatten: lambda m: Flatten(),
        **transformer_from_torch_table(),
    }
