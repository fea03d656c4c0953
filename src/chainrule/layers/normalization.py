"""`BatchNorm`: batch normalisation of (N, C) activations or (N, C, H, W) feature maps.

Learned per-channel scale `weight` (γ, starts at 1) and shift `bias` (β, starts at 0);
buffers `running_mean` (starts at 0) and `running_var` (starts at 1), saved in
`state_dict` with the parameters. In training mode each batch is normalised with its
own mean and (biased) variance and the running averages move towards them by
`momentum` (the unbiased variance, as PyTorch); in `eval()` mode the running averages
are used. One layer covers both ``torch.nn.BatchNorm1d`` (2-D input) and
``BatchNorm2d`` (4-D input, statistics over N, H, W). The formulas are in
`chainrule.ops.normalization`.

Under data-parallel training (`chainrule.distributed`, ``mpiexec -n N``) each rank
normalises by default with the statistics of its own shard of the batch, as PyTorch's
``DistributedDataParallel`` does: N ranks then do not train exactly like one process
with the whole batch (the layers without batch statistics do). Evaluation, checkpoints
and the saved model use rank 0's running averages, which every rank receives before
each evaluation. ``BatchNorm(sync=True)`` instead sums the statistics over the ranks
(as ``torch.nn.SyncBatchNorm``; three small all-reduces per layer and step), and N
ranks train like one process again; every shard must then have rows (the Trainer
says so when a last batch has fewer rows than there are ranks). Alone, ``sync`` changes nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.layers.base import LazilyBuilt, Layer
from chainrule.ops.normalization import batch_norm, layer_norm
from chainrule.tensor import Parameter, Tensor


class BatchNorm(LazilyBuilt):
    """Normalise each channel (axis 1), then scale and shift it.

    Args:
        num_features: the number of channels C; read from the first input if not given.
        momentum: how far the running averages move towards each batch's statistics.
        eps: added to the variance before the square root.
        sync: under data-parallel training, normalise with the statistics of the whole batch,
            summed over the ranks, instead of each rank's shard (see above).

    >>> layer = BatchNorm()
    >>> out = layer(np.random.default_rng(0).normal(5.0, 3.0, size=(64, 4)))
    >>> bool(abs(out.numpy().mean()) < 1e-5), layer.running_mean.shape
    (True, (4,))
    """

    size_attribute = "num_features"

    buffer_names = ("running_mean", "running_var")

    def __init__(self, num_features: int | None = None, momentum: float = 0.1, eps: float = 1e-5,
                 sync: bool = False) -> None:
        super().__init__()
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm: momentum must be in [0, 1], got {momentum}")
        if eps <= 0:
            raise ValueError(f"BatchNorm: eps must be positive, got {eps}")
        self.momentum, self.eps = float(momentum), float(eps)
        self.sync = bool(sync)
        self.reduce: Any = None  # set by chainrule.distributed when sync: sums an array over the ranks in place
        self.num_features: int | None = None
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        self.running_mean: np.ndarray | None = None
        self.running_var: np.ndarray | None = None
        if num_features is not None:
            self._set_size(num_features)

    def _shapes(self, num_features: int) -> dict[str, tuple[int, ...]]:
        return dict.fromkeys(("weight", "bias", "running_mean", "running_var"), (num_features,))

    def _initial(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """γ and the running variance start at 1, β and the running mean at 0."""
        return (np.ones if name in ("weight", "running_var") else np.zeros)(shape, self.dtype)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (2, 4):
            hint = "; a batch of single-channel images needs the channel axis: x[:, None]" if x.ndim == 3 else ""
            raise ValueError(f"BatchNorm expects input of shape (N, C) or (N, C, H, W), got {x.shape}{hint}")
        if self.num_features is not None and x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm({self.num_features}) expected {self.num_features} channels on axis 1, got input {x.shape}"
            )
        if x.dtype != self.dtype:
            raise TypeError(f"BatchNorm has {self.dtype} parameters but got a {x.dtype} input; cast one of them")
        if self.weight is None:
            self._build(x.shape[1])
        return batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var,
                          self.training, self.momentum, self.eps, self.reduce if self.sync else None)

    def config(self) -> dict[str, Any]:
        return {"num_features": self.num_features, "momentum": self.momentum, "eps": self.eps, "sync": self.sync}


class LayerNorm(Layer):
    """Normalise each sample over its last axes, then scale by γ and shift by β (``torch.nn.LayerNorm``).

    Args:
        normalized_shape: the size of the last axis (or a tuple of trailing sizes) normalised together.
        eps: added to the variance before the square root.
        elementwise_affine: learn γ (`weight`, starts at 1) and β (`bias`, starts at 0).
        bias: learn β (with `elementwise_affine`).

    Input (…, *normalized_shape) → output of the same shape; the formulas are in
    `chainrule.ops.normalization.LayerNorm`. No running statistics: training and eval() agree.

    >>> layer = LayerNorm(4)
    >>> out = layer(np.random.default_rng(0).normal(5.0, 3.0, size=(2, 3, 4)))
    >>> bool(np.abs(out.numpy().mean(axis=-1)).max() < 1e-5), out.shape
    (True, (2, 3, 4))
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        if not shape or not all(isinstance(n, (int, np.integer)) and n > 0 for n in shape):
            raise ValueError(f"LayerNorm(normalized_shape): expected positive sizes, got {normalized_shape!r}")
        if eps <= 0:
            raise ValueError(f"LayerNorm: eps must be positive, got {eps}")
        self.normalized_shape, self.eps = tuple(int(n) for n in shape), float(eps)
        self.elementwise_affine, self.use_bias = bool(elementwise_affine), bool(bias)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        affine = self.elementwise_affine
        self.weight = Parameter(np.ones(self.normalized_shape, self.dtype), dtype=self.dtype) if affine else None
        self.bias = (Parameter(np.zeros(self.normalized_shape, self.dtype), dtype=self.dtype)
                     if affine and self.use_bias else None)

    def forward(self, x: Tensor) -> Tensor:
        if x.dtype != self.dtype:
            raise TypeError(f"LayerNorm has {self.dtype} parameters but got a {x.dtype} input; cast one of them")
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def config(self) -> dict[str, Any]:
        return {"normalized_shape": self.normalized_shape, "eps": self.eps,
                "elementwise_affine": self.elementwise_affine, "bias": self.use_bias}
