"""Chapter 1's cells through chainrule.book.foundations: the four printed results, to four decimals."""

import numpy as np

from notebook_cells import run_cell

CELL = """
import numpy as np
from lincoln.foundations import deriv, sigmoid, matrix_function_forward_sum, matrix_function_backward_sum_1
np.set_printoptions(precision=4)

np.random.seed(190204)
X = np.random.randn(3, 3)
W = np.random.randn(3, 2)

print("X:")
print(X)
print("L:")
print(round(matrix_function_forward_sum(X, W, sigmoid), 4))
print()
print("dLdX:")
print(matrix_function_backward_sum_1(X, W, sigmoid))

X1 = X.copy()
X1[0, 0] += 0.001
print(round(
        (matrix_function_forward_sum(X1, W, sigmoid) - \\
         matrix_function_forward_sum(X, W, sigmoid)) / 0.001, 4))
"""

BOOK_PRINTED = """X:
[[-1.5775 -0.6664  0.6391]
 [-0.5615  0.7373 -1.4231]
 [-1.4435 -0.3913  0.1539]]
L:
2.3755

dLdX:
[[ 0.2489 -0.3748  0.0112]
 [ 0.126  -0.2781 -0.1395]
 [ 0.2299 -0.3662 -0.0225]]
0.2489
"""


def test_chapter_1_prints_the_book_s_four_results():
    options = np.get_printoptions()
    try:
        printed, _ = run_cell(CELL)
    finally:
        np.set_printoptions(**options)
    assert printed == BOOK_PRINTED


def test_deriv_is_the_central_difference_and_the_backward_functions_are_exact():
    from chainrule.book.foundations import chain_deriv_2, chain_deriv_3, deriv, leaky_relu, sigmoid, square

    x = np.linspace(-3, 3, 13)
    assert np.allclose(deriv(square, x), 2 * x)
    s = sigmoid(x**2)
    assert np.allclose(chain_deriv_2([square, sigmoid], x), s * (1 - s) * 2 * x)
    numeric = deriv(lambda v: leaky_relu(sigmoid(square(v))), x)
    assert np.allclose(chain_deriv_3([square, sigmoid, leaky_relu], x), numeric, atol=1e-5)
