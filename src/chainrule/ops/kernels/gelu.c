/* GELU's elementwise work in one pass each way (chainrule.ops.gelu.GELU, the exact erf form):

   forward:   Φ = ½·erfc(−x/√2),   y = x·Φ            (Φ is kept for the backward)
   backward:  ∂L/∂x = g·(Φ + x·φ(x)),   φ(x) = e^(−x²/2)/√(2π)

   erfc is the C library's (glibc's vectorised erfcf/erfc under -ffast-math), where the NumPy path
   evaluates its own Chebyshev series. */
#include <math.h>

#define GELU_KERNELS(real, suffix, ERFC, EXP)                                                          \
void gelu_forward_##suffix(const real *restrict x, real *restrict cdf, real *restrict y, long n) {     \
    for (long k = 0; k < n; k++) {                                                                     \
        real p = (real)0.5 * ERFC(x[k] * (real)-0.70710678118654752440);                                \
        cdf[k] = p;                                                                                    \
        y[k] = x[k] * p;                                                                               \
    }                                                                                                  \
}                                                                                                      \
                                                                                                       \
void gelu_backward_##suffix(const real *restrict x, const real *restrict cdf, const real *restrict g,  \
                            real *restrict gx, long n) {                                               \
    for (long k = 0; k < n; k++) {                                                                     \
        real pdf = EXP((real)-0.5 * x[k] * x[k]) * (real)0.39894228040143267794;                         \
        gx[k] = g[k] * (cdf[k] + x[k] * pdf);                                                          \
    }                                                                                                  \
}

GELU_KERNELS(float, f32, erfcf, expf)
GELU_KERNELS(double, f64, erfc, exp)
