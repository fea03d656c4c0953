"""One training step (zero grads, forward, backward, update) as a closure, shared by the workloads.

A workload builds its model and loss in each framework; this wraps them into the
`step() -> loss` that the runner times, so every workload times the same thing.
"""

from __future__ import annotations

from typing import Any, Callable


def training_step(loss_of: Callable[[], Any], optimizer: Any) -> Callable[[], float]:
    """`loss_of()` runs the forward pass and returns the loss; `optimizer` (chainrule's or torch's) updates.

    Both frameworks spell the step alike: zero_grad, backward, step, item.
    """

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


def torch_classifier_step(model: Any, X: Any, y: Any, lr: float, momentum: float) -> Callable[[], float]:
    """A torch classifier on one fixed batch (NumPy arrays): cross-entropy, SGD with momentum."""
    import torch

    X, y = torch.from_numpy(X), torch.from_numpy(y)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    return training_step(lambda: torch.nn.functional.cross_entropy(model(X), y), optimizer)
