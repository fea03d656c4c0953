/* The LSTM's elementwise work per time step, one pass over memory (chainrule.ops.recurrent.LSTM).

   Gates in PyTorch's order (i, f, g, o), each block H wide, a row per sequence. As in the NumPy
   path, the pre-activations of the sigmoid gates arrive negated (−z: the weights were scaled by −1),
   so σ(z) = 1/(1 + e^(−z)) is 1/(1 + exp(a)), exact for z ≪ 0 (exp(a) = ∞ gives 0).

   forward step, for each row r and unit j:
       a ← a + rec                                  (rec = h_{t−1}·W_hh, this step's recurrent part)
       i, f, o = 1/(1 + exp(a_i)), 1/(1 + exp(a_f)), 1/(1 + exp(a_o));   g = tanh(a_g)
       c = f·c_prev + i·g;   s = tanh(c);   h = o·s
   (a then holds i, f, g, o: the backward step reads them.)

   backward step, with δh = ∂L/∂h_t (+ gy, the output's gradient) and δc = ∂L/∂c_t from step t + 1:
       δc ← δc + δh·o·(1 − s²)
       ∂a_i = δc·g·i(1 − i)   ∂a_f = δc·c_prev·f(1 − f)   ∂a_g = δc·i·(1 − g²)   ∂a_o = δh·s·o(1 − o)
       δc ← δc·f                                     (∂L/∂c_{t−1}; ∂L/∂h_{t−1} = ∂a·W_hhᵀ is a GEMM)
   gy_stride is the distance between rows of gy (the output gradient is batch-first, (N, T, H)). */
#include <math.h>

#define LSTM_KERNELS(real, suffix, EXP, TANH)                                                          \
void lstm_forward_step_##suffix(real *restrict a, const real *restrict rec, const real *restrict c_prev,  \
                                real *restrict c, real *restrict s, real *restrict h, long n, long H) {     \
    for (long r = 0; r < n; r++) {                                                                     \
        real *ar = a + r * 4 * H;                                                                      \
        const real *rr = rec + r * 4 * H, *cp = c_prev + r * H;                                        \
        real *cr = c + r * H, *sr = s + r * H, *hr = h + r * H;                                        \
        for (long j = 0; j < H; j++) {                                                                 \
            real i = 1 / (1 + EXP(ar[j] + rr[j]));                                                      \
            real f = 1 / (1 + EXP(ar[H + j] + rr[H + j]));                                              \
            real g = TANH(ar[2 * H + j] + rr[2 * H + j]);                                               \
            real o = 1 / (1 + EXP(ar[3 * H + j] + rr[3 * H + j]));                                      \
            ar[j] = i; ar[H + j] = f; ar[2 * H + j] = g; ar[3 * H + j] = o;                             \
            real cc = f * cp[j] + i * g, t = TANH(cc);                                                 \
            cr[j] = cc; sr[j] = t; hr[j] = o * t;                                                      \
        }                                                                                              \
    }                                                                                                  \
}                                                                                                      \
                                                                                                       \
void lstm_backward_step_##suffix(const real *restrict gates, const real *restrict c_prev,               \
                                 const real *restrict s, const real *restrict gy, long gy_stride,       \
                                 real *restrict dh, real *restrict dc, real *restrict da, long n, long H) { \
    for (long r = 0; r < n; r++) {                                                                     \
        const real *gr = gates + r * 4 * H, *cp = c_prev + r * H, *sr = s + r * H, *yr = gy + r * gy_stride; \
        real *hr = dh + r * H, *cr = dc + r * H, *ar = da + r * 4 * H;                                 \
        for (long j = 0; j < H; j++) {                                                                 \
            real i = gr[j], f = gr[H + j], g = gr[2 * H + j], o = gr[3 * H + j], t = sr[j];            \
            real delta_h = hr[j] + yr[j];                                                              \
            real delta_c = cr[j] + delta_h * o * (1 - t * t);                                          \
            ar[j] = delta_c * g * i * (1 - i);                                                         \
            ar[H + j] = delta_c * cp[j] * f * (1 - f);                                                 \
            ar[2 * H + j] = delta_c * i * (1 - g * g);                                                 \
            ar[3 * H + j] = delta_h * t * o * (1 - o);                                                 \
            cr[j] = delta_c * f;                                                                       \
        }                                                                                              \
    }                                                                                                  \
}

LSTM_KERNELS(float, f32, expf, tanhf)
LSTM_KERNELS(double, f64, exp, tanh)
