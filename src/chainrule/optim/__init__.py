"""Optimizers, learning-rate schedules and gradient clipping.

* `optimizer`: the `Optimizer` base (parameters, clipping, schedules, checkpoints);
* `sgd`: `SGD`, `SGDMomentum` (and Nesterov);
* `adaptive`: `AdaGrad`, `RMSProp`, `Adam`, `AdamW`;
* `schedules`: the learning rate per epoch (the book's linear and exponential decay, …);
* `clipping`: `clip_grad_norm`, `clip_grad_value`.

Every rule matches the ``torch.optim`` class of the same name to rounding (tested).
"""

from chainrule.optim.adaptive import AdaGrad, Adam, AdamW, RMSProp
from chainrule.optim.clipping import clip_grad_norm, clip_grad_value
from chainrule.optim.optimizer import Optimizer
from chainrule.optim.schedules import (
    ConstantLR, CosineDecay, ExponentialDecay, LinearDecay, LRSchedule, StepDecay, WarmupCosine,
)
from chainrule.optim.sgd import SGD, SGDMomentum

__all__ = [
    "Optimizer", "SGD", "SGDMomentum", "AdaGrad", "RMSProp", "Adam", "AdamW",
    "LRSchedule", "ConstantLR", "LinearDecay", "ExponentialDecay", "StepDecay", "CosineDecay",
    "WarmupCosine", "clip_grad_norm", "clip_grad_value",
]
