"""One training step (zero grads, forward, backward, update) as a closure, shared by the workloads.

A workload builds its model and loss in each framework; these wrap them into the
`step() -> loss` that the runner times, so every workload times the same thing.
"""

from __future__ import annotations

from typing import Any, Callable


def chainrule_step(loss_of: Callable[[], Any], optimizer: Any) -> Callable[[], float]:
    """`loss_of()` runs the forward pass and returns the loss Tensor; `optimizer` owns the parameters."""

    def step() -> float:
        optimizer.zero_grad()
        loss = loss_of()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def torch_sgd_step(loss_of: Callable[[], Any], parameters: list, lr: float, momentum: float) -> Callable[[], float]:
    """The same for PyTorch, with torch.optim.SGD(lr, momentum) over `parameters`."""
    import torch

    optimizer = torch.optim.SGD(parameters, lr=lr, momentum=momentum)

    def step() -> float:
        optimizer.zero_grad()
        loss = loss_of()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def pick(framework: str, steps: dict[str, Callable[[int], Callable[[], float]]], seed: int) -> Callable[[], float]:
    """The step of `framework` ("chainrule", "numpy" or "torch") from a workload's table of makers."""
    if framework not in steps:
        raise ValueError(f"unknown framework {framework!r}: one of {sorted(steps)}")
    return steps[framework](seed)
