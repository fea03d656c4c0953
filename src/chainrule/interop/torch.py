"""PyTorch interop: `to_torch(model)` gives an equivalent ``torch.nn.Module`` with the same
weights, and `from_torch(module)` the reverse.

This is the path for users who outgrow one machine: train or serve the same
model with PyTorch on many GPUs and nodes. Layouts differ in one place only: a
Dense weight is (n_in, n_out) here and (n_out, n_in) in ``torch.nn.Linear``.

Converters live in the two tables at the bottom, one function per layer type.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

import numpy as np

from chainrule.layers import Dense, Dropout, Flatten, Layer, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh
from chainrule.network import NeuralNetwork


def _torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError("PyTorch interop needs torch: pip install 'chainrule[torch]' (or pip install torch)") from None


def _tensor(array: np.ndarray) -> Any:
    torch = _torch()
    return torch.from_numpy(np.ascontiguousarray(array).copy())


def torch_dtype(layer: Layer) -> Any:
    """The torch dtype matching a layer's dtype (modules are created in it, so no precision is lost)."""
    torch = _torch()
    return torch.float64 if layer.dtype == np.float64 else torch.float32


# ------------------------------------------------------------------ to torch


def to_torch(model: Layer) -> Any:
    """An equivalent ``torch.nn.Module`` holding copies of `model`'s weights (same dtype).

    >>> import chainrule as cr                                   # doctest: +SKIP
    >>> module = to_torch(cr.NeuralNetwork([cr.Dense(3, "tanh", input_size=2)]))  # doctest: +SKIP
    """
    converter = _TO_TORCH.get(type(model))
    if converter is None:
        raise NotImplementedError(
            f"to_torch: no PyTorch equivalent for {type(model).__name__} yet; "
            f"supported: {sorted(cls.__name__ for cls in _TO_TORCH)}"
        )
    return converter(model).to(torch_dtype(model))


def _sequential(net: NeuralNetwork) -> Any:
    nn = _torch().nn
    return nn.Sequential(*[to_torch(layer) for layer in net.layers])


def _dense(layer: Dense) -> Any:
    nn = _torch().nn
    if layer.weight is None:
        raise ValueError("to_torch: this Dense layer has no weights yet; run one batch through it or give input_size")
    linear = nn.Linear(layer.input_size, layer.neurons, bias=layer.bias is not None, dtype=torch_dtype(layer))
    with _torch().no_grad():
        linear.weight.copy_(_tensor(layer.weight.data.T))
        if layer.bias is not None:
            linear.bias.copy_(_tensor(layer.bias.data))
    activation = to_torch(layer.activation)
    return linear if isinstance(layer.activation, Linear) else nn.Sequential(linear, activation)


_TO_TORCH: dict[type, Callable[[Any], Any]] = {
    NeuralNetwork: _sequential,
    Dense: _dense,
    Linear: lambda layer: _torch().nn.Identity(),
    Sigmoid: lambda layer: _torch().nn.Sigmoid(),
    Tanh: lambda layer: _torch().nn.Tanh(),
    ReLU: lambda layer: _torch().nn.ReLU(),
    LeakyReLU: lambda layer: _torch().nn.LeakyReLU(layer.slope),
    Softmax: lambda layer: _torch().nn.Softmax(dim=layer.axis),
    Dropout: lambda layer: _torch().nn.Dropout(layer.p),
    Flatten: lambda layer: _torch().nn.Flatten(),
}


# ---------------------------------------------------------------- from torch


def from_torch(module: Any) -> Layer:
    """A chainrule layer or network equivalent to a ``torch.nn`` module, weights copied.

    ``nn.Sequential`` becomes a `NeuralNetwork` (without a loss: set ``net.loss``).
    """
    nn = _torch().nn
    if isinstance(module, nn.Sequential):
        layers = [from_torch(child) for child in module]
        dtypes = {layer.dtype for layer in layers if layer.parameters()}
        net = NeuralNetwork(layers)
        return net.to(dtypes.pop()) if len(dtypes) == 1 else net
    for torch_type, converter in _from_torch_table().items():
        if type(module) is torch_type:
            return converter(module)
    raise NotImplementedError(f"from_torch: no chainrule equivalent for {type(module).__name__} yet")


def _from_linear(module: Any) -> Dense:
    weight = module.weight.detach().cpu().numpy()
    dtype = weight.dtype
    layer = Dense(module.out_features, input_size=module.in_features, bias=module.bias is not None).to(dtype)
    layer.weight.data[...] = weight.T
    if module.bias is not None:
        layer.bias.data[...] = module.bias.detach().cpu().numpy()
    return layer


def _from_torch_table() -> dict[type, Callable[[Any], Layer]]:
    nn = _torch().nn
    return {
        nn.Linear: _from_linear,
        nn.Identity: lambda m: Linear(),
        nn.Sigmoid: lambda m: Sigmoid(),
        nn.Tanh: lambda m: Tanh(),
        nn.ReLU: lambda m: ReLU(),
        nn.LeakyReLU: lambda m: LeakyReLU(m.negative_slope),
        nn.Softmax: lambda m: Softmax(-1 if m.dim is None else m.dim),
        nn.Dropout: lambda m: Dropout(m.p),
        nn.Flatten: lambda m: Flatten(),
    }
