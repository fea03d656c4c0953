"""`MaxPool2D` and `AvgPool2D`: pooling layers over (N, C, H, W) feature maps.

Each wraps the operation of the same name in `chainrule.ops.pooling` (where the
derivatives are written). No parameters. The stride defaults to the kernel size
(non-overlapping windows), as in PyTorch and Keras; `ceil_mode` and (for the average)
`count_include_pad` mean what they mean in PyTorch.
"""

from __future__ import annotations

from typing import Any, Sequence

from chainrule.layers.base import Layer
from chainrule.ops.conv import as_pair
from chainrule.ops.pooling import avg_pool2d, max_pool2d
from chainrule.tensor import Tensor


class _Pool2D(Layer):
    def __init__(self, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
                 padding: int | Sequence[int] = 0, ceil_mode: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = as_pair(kernel_size, f"{name}: kernel_size", 1)
        self.stride = self.kernel_size if stride is None else as_pair(stride, f"{name}: stride", 1)
        self.padding = as_pair(padding, f"{name}: padding", 0)
        self.ceil_mode = bool(ceil_mode)

    def config(self) -> dict[str, Any]:
        return {"kernel_size": self.kernel_size, "stride": self.stride, "padding": self.padding,
                "ceil_mode": self.ceil_mode}


class MaxPool2D(_Pool2D):
    """The maximum of each window (padding counts as −∞); the gradient goes to the window's arg-max.

    >>> import numpy as np
    >>> MaxPool2D(2)(np.zeros((1, 3, 28, 28))).shape
    (1, 3, 14, 14)
    """

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode)


class AvgPool2D(_Pool2D):
    """The mean of each window (zero padding counts in the divisor, as PyTorch's default).

    y = (1/(kh·kw)) Σ over the window;  ∂L/∂x = g/(kh·kw) to every element of the window.

    >>> import numpy as np
    >>> AvgPool2D(2)(np.ones((1, 3, 28, 28))).shape
    (1, 3, 14, 14)
    """

    def __init__(self, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
                 padding: int | Sequence[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def config(self) -> dict[str, Any]:
        return {**super().config(), "count_include_pad": self.count_include_pad}
