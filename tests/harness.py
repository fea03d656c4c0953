"""The shared test harness for operations and layers.

`check_case` runs one `Case`:

1. a float64 finite-difference check of our backward (`chainrule.gradcheck`);
2. when PyTorch is importable, the same function in PyTorch on the same
   inputs: forward values and gradients of the same randomly weighted loss
   must agree to 1e-6 relative.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

import chainrule as cr

HAS_TORCH = importlib.util.find_spec("torch") is not None


@dataclass
class Case:
    """One way of calling an operation.

    Args:
        op: the name of the operation (for reports and the coverage test).
        ours: takes chainrule Tensors, returns a Tensor or a tuple of Tensors.
        theirs: the same in PyTorch (takes and returns torch tensors), or None.
        inputs: makes the float64 input arrays from a random generator.
        id: a short label for the parameter id.
    """

    op: str
    ours: Callable[..., Any]
    theirs: Callable[..., Any] | None
    inputs: Callable[[np.random.Generator], Sequence[np.ndarray]]
    id: str = ""
    gradcheck_kwargs: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.op}-{self.id}" if self.id else self.op


def normal(*shape: int) -> Callable[[np.random.Generator], list[np.ndarray]]:
    """An input maker: one standard-normal array per shape given as tuples, or one array."""
    shapes = shape if shape and isinstance(shape[0], tuple) else (shape,)
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def away_from_zero(*shape: int, low: float = 0.1, high: float = 2.0):
    """An input maker for functions with a kink at 0 (|x|, ReLU): |x| ≥ low."""
    return lambda rng: [rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)]


def positive(*shape: int, low: float = 0.2, high: float = 3.0):
    """An input maker for log, sqrt and powers: values in [low, high]."""
    return lambda rng: [rng.uniform(low, high, size=shape)]


def as_tuple(outputs: Any) -> tuple:
    return tuple(outputs) if isinstance(outputs, (tuple, list)) else (outputs,)


def check_case(case: Case, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a, dtype=np.float64) for a in case.inputs(rng)]
    cr.gradcheck(case.ours, [a.copy() for a in arrays], **case.gradcheck_kwargs)
    if HAS_TORCH and case.theirs is not None:
        check_against_torch(case.ours, case.theirs, arrays, rng)


def check_against_torch(
    ours: Callable[..., Any],
    theirs: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    rng: np.random.Generator,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Same inputs into both frameworks: same outputs, same gradients of a weighted sum."""
    import torch

    our_inputs = [cr.Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
    torch_inputs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    our_outputs = as_tuple(ours(*our_inputs))
    torch_outputs = as_tuple(theirs(*torch_inputs))
    assert len(our_outputs) == len(torch_outputs), "different number of outputs"
    weights = [rng.standard_normal(o.shape) for o in our_outputs]
    for mine, yours in zip(our_outputs, torch_outputs):
        np.testing.assert_allclose(mine.data, yours.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward")
    our_loss = sum((o * w).sum() for o, w in zip(our_outputs, weights))
    torch_loss = sum((o * torch.tensor(w)).sum() for o, w in zip(torch_outputs, weights))
    our_loss.backward()
    torch_loss.backward()
    for index, (mine, yours) in enumerate(zip(our_inputs, torch_inputs)):
        expected = np.zeros_like(arrays[index]) if yours.grad is None else yours.grad.numpy()
        got = np.zeros_like(arrays[index]) if mine.grad is None else mine.grad.data
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=f"gradient of input {index}")


def check_layer_gradients(layer: cr.Layer, x: np.ndarray, **gradcheck_kwargs: Any) -> None:
    """Finite-difference check of a layer's gradients for its input and every parameter, in float64."""
    layer.to(np.float64)
    layer(x)  # lazily sized layers create their parameters here
    params = layer.parameters()
    cr.gradcheck(lambda inp, *_: layer(inp), [np.asarray(x, dtype=np.float64), *params], **gradcheck_kwargs)


def interrupt_step(optimizer: Any, at: int) -> None:
    """Make `optimizer.step` raise KeyboardInterrupt at its `at`-th call (from 1): a Ctrl-C mid-run."""
    calls, step = [0], optimizer.step

    def interrupted_step():
        calls[0] += 1
        if calls[0] == at:
            raise KeyboardInterrupt
        step()

    optimizer.step = interrupted_step


def interrupt_class_step(monkeypatch: Any, optimizer_class: type, at: int) -> Callable:
    """Make every `optimizer_class.step` call count, the `at`-th raising KeyboardInterrupt (a Ctrl-C inside a
    command that makes its own optimizer); returns the original `step`, to put back with monkeypatch."""
    original, calls = optimizer_class.step, [0]

    def interrupted_step(self):
        calls[0] += 1
        if calls[0] == at:
            raise KeyboardInterrupt
        original(self)

    monkeypatch.setattr(optimizer_class, "step", interrupted_step)
    return original


def spy_on_kernels(monkeypatch: Any) -> list:
    """Record what `chainrule.ops.compiled.kernel` returns while the kernels are on (a C function, or None
    where the operation keeps its NumPy path): proof that a compiled kernel really ran."""
    from chainrule.ops import compiled

    returned, kernel = [], compiled.kernel

    def spy(*args: Any, **kwargs: Any) -> Any:
        function = kernel(*args, **kwargs)
        if compiled.enabled():
            returned.append(function)
        return function

    monkeypatch.setattr(compiled, "kernel", spy)
    return returned


def no_compiler_reason() -> str | None:
    """Why the compiled kernels cannot be tested here (no C compiler), or None."""
    from chainrule.ops import compiled

    return None if compiled.compiler() else "no C compiler ($CC or cc): the compiled kernels cannot be built"
