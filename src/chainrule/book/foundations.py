"""Chapter 1's functions: the numerical derivative, chains of functions, and matrix functions.

The book computes derivatives numerically with `deriv`; the chain rule and
the matrix functions' gradients here come from chainrule's engine
(``backward()``), so each "backward" function is the exact derivative that
the book's central differences approximate.

>>> import numpy as np
>>> round(float(deriv(np.square, np.array(3.0))), 6)  # (3.001² − 2.999²) / 0.002
6.0
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

import chainrule as cr

ArrayFunction = Callable[[np.ndarray], np.ndarray]


def deriv(func: ArrayFunction, input_: np.ndarray, delta: float = 0.001) -> np.ndarray:
    """The book's numerical derivative: (f(x + Δ) − f(x − Δ)) / 2Δ, elementwise."""
    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)


def square(x: np.ndarray) -> np.ndarray:
    """x², elementwise (NumPy arrays or chainrule tensors)."""
    return x**2


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e⁻ˣ): chainrule's sigmoid; an array in, an array out; a Tensor in, a Tensor out."""
    return cr.sigmoid(x) if isinstance(x, cr.Tensor) else cr.sigmoid(cr.Tensor(x, dtype=np.float64)).data


def leaky_relu(x: np.ndarray) -> np.ndarray:
    """max(0.2·x, x), the book's leaky ReLU; an array in, an array out; a Tensor in, a Tensor out."""
    if isinstance(x, cr.Tensor):
        return cr.leaky_relu(x, 0.2)
    return cr.leaky_relu(cr.Tensor(x, dtype=np.float64), 0.2).data


def _autodiff(function: Callable[[cr.Tensor], cr.Tensor], x: np.ndarray) -> np.ndarray:
    """d function(x_i)/d x_i for each element of x, by chainrule's backward pass (function is elementwise)."""
    t = cr.Tensor(np.asarray(x, dtype=np.float64), dtype=np.float64, requires_grad=True)
    function(t).sum().backward()
    return t.grad.data


def chain_length_2(chain: Sequence[ArrayFunction], a: np.ndarray) -> np.ndarray:
    """f2(f1(a)) for chain = [f1, f2]."""
    f1, f2 = chain
    return f2(f1(a))


def chain_deriv_2(chain: Sequence[ArrayFunction], input_range: np.ndarray) -> np.ndarray:
    """(f2(f1(x)))′ = f2′(f1(x))·f1′(x), by the backward pass (the functions must accept Tensors)."""
    f1, f2 = chain
    return _autodiff(lambda x: f2(f1(x)), input_range)


def chain_deriv_3(chain: Sequence[ArrayFunction], input_range: np.ndarray) -> np.ndarray:
    """(f3(f2(f1(x))))′ = f3′(f2(f1(x)))·f2′(f1(x))·f1′(x), by the backward pass."""
    f1, f2, f3 = chain
    return _autodiff(lambda x: f3(f2(f1(x))), input_range)


def matmul_forward(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """N = X·W."""
    return np.dot(X, W)


def _as_leaf(a: np.ndarray) -> cr.Tensor:
    return cr.Tensor(np.asarray(a, dtype=np.float64), dtype=np.float64, requires_grad=True)


def matrix_function_forward_sum(X: np.ndarray, W: np.ndarray, sigma: ArrayFunction) -> float:
    """L = Σ σ(X·W)."""
    return float(np.sum(sigma(np.dot(X, W))))


def matrix_function_backward_sum_1(X: np.ndarray, W: np.ndarray, sigma: ArrayFunction) -> np.ndarray:
    """∂L/∂X for L = Σ σ(X·W): σ′(X·W)·Wᵀ, by chainrule's backward pass (σ must accept Tensors)."""
    x = _as_leaf(X)
    sigma(x @ cr.Tensor(np.asarray(W, dtype=np.float64), dtype=np.float64)).sum().backward()
    return x.grad.data


def matrix_function_backward_1(X: np.ndarray, W: np.ndarray, sigma: ArrayFunction) -> np.ndarray:
    """∂σ(X·W)/∂X for one row X (1, k) and one column W (k, 1): σ′(X·W)·Wᵀ, by the backward pass."""
    return matrix_function_backward_sum_1(X, W, sigma)
