"""A `Tensor` where NumPy expects an array: the behaviour PyTorch's tensors have.

``np.asarray(t)`` gives the tensor's array (no copy); ``float(loss)``,
``f"{loss:.3f}"`` and ``round(loss, 4)`` read a one-element tensor; NumPy's
functions accept tensors (``np.argmax(t, axis=1)``, ``np.sum(t)``).

NumPy's *arithmetic* ufuncs are differentiable operations here, so they build
the graph like the operators do:

* ``ndarray * Tensor`` — NumPy calls ``np.multiply(ndarray, Tensor)``, which
  lands in `array_ufunc` and becomes ``chainrule.mul``: a Tensor with a graph.
* ``np.exp(t)``, ``np.abs(t)``, ``np.tanh(t)``… likewise give Tensors.

Every other ufunc (comparisons, ``np.isnan``, ``np.equal``…) and every ufunc
given ``out=`` computes on the plain arrays and returns plain arrays: nothing
there has a gradient to follow. Reductions called through NumPy
(``np.sum(t)``, ``np.mean(t)``, ``np.max(t)``) call the tensor's own method,
so they are differentiable too, as in PyTorch.

>>> import numpy as np
>>> from chainrule import Tensor
>>> w = Tensor([1.0, 2.0], requires_grad=True)
>>> y = np.array([3.0, 4.0]) * w          # ndarray * Tensor: still a graph
>>> type(y).__name__, y.requires_grad
('Tensor', True)
>>> f"{np.sum(y):.1f}", float(np.mean(np.abs(y)))
('11.0', 5.5)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def as_array(data: np.ndarray, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
    """The tensor's data for ``np.asarray`` / ``np.array`` (NumPy 2's ``__array__`` protocol)."""
    if dtype is not None and np.dtype(dtype) != data.dtype:
        return data.astype(dtype)
    return data.copy() if copy else data


def one_element(tensor: Any, what: str) -> Any:
    """The value of a one-element tensor; the error NumPy and PyTorch give for more."""
    if tensor.data.size != 1:
        raise ValueError(
            f"{what}() of a tensor with {tensor.data.size} elements is ambiguous; "
            "use .any(), .all(), or index one element first"
        )
    return tensor.data.reshape(())[()]


def format_tensor(tensor: Any, spec: str) -> str:
    """``format(t, spec)``: a one-element tensor formats as its number; no spec gives str(t)."""
    if not spec:
        return str(tensor)
    if tensor.data.size == 1:
        return format(float(tensor.data.reshape(())), spec)
    raise TypeError(f"format spec {spec!r} needs a one-element tensor, got shape {tensor.shape}")


def check_reduction_args(name: str, numpy_args: dict[str, Any]) -> None:
    """Accept what ``np.sum(t)`` and friends pass on (``out=None``, ``dtype=None``); refuse the rest."""
    extra = {k: v for k, v in numpy_args.items() if v is not None or k not in ("out", "dtype")}
    if extra:
        raise TypeError(
            f"Tensor.{name} takes axis and keepdims; got {sorted(extra)}. "
            f"For NumPy's other options, call np.{name} on t.numpy()"
        )


def _table() -> dict[np.ufunc, Callable[..., Any]]:
    from chainrule.ops import activations, arithmetic, elementwise

    return {
        np.add: arithmetic.add, np.subtract: arithmetic.sub, np.multiply: arithmetic.mul,
        np.true_divide: arithmetic.div, np.power: arithmetic.pow, np.negative: arithmetic.neg,
        np.matmul: arithmetic.matmul, np.exp: elementwise.exp, np.log: elementwise.log,
        np.sqrt: elementwise.sqrt, np.absolute: elementwise.abs, np.tanh: activations.tanh,
        np.positive: lambda x: x,
    }


_DIFFERENTIABLE: dict[np.ufunc, Callable[..., Any]] = {}


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """`Tensor.__array_ufunc__`: a differentiable operation when there is one, else NumPy on the arrays."""
    if not _DIFFERENTIABLE:
        _DIFFERENTIABLE.update(_table())
    operation = _DIFFERENTIABLE.get(ufunc)
    if method == "__call__" and operation is not None and not kwargs:
        return operation(*inputs)
    if method == "reduce" and ufunc is np.add and set(kwargs) <= {"axis", "keepdims"}:
        return inputs[0].sum(kwargs.get("axis", 0), kwargs.get("keepdims", False))
    arrays = [_plain(x) for x in inputs]
    if "out" in kwargs:
        kwargs["out"] = tuple(_plain(x) for x in kwargs["out"])
    return getattr(ufunc, method)(*arrays, **kwargs)


def _plain(x: Any) -> Any:
    from chainrule.tensor import Tensor

    return x.data if isinstance(x, Tensor) else x
