/* Attention's softmax, a row of scores at a time, one pass each way (chainrule.ops.attention.Attention).

   S holds `rows` rows of T_k scores s_j = q·k_j (C-contiguous, rows in (…, T_q) order); `allowed`, when
   given, is the (T_q, T_k) mask shared by every leading index (row r uses its row r mod T_q).
   forward, in place:   z_j = scale·s_j where allowed;   p_j = e^(z_j − max z) / Σ_allowed e^(z − max z),
                        p_j = 0 where not allowed
   backward, in place on gp = G·Vᵀ:   D = G_r·O_r (over d);   ∂L/∂S_j = scale·p_j·(gp_j − D)
   A masked score never enters an exponential, so no infinity arises (the NumPy path writes −∞ there);
   every row has at least one allowed key (the operation refuses fully masked rows). */
#include <math.h>

#define ATTENTION_KERNELS(real, suffix, EXP)                                                           \
void softmax_rows_##suffix(real *restrict s, const unsigned char *restrict allowed, long rows, long t_q, \
                           long t_k, double scale) {                                                   \
    for (long r = 0; r < rows; r++) {                                                                  \
        real *sr = s + r * t_k;                                                                        \
        const unsigned char *ar = allowed ? allowed + (r % t_q) * t_k : 0;                             \
        real top = -HUGE_VAL;                                                                          \
        for (long j = 0; j < t_k; j++) {                                                               \
            sr[j] *= (real)scale;                                                                      \
            if (!ar || ar[j]) top = sr[j] > top ? sr[j] : top;                                          \
        }                                                                                              \
        double total = 0;                                                                              \
        for (long j = 0; j < t_k; j++) {                                                               \
            int in = !ar || ar[j];                                                                     \
            real e = EXP(in ? sr[j] - top : 0);                   /* computed everywhere, kept where allowed */ \
            e = in ? e : 0;                                                                            \
            sr[j] = e;                                                                                 \
            total += e;                                                                                \
        }                                                                                              \
        real inverse = (real)(1 / total);                                                              \
        for (long j = 0; j < t_k; j++) sr[j] *= inverse;                                               \
    }                                                                                                  \
}                                                                                                      \
                                                                                                       \
void softmax_rows_backward_##suffix(real *restrict gp, const real *restrict p, const real *restrict g,  \
                                    const real *restrict o, long rows, long t_k, long d, double scale) { \
    for (long r = 0; r < rows; r++) {                                                                  \
        const real *gr = g + r * d, *orow = o + r * d, *pr = p + r * t_k;                              \
        real *qr = gp + r * t_k;                                                                       \
        double dot = 0;                                                                                \
        for (long k = 0; k < d; k++) dot += gr[k] * orow[k];                                           \
        real D = (real)dot;                                                                            \
        for (long j = 0; j < t_k; j++) qr[j] = (real)scale * pr[j] * (qr[j] - D);                      \
    }                                                                                                  \
}

ATTENTION_KERNELS(float, f32, expf)
ATTENTION_KERNELS(double, f64, exp)
