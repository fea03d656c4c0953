"""The operation catalogue: one `Entry` per public operation, with edge-case samples and its PyTorch twin.

`tests/test_catalogue.py` runs every (entry × sample) through float64 central differences,
PyTorch's forward and gradient (when torch is importable), second order where the entry
says the operation supports it, and float32 dtype preservation — inside the stale-memory
guard (`chainrule.ops.scratch.stale_memory_guard`). Any public operation without an entry
fails the suite (`public_operations` lists what must be covered).

Entries live in this package, one module per family (`arithmetic.py`, `nn.py`, …); each
module defines ``ENTRIES: list[Entry]``. Samples are built from the shared edge-case
vocabulary in `catalogue.vocabulary`. How to add one: /work/coord/catalogue.md and the
docstrings of `Entry` and `Sample` below.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass
class Sample:
    """One way of calling an operation: its differentiable inputs and its constant arguments.

    Args:
        inputs: float64 arrays, one per Tensor argument; the checks wrap each in a Tensor that
            requires grad (keeping its memory layout: a transposed or reversed view stays one).
        kwargs: constants passed by keyword to both `Entry.ours` and `Entry.theirs`
            (axis, kernel size, targets, …).
        id: a short label for the test id ("0d", "broadcast-0d-nd", "stride>kernel", …).
        fd: False where finite differences are meaningless (a kink or singularity at the point:
            |x| at 0, √x at 0); the other checks still run.
        rtol, atol: tolerances of the PyTorch comparison (atol=0 for samples that test relative
            precision, e.g. σ(−40) ≈ 4e-18).
        differs: a deliberate, documented difference from PyTorch at this sample; the entry's
            `reference` (not `theirs`) is used for it.
    """

    inputs: list[np.ndarray]
    kwargs: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    fd: bool = True
    rtol: float = 1e-6
    atol: float = 1e-9
    differs: str = ""


@dataclass
class Entry:
    """One public operation.

    Args:
        name: what is covered: "ops.<name>" for `chainrule.ops.<name>`, "Tensor.<method>" for a
            Tensor method or operator ("Tensor.__add__", "Tensor.T").
        ours: takes the sample's Tensors positionally and its kwargs; returns a Tensor or a tuple.
        theirs: the same in PyTorch (torch tensors in and out), or None only when `reference`
            is given instead. Import torch inside (via `catalogue.vocabulary.torch`).
        samples: rng → list of `Sample`, drawn from `catalogue.vocabulary`.
        second_order: the operation supports create_graph=True; the Hessian-vector product is
            checked by finite differences and against PyTorch.
        differentiable: False for operations with no gradient (comparisons, argmax): only the
            forward is compared and the output must not require grad.
        reference: for samples marked `differs`: a function (in torch, or NumPy on arrays) of
            chainrule's documented behaviour, used instead of `theirs`.
        float32: check that float32 inputs give float32 outputs and gradients.
    """

    name: str
    ours: Callable[..., Any]
    theirs: Callable[..., Any] | None
    samples: Callable[[np.random.Generator], list[Sample]]
    second_order: bool = False
    differentiable: bool = True
    reference: Callable[..., Any] | None = None
    float32: bool = True


def entries() -> list[Entry]:
    """Every entry of every module in this package."""
    found: list[Entry] = []
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        if module in ("vocabulary", "checks"):
            continue
        found.extend(importlib.import_module(f"{__name__}.{module}").ENTRIES)
    return found


# Tensor attributes that are not operations (no graph node): nothing to check.
NOT_OPERATIONS = {
    "numpy", "item", "detach", "requires_grad_", "retain_grad", "zero_grad", "backward",
    "shape", "ndim", "size", "dtype", "is_leaf",
}
OPERATOR_DUNDERS = {
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
    "__pow__", "__rpow__", "__neg__", "__matmul__", "__rmatmul__", "__getitem__", "__pos__", "__abs__",
    "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__",
}


def public_operations() -> set[str]:
    """What the catalogue must cover: chainrule.ops.__all__, Tensor's methods and operators.

    (The layers' functional cores — linear, conv2d, pooling, batch_norm, dropout, embedding,
    the recurrent cells — are in chainrule.ops.__all__.)
    """
    import chainrule as cr

    names = {f"ops.{name}" for name in cr.ops.__all__}
    for name, value in vars(cr.Tensor).items():
        public = not name.startswith("_") and name not in NOT_OPERATIONS
        if (public and (callable(value) or isinstance(value, property))) or (
            name in OPERATOR_DUNDERS and value is not None and value is not object.__dict__.get(name)
        ):
            names.add(f"Tensor.{name}")
    return names
