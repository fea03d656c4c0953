"""`Conv2D`, a 2-D convolution layer, y = f(conv(x, W) + b), on (N, C, H, W) images; and
`ConvTranspose2D`, its transpose (learned upsampling, `chainrule.ops.conv_transpose`).

Parameters: `weight` W of shape (out_channels, in_channels, kh, kw) and `bias` b of
shape (out_channels,). As `Dense` does with its inputs, the layer reads in_channels
from the first batch it sees unless `in_channels` is given. Linear, Sigmoid, Tanh and
ReLU activations run inside the convolution's operation (`chainrule.ops.conv`);
others are applied after it.

The book's ``Conv2D(out_channels=16, param_size=5, ...)`` pads "same" (param_size // 2)
and has no bias: ``Conv2D(16, 5, padding=2, bias=False)`` here.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from chainrule.init import SCHEMES, initialize
from chainrule.layers.activations import Activation, as_activation
from chainrule.layers.base import LazilyBuilt, Layer
from chainrule.ops.conv import as_pair, check_fits, check_groups, check_image_batch, conv2d, same_padding
from chainrule.ops.conv_transpose import conv_transpose2d
from chainrule.tensor import Parameter, Tensor


class _Convolution(LazilyBuilt):
    """What Conv2D and ConvTranspose2D share: checked arguments, lazy parameters, input checks."""

    size_attribute = "in_channels"

    def _setup(self, out_channels: Any, kernel_size: Any, stride: Any, dilation: Any, activation: Any,
               weight_init: str, bias: bool) -> None:
        who = type(self).__name__
        if not isinstance(out_channels, (int, np.integer)) or isinstance(out_channels, bool) or out_channels <= 0:
            raise ValueError(f"{who}(out_channels): must be a positive integer, got {out_channels!r}")
        if weight_init not in SCHEMES:
            raise ValueError(f"{who}: weight_init must be one of {SCHEMES}, got {weight_init!r}")
        self.out_channels = int(out_channels)
        self.kernel_size = as_pair(kernel_size, f"{who}: kernel_size", 1)
        self.stride = as_pair(stride, f"{who}: stride", 1)
        self.dilation = as_pair(dilation, f"{who}: dilation", 1)
        self.activation = as_activation(activation)
        self.weight_init = weight_init
        self.use_bias = bool(bias)
        self.in_channels: int | None = None
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None

    def _weight_shape(self, in_channels: int) -> tuple[int, ...]:
        raise NotImplementedError

    def _shapes(self, in_channels: int) -> dict[str, tuple[int, ...]]:
        shapes = {"weight": self._weight_shape(in_channels)}
        return {**shapes, "bias": (self.out_channels,)} if self.use_bias else shapes

    def _initial(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        return initialize(self.weight_init, shape, self.rng, self.dtype) if name == "weight" else np.zeros(shape, self.dtype)

    def _checked(self, x: Tensor) -> str:
        """Check an input batch against this layer; returns the layer's name for later messages."""
        name = f"{type(self).__name__}({self.out_channels}, {self.kernel_size[0]}×{self.kernel_size[1]})"
        check_image_batch(x.shape, name)
        if self.in_channels is not None and x.shape[1] != self.in_channels:
            raise ValueError(
                f"{name} was built for {self.in_channels} input channels but got input of shape {x.shape} "
                f"({x.shape[1]} channels); in NCHW the channels are axis 1"
            )
        self.check_dtype(x, name)
        return name


class Conv2D(_Convolution):
    """A convolution layer.

    Args:
        out_channels: the number of filters O.
        kernel_size: k or (kh, kw).
        stride, dilation: an int or a (height, width) pair.
        padding: an int, a pair, or "same" (stride 1 and an odd kernel: the output keeps H×W).
        activation: a layer (``Tanh()``), a name (``"tanh"``) or None.
        weight_init: "glorot" (default), "he" or "standard"; fans count the kernel's
            area (fan_in = C·kh·kw, fan_out = O·kh·kw), as in PyTorch.
        in_channels: C, if known; otherwise read from the first input.
        bias: whether to add a bias (starts at zero).
        groups: independent convolutions over as many slices of the channels (weight
            (O, C/groups, kh, kw)); groups = C is depthwise.

    Input (N, C, H, W) → output (N, O, Ho, Wo), Ho = ⌊(H + 2·padding − dilation·(kh − 1) − 1)/stride⌋ + 1.

    >>> layer = Conv2D(8, 3, padding="same", activation="relu")
    >>> layer(np.zeros((2, 1, 28, 28))).shape, layer.weight.shape
    ((2, 8, 28, 28), (8, 1, 3, 3))
    """

    sized_by = ("weight", 1)

    def __init__(
        self,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] | str = 0,
        dilation: int | Sequence[int] = 1,
        activation: Layer | str | None = None,
        weight_init: str = "glorot",
        in_channels: int | None = None,
        bias: bool = True,
        groups: int = 1,
    ) -> None:
        super().__init__()
        self._setup(out_channels, kernel_size, stride, dilation, activation, weight_init, bias)
        self.padding = padding if padding == "same" else as_pair(padding, "Conv2D: padding", 0)
        self._padding = self._resolve_padding()
        self.groups = check_groups("Conv2D", groups, groups, self.out_channels)
        if in_channels is not None:
            self._set_size(in_channels)

    def _resolve_padding(self) -> tuple[int, int]:
        if self.padding != "same":
            return self.padding
        return same_padding(self.kernel_size, self.stride, self.dilation, "Conv2D")

    @property
    def padding_pixels(self) -> tuple[int, int]:
        """The zeros added on each side, (height, width): "same" worked out for this kernel."""
        return self._padding

    def _weight_shape(self, in_channels: int) -> tuple[int, ...]:
        check_groups("Conv2D", self.groups, in_channels, self.out_channels)
        return (self.out_channels, in_channels // self.groups, *self.kernel_size)

    def forward(self, x: Tensor) -> Tensor:
        name = self._checked(x)
        check_fits(name, x.shape[2:], self.kernel_size, self._padding, self.dilation)
        if self.weight is None:
            self._build(x.shape[1])
        fused = self.activation.fused_name if isinstance(self.activation, Activation) else None
        y = conv2d(x, self.weight, self.bias, self.stride, self._padding, self.dilation, fused or "linear",
                   self.groups)
        return y if fused is not None else self.activation(y)

    def _state_size(self, shapes: Any, prefix: str) -> int | None:
        size = super()._state_size(shapes, prefix)
        if size is None or self.in_channels is not None:
            return size
        return size * self.groups  # read from the weight, which holds C/groups input channels

    def config(self) -> dict[str, Any]:
        return {
            "out_channels": self.out_channels,
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "activation": self.activation,
            "weight_init": self.weight_init,
            "in_channels": self.in_channels,
            "bias": self.use_bias,
            "groups": self.groups,
        }


class ConvTranspose2D(_Convolution):
    """A transposed convolution: learned upsampling, the decoder's counterpart of `Conv2D`.

    Args:
        out_channels: O.
        kernel_size: k or (kh, kw).
        stride, padding, output_padding, dilation: an int or a (height, width) pair.
        activation: a layer (``Tanh()``), a name (``"tanh"``) or None; applied after the operation.
        weight_init: "glorot" (default), "he" or "standard"; fans as PyTorch counts them for this
            layer (fan_in = O·kh·kw, fan_out = C·kh·kw: the weight is (C, O, kh, kw)).
        in_channels: C, if known; otherwise read from the first input.
        bias: whether to add a bias (starts at zero).

    Input (N, C, H, W) → output (N, O, Ho, Wo), Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1)
    + output_padding + 1; kernel 4, stride 2, padding 1 doubles H and W.

    >>> ConvTranspose2D(8, 4, stride=2, padding=1)(np.zeros((2, 3, 7, 7))).shape
    (2, 8, 14, 14)
    """

    sized_by = ("weight", 0)

    def __init__(
        self,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        activation: Layer | str | None = None,
        weight_init: str = "glorot",
        in_channels: int | None = None,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self._setup(out_channels, kernel_size, stride, dilation, activation, weight_init, bias)
        self.padding = as_pair(padding, "ConvTranspose2D: padding", 0)
        self.output_padding = as_pair(output_padding, "ConvTranspose2D: output_padding", 0)
        if in_channels is not None:
            self._set_size(in_channels)

    def _weight_shape(self, in_channels: int) -> tuple[int, ...]:
        # (C, O, kh, kw): fans read from axis 1 and 0, as PyTorch counts them for this layer
        return (in_channels, self.out_channels, *self.kernel_size)

    def forward(self, x: Tensor) -> Tensor:
        self._checked(x)
        if self.weight is None:
            self._build(x.shape[1])
        y = conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                             self.dilation)
        return self.activation(y)

    def config(self) -> dict[str, Any]:
        return {
            "out_channels": self.out_channels,
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "dilation": self.dilation,
            "activation": self.activation,
            "weight_init": self.weight_init,
            "in_channels": self.in_channels,
            "bias": self.use_bias,
        }
