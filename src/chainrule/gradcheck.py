"""`gradcheck`: compare backward() with central finite differences in float64.

For a function f of tensors x₁…xₙ, pick a fixed random weighting R of its
outputs and let L = Σ R ∘ f(x). Backward gives ∂L/∂x in one pass; the check
recomputes every element of it as

    ∂L/∂x_i ≈ (L(x + ε·e_i) − L(x − ε·e_i)) / (2ε)

(central differences have error O(ε²)). Random weights make every output
element count, so a wrong Jacobian entry cannot hide behind a plain sum.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from chainrule.tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when analytic and numerical gradients disagree."""


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of ``fn(*inputs)`` with respect to every input that requires grad.

    Args:
        fn: takes the inputs as float64 Tensors, returns a Tensor or a tuple of Tensors.
        inputs: Tensors or arrays. Tensors keep their `requires_grad`; plain arrays
            are checked (they become float64 tensors that require grad).
        eps: finite-difference step.
        atol, rtol: an element passes if |analytic − numeric| ≤ atol + rtol·|numeric|.
        seed: seeds the random output weighting.
        raise_exception: raise `GradcheckError` naming the worst element (default),
            or return False.

    Returns:
        True when every element agrees.

    >>> import chainrule as cr
    >>> gradcheck(lambda x: cr.tanh(x) * x, [np.array([0.5, -1.0, 2.0])])
    True
    """
    tensors = [_as_float64(x) for x in inputs]
    checked = [t for t in tensors if t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    rng = np.random.default_rng(seed)
    weights: list[np.ndarray] | None = None

    def weighted_loss() -> Tensor:
        nonlocal weights
        outputs = fn(*tensors)
        outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
        if weights is None:
            weights = [rng.standard_normal(o.shape) for o in outputs]
        total = None
        for out, w in zip(outputs, weights):
            if out.dtype != np.float64:
                raise TypeError(f"gradcheck: fn returned a {out.dtype} tensor; keep it float64")
            term = (out * w).sum()
            total = term if total is None else total + term
        return total

    for t in checked:
        t.grad = None
    weighted_loss().backward()
    analytic = [np.zeros_like(t.data) if t.grad is None else t.grad.data.copy() for t in checked]

    for position, (t, grad) in enumerate(zip(checked, analytic)):
        numeric = np.zeros_like(t.data)
        flat = t.data.reshape(-1)  # a view: perturbing it perturbs the input
        for i in range(flat.size):  # with the graph on: fn may differentiate inside
            original = flat[i]
            flat[i] = original + eps
            up = weighted_loss().item()
            flat[i] = original - eps
            down = weighted_loss().item()
            flat[i] = original
            numeric.reshape(-1)[i] = (up - down) / (2 * eps)
        error = np.asarray(np.abs(grad - numeric) - (atol + rtol * np.abs(numeric)))
        error[np.isnan(grad) != np.isnan(numeric)] = np.inf  # a NaN on one side only is a failure
        error[np.isnan(grad) & np.isnan(numeric)] = -np.inf
        if error.size and error.max() > 0:
            worst = np.unravel_index(int(np.argmax(error)), error.shape)
            message = (
                f"gradcheck failed for input {position} (shape {t.shape}) at index {tuple(int(i) for i in worst)}: "
                f"backward gives {grad[worst]:.10g}, finite differences give {numeric[worst]:.10g}"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _as_float64(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        if x.dtype != np.float64:
            raise TypeError(
                f"gradcheck needs float64 inputs for accurate finite differences, got {x.dtype}; "
                "pass Tensor(..., dtype=np.float64) or a NumPy array"
            )
        if not x.data.flags.writeable or x.data.base is not None or not x.data.flags.c_contiguous:
            x.data = np.array(x.data, order="C")  # perturbed through a flat view, which must not be a copy
        return x
    return Tensor(np.array(x, dtype=np.float64, order="C"), requires_grad=True, dtype=np.float64)
