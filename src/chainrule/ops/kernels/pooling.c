/* Max pooling over 2-D windows of channels-last feature maps (chainrule.ops.pooling.MaxPool2d), forward
   and backward, where the NumPy path makes kh·kw passes over strided views of a padded copy of x: here
   the channels of one window are finished while they are in cache, in loops over contiguous channels
   that the compiler vectorises. Compiled WITHOUT -ffast-math: the NaN and tie rules below are
   comparisons that fast-math would be free to change.

   x (N, C, H, W); y, g = ∂L/∂y and k (the arg-max offsets) (N, C, Ho, Wo); gx = ∂L/∂x (N, C, H, W), each
   with its strides in elements (`Pool`), meant for channels-last memory (an NCHW view of NHWC: the
   channel stride is 1; any strides give the same results, only slower). Window (i, j) covers the
   padded positions
       r = sh·i − ph + a,  q = sw·j − pw + e     for the offsets a < kh, e < kw, in scan order o = a·kw + e;
   a position outside x (padding, or past it in ceil mode) holds −∞.

   forward:   y = m after m ← max(m, x[r, q]) over the window's positions in scan order, from m = −∞,
              with max(m, v) = (m > v or m is NaN) ? m : v, np.maximum's rule: NaN propagates (the first
              NaN), and of two equal values (+0 and −0) the later one. The NumPy path folds np.maximum over
              the offset slices x̃_ae in this order; a −∞ of the padding never changes m.
   backward:  k = the first offset o whose value equals y (−1 where none does: a NaN window), then
              gx[r, q] = Σ over the windows (i, j) covering (r, q), in offset order (a, then e, ascending),
                         of g[i, j]·[o = k[i, j]]
              added up from +0 where windows overlap (sh < kh or sw < kw), else the one term written
              (+0 where no window covers (r, q)). This is the NumPy path's arithmetic exactly: its masks
              np.equal(x̃_ae, y) and no earlier offset's, g·mask added per offset into zeros or written.
              So each window's g goes to its first maximum only (nowhere for a NaN window, or where the
              first equal value is padding), and overlapping windows add. A g of ±∞ or NaN gives 0 to
              the rest of its window (on both paths, as in PyTorch), not ∞·0 = NaN. gx is gathered one
              pixel (all its channels) at a time, so nothing is zeroed or added up in memory first. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct { int64_t n, c, h, w; } Strides;  /* of an (N, C, ·, ·) array, in elements */

typedef struct {
    int64_t n, c, h, w, ho, wo;                   /* x (N, C, H, W), y (N, C, Ho, Wo) */
    int64_t kh, kw, sh, sw, ph, pw;               /* kernel, stride, padding */
    Strides x, y, g, k, gx;
} Pool;

#define AT(array, s, n_, h_, w_) ((array) + (n_) * (s).n + (h_) * (s).h + (w_) * (s).w)  /* pixel's channel 0 */

#define MAX_POOL_KERNELS(real, suffix)                                                              \
void max_pool_forward_##suffix(const Pool *p, const real *x, real *y) {                             \
    for (long n = 0; n < p->n; n++) for (long i = 0; i < p->ho; i++) for (long j = 0; j < p->wo; j++) { \
        real *yc = AT(y, p->y, n, i, j);                                                            \
        for (long c = 0; c < p->c; c++) yc[c * p->y.c] = -INFINITY;                                 \
        for (long a = 0; a < p->kh; a++) for (long e = 0; e < p->kw; e++) {                         \
            long r = p->sh * i - p->ph + a, q = p->sw * j - p->pw + e;                              \
            if (r < 0 || r >= p->h || q < 0 || q >= p->w) continue;  /* padding: −∞ changes nothing */ \
            const real *xc = AT(x, p->x, n, r, q);                                                  \
            for (long c = 0; c < p->c; c++) {                                                       \
                real m = yc[c * p->y.c], v = xc[c * p->x.c], larger = m > v ? m : v;                \
                yc[c * p->y.c] = m != m ? m : larger;  /* a NaN m stays */                          \
            }                                                                                       \
        }                                                                                           \
    }                                                                                               \
}                                                                                                   \
                                                                                                    \
void max_pool_backward_##suffix(const Pool *p, const real *x, const real *y, const real *g, int32_t *k, \
                                real *gx) {                                                         \
    for (long n = 0; n < p->n; n++) for (long i = 0; i < p->ho; i++) for (long j = 0; j < p->wo; j++) { \
        const real *yc = AT(y, p->y, n, i, j);                                                      \
        int32_t *kc = AT(k, p->k, n, i, j);                                                         \
        for (long c = 0; c < p->c; c++) kc[c * p->k.c] = -1;                                        \
        for (long a = 0; a < p->kh; a++) for (long e = 0; e < p->kw; e++) {                         \
            long r = p->sh * i - p->ph + a, q = p->sw * j - p->pw + e;                              \
            int32_t next = (int32_t)(a * p->kw + e) + 1;  /* k = −1 becomes o where first equal */   \
            if (r < 0 || r >= p->h || q < 0 || q >= p->w) {  /* padding, −∞ */                      \
                for (long c = 0; c < p->c; c++)                                                     \
                    kc[c * p->k.c] += ((kc[c * p->k.c] < 0) & (yc[c * p->y.c] == -INFINITY)) * next; \
                continue;                                                                           \
            }                                                                                       \
            const real *xc = AT(x, p->x, n, r, q);                                                  \
            for (long c = 0; c < p->c; c++)                                                         \
                kc[c * p->k.c] += ((kc[c * p->k.c] < 0) & (xc[c * p->x.c] == yc[c * p->y.c])) * next; \
        }                                                                                           \
    }                                                                                               \
    int overlap = p->sh < p->kh || p->sw < p->kw;                                                   \
    for (long n = 0; n < p->n; n++) for (long r = 0; r < p->h; r++) for (long q = 0; q < p->w; q++) { \
        real *gc = AT(gx, p->gx, n, r, q);                                                          \
        for (long c = 0; c < p->c; c++) gc[c * p->gx.c] = 0;                                        \
        long rp = r + p->ph, qp = q + p->pw;  /* in the padded x̃, covered by windows i ≥ i0, j ≥ j0 */ \
        long i0 = rp < p->kh ? 0 : (rp - p->kh) / p->sh + 1, j0 = qp < p->kw ? 0 : (qp - p->kw) / p->sw + 1; \
        for (long i = rp / p->sh < p->ho - 1 ? rp / p->sh : p->ho - 1; i >= i0; i--)  /* a ascending */ \
            for (long j = qp / p->sw < p->wo - 1 ? qp / p->sw : p->wo - 1; j >= j0; j--) {         \
                int32_t o = (int32_t)((rp - p->sh * i) * p->kw + qp - p->sw * j);                   \
                const real *gw = AT(g, p->g, n, i, j);                                              \
                const int32_t *kc = AT(k, p->k, n, i, j);                                           \
                for (long c = 0; c < p->c; c++) {  /* −0 + t = t: the one term, written */          \
                    real t = gw[c * p->g.c], hit = kc[c * p->k.c] == o;  /* g·[hit]; ±∞ or NaN: 0 off it */ \
                    gc[c * p->gx.c] = (overlap ? gc[c * p->gx.c] : (real)-0.0) + (hit || isfinite(t) ? t * hit : 0); \
                }                                                                                   \
            }                                                                                       \
    }                                                                                               \
}

MAX_POOL_KERNELS(float, f32)
MAX_POOL_KERNELS(double, f64)
