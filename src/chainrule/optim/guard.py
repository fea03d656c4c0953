"""`StepGuard`: an optimizer step that never leaves NaN or infinite weights behind.

The Trainer checks the loss and the gradients before a step; a step can still
write non-finite weights from finite gradients (a learning rate of 1e38, an ε
that rounds to 0 in float32 beside a zero gradient: 0/0). So the guard copies
the weights before the step — into buffers it keeps, nothing is allocated per
step — and checks them after it (a cheap sum first, the exact test only when the
sum is not finite). When the step wrote a non-finite value, the weights are put
back as they were before it and the guard names the parameter. Only the weights are
put back: the optimizer's own state (momenta, moment estimates, step count) keeps that step.

>>> import numpy as np, chainrule as cr
>>> p = cr.Parameter(np.array([1.0, 2.0]))
>>> p.grad = cr.Tensor(np.array([1.0, 0.0]))
>>> with np.errstate(over="ignore", invalid="ignore"):  # 1e300 is inf in float32
...     StepGuard().step(cr.SGD([p], lr=1e300), [("p", p)])
'the update wrote non-finite values into p'
>>> p.data
array([1., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from chainrule.tensor import Tensor


class StepGuard:
    """Takes optimizer steps and undoes any that makes a weight NaN or infinite."""

    def __init__(self) -> None:
        self._saved: list[np.ndarray] = []
        self._checked: Any = None  # the optimizer whose parameters were found among the network's

    def step(self, optimizer: Any, named: Sequence[tuple[str, Tensor]]) -> str | None:
        """`optimizer.step()` on the parameters `named` (name, parameter); what went wrong, or None."""
        if self._checked is not optimizer:
            check_owns_parameters(optimizer, [p for _, p in named])
            self._checked = optimizer
        arrays = [p.data for _, p in named]
        if len(self._saved) != len(arrays) or any(s.shape != a.shape or s.dtype != a.dtype
                                                  for s, a in zip(self._saved, arrays)):
            self._saved = [np.empty_like(a) for a in arrays]
        for saved, array in zip(self._saved, arrays):
            np.copyto(saved, array)
        optimizer.step()
        name = first_nonfinite((name, p.data) for name, p in named)
        if name is None:
            return None
        for (_, q), saved in zip(named, self._saved):
            np.copyto(q.data, saved)
        return f"the update wrote non-finite values into {name}"


def first_nonfinite(named_arrays: Iterable[tuple[str, np.ndarray]]) -> str | None:
    """The name of the first array holding a NaN or an infinity (a cheap sum first, the exact test if it fails)."""
    for name, array in named_arrays:
        if not np.isfinite(array.sum()) and not np.isfinite(array).all():
            return name
    return None


def check_owns_parameters(optimizer: Any, params: Sequence[Tensor]) -> None:
    """Refuse an optimizer that updates none of `params` (made for another network: training would do nothing)."""
    own = {id(p) for p in params}
    theirs = optimizer.parameters()
    if params and not any(id(p) in own for p in theirs):
        name = type(optimizer).__name__
        raise ValueError(
            f"the {name} updates none of this network's parameters (it holds {len(theirs)} of another model's, "
            f"or of this one before it was rebuilt), so training would change nothing: create it for this network, "
            f"{name}(net, lr=...), or without parameters and let the Trainer attach it"
        )
