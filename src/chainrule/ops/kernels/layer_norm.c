/* Layer normalisation, a row at a time, one pass each way (chainrule.ops.normalization.LayerNorm).

   x holds `rows` samples of n features (C-contiguous, the normalised axes last). Per row:
   forward:   μ = (1/n) Σ x,   σ² = (1/n) Σ (x − μ)²,   s = 1/√(σ² + ε),   x̂ = (x − μ)·s,   y = γ·x̂ + β
   backward:  ĝ = γ·g,   ∂L/∂x = s·(ĝ − (1/n) Σ ĝ − x̂·(1/n) Σ ĝ·x̂)
              ∂L/∂γ += g·x̂,   ∂L/∂β += g              (summed over the rows)
   γ and β may be absent (null pointers: γ = 1, β = 0). The sums over a row are accumulated in double. */
#include <math.h>

#define LAYER_NORM_KERNELS(real, suffix)                                                               \
void layer_norm_forward_##suffix(const real *restrict x, const real *restrict gamma,                    \
                                 const real *restrict beta, real *restrict y, real *restrict x_hat,      \
                                 real *restrict inv_std, long rows, long n, double eps) {               \
    for (long r = 0; r < rows; r++) {                                                                  \
        const real *xr = x + r * n;                                                                    \
        real *yr = y + r * n, *hr = x_hat + r * n;                                                     \
        double sum = 0, squares = 0;                                                                   \
        for (long j = 0; j < n; j++) sum += xr[j];                                                     \
        real mean = (real)(sum / n);                                                                   \
        for (long j = 0; j < n; j++) { double d = xr[j] - mean; squares += d * d; }                    \
        real s = (real)(1 / sqrt(squares / n + eps));                                                  \
        inv_std[r] = s;                                                                                \
        for (long j = 0; j < n; j++) {                                                                 \
            real h = (xr[j] - mean) * s;                                                               \
            hr[j] = h;                                                                                 \
            yr[j] = (gamma ? gamma[j] * h : h) + (beta ? beta[j] : 0);                                 \
        }                                                                                              \
    }                                                                                                  \
}                                                                                                      \
                                                                                                       \
void layer_norm_backward_##suffix(const real *restrict g, const real *restrict gamma,                   \
                                  const real *restrict x_hat, const real *restrict inv_std,             \
                                  real *restrict gx, real *restrict g_gamma, real *restrict g_beta,     \
                                  long rows, long n) {                                                  \
    for (long r = 0; r < rows; r++) {                                                                  \
        const real *gr = g + r * n, *hr = x_hat + r * n;                                               \
        double sum_g = 0, sum_gx = 0;                                                                  \
        for (long j = 0; j < n; j++) {                                                                 \
            real gh = gamma ? gamma[j] * gr[j] : gr[j];                                                \
            sum_g += gh;                                                                               \
            sum_gx += gh * hr[j];                                                                      \
        }                                                                                              \
        real mean_g = (real)(sum_g / n), mean_gx = (real)(sum_gx / n), s = inv_std[r];                 \
        if (gx) {                                                                                      \
            real *xr = gx + r * n;                                                                     \
            for (long j = 0; j < n; j++) {                                                             \
                real gh = gamma ? gamma[j] * gr[j] : gr[j];                                            \
                xr[j] = (gh - mean_g - hr[j] * mean_gx) * s;                                           \
            }                                                                                          \
        }                                                                                              \
        if (g_gamma) for (long j = 0; j < n; j++) g_gamma[j] += gr[j] * hr[j];                         \
        if (g_beta) for (long j = 0; j < n; j++) g_beta[j] += gr[j];                                   \
    }                                                                                                  \
}

LAYER_NORM_KERNELS(float, f32)
LAYER_NORM_KERNELS(double, f64)
