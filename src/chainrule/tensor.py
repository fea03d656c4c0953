"""The `Tensor`: a NumPy array that remembers how it was made.

A tensor holds `data` (an ``np.ndarray`` of float32 or float64), and, when it
takes part in differentiation, `requires_grad`, the operation that produced it
and, after `backward()`, its gradient `grad` (itself a Tensor).

Dtype rules (they never change silently):

* ``Tensor(data)`` stores float32 unless you pass ``dtype=`` (float32 or
  float64) or `data` is already a Tensor. Integer, boolean and float64 NumPy
  input is converted at this boundary: that is the one documented conversion.
* Python and NumPy scalars, and plain arrays, combined with a tensor take the
  tensor's dtype: ``float32_tensor * 2.5`` stays float32.
* Two tensors of different dtypes cannot be combined: cast one with
  ``.astype()`` first.

>>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x + x).sum()
>>> y.backward()
>>> x.grad
Tensor([3., 5., 7.], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
DEFAULT_DTYPE = np.dtype(np.float32)


def as_float_dtype(dtype: Any) -> np.dtype:
    """Return `dtype` as an ``np.dtype``, checking it is float32 or float64."""
    dt = np.dtype(dtype)
    if dt not in FLOAT_DTYPES:
        raise TypeError(
            f"chainrule tensors hold float32 or float64 values, got dtype {dt}; "
            "pass dtype=np.float32 (the default) or dtype=np.float64 (for gradient checks)"
        )
    return dt


def to_array(data: Any, dtype: np.dtype) -> np.ndarray:
    """Convert array-like `data` to an ndarray of `dtype` (no copy when it already is one)."""
    if isinstance(data, (float, int)) and not isinstance(data, bool):
        return np.array(data, dtype=dtype)
    if type(data) is np.ndarray and data.dtype == dtype:
        return data
    if isinstance(data, Tensor):
        data = data.data
    array = np.asarray(data)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"cannot make a tensor from an array of dtype {array.dtype} "
            "(object, string or complex values); give numbers"
        )
    return array.astype(dtype, copy=False)


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    Args:
        data: array-like values.
        requires_grad: record operations on this tensor so `backward()` can
            compute ``d(output)/d(this)`` into `.grad`.
        dtype: float32 (default) or float64.
        name: an optional label, used by `repr` and the graph view.
    """

    __slots__ = ("data", "grad", "requires_grad", "name", "_op", "_index", "__weakref__")
    # NumPy functions on tensors: see "NumPy interop" below and chainrule.array_protocol.

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if dtype is None:
            dtype = data.dtype if isinstance(data, Tensor) else DEFAULT_DTYPE
        else:
            dtype = as_float_dtype(dtype)
        self.data: np.ndarray = to_array(data, dtype)
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._op = None  # the Operation that produced this tensor (None for a leaf)
        self._index = 0  # which output of that operation this tensor is

    @staticmethod
    def _wrap(data: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Fast constructor for arrays known to be float32/float64 ndarrays already."""
        t = _new_tensor(Tensor)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.name = None
        t._op = None
        t._index = 0
        return t

    # ----------------------------------------------------------------- basics
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not produced by a recorded operation)."""
        return self._op is None

    @property
    def T(self) -> Tensor:
        return _shape.transpose(self)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", threshold=50)
        extras = [f"dtype={self.dtype}"]
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"Tensor({body}, {', '.join(extras)})"

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return float(self.data.reshape(()))

    def detach(self) -> Tensor:
        """A tensor sharing this data but cut out of the graph (no gradient flows through)."""
        return Tensor._wrap(self.data)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Turn gradient tracking on (or off) for this leaf tensor, in place."""
        if not self.is_leaf:
            raise RuntimeError("requires_grad_ can only change leaf tensors; use detach() on results")
        self.requires_grad = flag
        return self

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in `.grad` after backward()."""
        if self._op is not None and self._index not in self._op.retained_outputs:
            self._op.retained_outputs = (*self._op.retained_outputs, self._index)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (sets `.grad` to None)."""
        self.grad = None

    def astype(self, dtype: Any) -> Tensor:
        """A differentiable cast to float32 or float64."""
        return _arith.cast(self, dtype)

    def backward(
        self,
        grad: Any = None,
        retain_graph: bool = False,
        create_graph: bool = False,
    ) -> None:
        """Compute the gradient of this tensor with respect to every leaf that requires it.

        Gradients are added to the leaves' `.grad` (call `zero_grad` between steps).
        A non-scalar tensor needs `grad`, the gradient flowing into it. The graph is
        freed afterwards unless `retain_graph`; `create_graph` records the backward
        pass itself so that gradients can be differentiated again.
        """
        _autograd.backward(self, grad, retain_graph=retain_graph, create_graph=create_graph)

    # -------------------------------------------------------- operator overloads
    def __add__(self, other: Any) -> Tensor:
        return _arith.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _arith.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _arith.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _arith.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _arith.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _arith.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _arith.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _arith.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _arith.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _arith.pow(other, self)

    def __neg__(self) -> Tensor:
        return _arith.neg(self)

    def __matmul__(self, other: Any) -> Tensor:
        return _arith.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _arith.matmul(other, self)

    def __getitem__(self, index: Any) -> Tensor:
        return _indexing.getitem(self, index)

    # ------------------------------------------------------- method shortcuts
    def exp(self) -> Tensor:
        return _elementwise.exp(self)

    def log(self) -> Tensor:
        return _elementwise.log(self)

    def sqrt(self) -> Tensor:
        return _elementwise.sqrt(self)

    def abs(self) -> Tensor:
        return _elementwise.abs(self)

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False, **numpy_args: Any) -> Tensor:
        _array_protocol.check_reduction_args("sum", numpy_args)  # np.sum(t) passes out=None
        return _reductions.sum(self, axis, keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False, **numpy_args: Any) -> Tensor:
        _array_protocol.check_reduction_args("mean", numpy_args)  # np.mean(t) passes out=None
        return _reductions.mean(self, axis, keepdims)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False, **numpy_args: Any) -> Tensor:
        _array_protocol.check_reduction_args("max", numpy_args)  # np.max(t) passes out=None
        return _reductions.max(self, axis, keepdims)

    def reshape(self, *shape: int | Iterable[int]) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        return _shape.reshape(self, shape)

    def transpose(self, *axes: int | Iterable[int]) -> Tensor:
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = tuple(axes[0])
        return _shape.transpose(self, axes or None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return _shape.swapaxes(self, axis1, axis2)

    def flatten(self, start_axis: int = 0, end_axis: int = -1) -> Tensor:
        return _shape.flatten(self, start_axis, end_axis)

    # ------------------------------------------------------------- NumPy interop
    # A tensor where NumPy expects an array behaves as a PyTorch tensor does:
    # np.asarray(t), np.argmax(t, axis=1), float(loss), f"{loss:.3f}", np.sum(t).
    # NumPy's arithmetic ufuncs on tensors (so also `ndarray * Tensor`) build the graph.
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return _array_protocol.as_array(self.data, dtype, copy)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _array_protocol.array_ufunc(ufunc, method, inputs, kwargs)

    def __float__(self) -> float:
        return self.item()

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(_array_protocol.one_element(self, "bool"))

    def __round__(self, ndigits: int | None = None) -> float:
        return round(self.item(), ndigits)

    def __format__(self, spec: str) -> str:
        return _array_protocol.format_tensor(self, spec)
    # ---------------- more method shortcuts, as micrograd and PyTorch users write them (issue 15)
    def relu(self) -> Tensor:
        return _activations.relu(self)

    def tanh(self) -> Tensor:
        return _activations.tanh(self)

    def sigmoid(self) -> Tensor:
        return _activations.sigmoid(self)

    def softmax(self, axis: int = -1) -> Tensor:
        return _activations.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return _activations.log_softmax(self, axis)

    def sin(self) -> Tensor:
        return _elementwise.sin(self)

    def cos(self) -> Tensor:
        return _elementwise.cos(self)

    def log1p(self) -> Tensor:
        return _elementwise.log1p(self)

    def expm1(self) -> Tensor:
        return _elementwise.expm1(self)

    def clip(self, low: float | None = None, high: float | None = None) -> Tensor:
        return _elementwise.clip(self, low, high)

    def min(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return _reductions.min(self, axis, keepdims)

    def prod(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return _reductions.prod(self, axis, keepdims)

    def cumsum(self, axis: int = 0) -> Tensor:
        return _reductions.cumsum(self, axis)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """Indices of the maxima (an int NumPy array: indices have no gradient)."""
        return _reductions.argmax(self, axis, keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """Indices of the minima (an int NumPy array: indices have no gradient)."""
        return _reductions.argmin(self, axis, keepdims)

    def logsumexp(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return _statistics.logsumexp(self, axis, keepdims)

    def var(self, axis: int | Sequence[int] | None = None, keepdims: bool = False, correction: float = 1) -> Tensor:
        return _statistics.var(self, axis, keepdims, correction)

    def std(self, axis: int | Sequence[int] | None = None, keepdims: bool = False, correction: float = 1) -> Tensor:
        return _statistics.std(self, axis, keepdims, correction)

    def norm(self, p: float = 2, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return _statistics.norm(self, p, axis, keepdims)

    def squeeze(self, axis: int | Sequence[int] | None = None) -> Tensor:
        return _shape.squeeze(self, axis)

    def unsqueeze(self, axis: int) -> Tensor:
        return _shape.unsqueeze(self, axis)

    def tile(self, reps: int | Sequence[int]) -> Tensor:
        """Copies side by side, as ``np.tile`` and ``torch.Tensor.repeat``. (No ``x.repeat`` method: NumPy and
        PyTorch mean different things by it; use ``chainrule.ops.repeat`` for NumPy's.)"""
        return _shape.tile(self, reps)

    # ---------------- comparisons: boolean NumPy arrays, no gradient (see chainrule.ops.comparison)
    def __lt__(self, other: Any) -> np.ndarray:
        return _comparison.less(self, other)

    def __le__(self, other: Any) -> np.ndarray:
        return _comparison.less_equal(self, other)

    def __gt__(self, other: Any) -> np.ndarray:
        return _comparison.greater(self, other)

    def __ge__(self, other: Any) -> np.ndarray:
        return _comparison.greater_equal(self, other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return NotImplemented if other is None else _comparison.equal(self, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return NotImplemented if other is None else _comparison.not_equal(self, other)

    __hash__ = object.__hash__  # tensors stay usable as dict keys and set members (by identity)


_new_tensor = object.__new__


class Parameter(Tensor):
    """A Tensor that a layer learns: requires_grad is on, and layers list it in `parameters()`."""

    __slots__ = ()

    def __init__(self, data: Any, dtype: Any = None, name: str | None = None) -> None:
        super().__init__(data, requires_grad=True, dtype=dtype, name=name)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor") :]


# The operations import Tensor from this module, so they are imported last.
from chainrule import array_protocol as _array_protocol  # noqa: E402
from chainrule import autograd as _autograd  # noqa: E402
from chainrule.ops import activations as _activations  # noqa: E402
from chainrule.ops import arithmetic as _arith  # noqa: E402
from chainrule.ops import comparison as _comparison  # noqa: E402
from chainrule.ops import statistics as _statistics  # noqa: E402
from chainrule.ops import elementwise as _elementwise  # noqa: E402
from chainrule.ops import indexing as _indexing  # noqa: E402
from chainrule.ops import reductions as _reductions  # noqa: E402
from chainrule.ops import shape as _shape  # noqa: E402
