/* col2im, the adjoint of im2col (chainrule.ops.conv.add_windows): per_offset (kh·kw, N·Ho·Wo, C) holds, for
   each kernel offset (a, e), one value per window (i, j); each is added to the pixel of a zeroed padded
   channels-last array out (N, Hp, Wp, C) that the window read at that offset:

       out[n, sh·i + dh·a, sw·j + dw·e, c] += per_offset[a·kw + e, (n·Ho + i)·Wo + j, c]
       for the offsets (a, e) in order (a, then e, ascending), every window 0 ≤ i < Ho, 0 ≤ j < Wo

   NumPy's kh·kw strided additions, in the same order, so the sums are the same to the last bit (not
   compiled with -ffast-math, which could reorder them). The difference is the loop order: here one image at
   a time, whose out (Hp·Wp·C numbers) stays in cache through its kh·kw additions, where NumPy passes over
   the whole of out once per offset. */
#include <stdint.h>

#define ADD_WINDOWS(real, suffix)                                                                           \
void add_windows_##suffix(const int64_t *size, const real *restrict per_offset, real *restrict out) {      \
    int64_t n = size[0], hp = size[1], wp = size[2], c = size[3], ho = size[4], wo = size[5];              \
    int64_t kh = size[6], kw = size[7], sh = size[8], sw = size[9], dh = size[10], dw = size[11];          \
    for (int64_t b = 0; b < n; b++) {                                                                       \
        real *image = out + b * hp * wp * c;                                                                \
        for (int64_t k = 0; k < hp * wp * c; k++) image[k] = 0;                                             \
        for (int64_t a = 0; a < kh; a++) for (int64_t e = 0; e < kw; e++) {                                 \
            const real *value = per_offset + ((a * kw + e) * n + b) * ho * wo * c;  /* window (0, 0) */     \
            for (int64_t i = 0; i < ho; i++) for (int64_t j = 0; j < wo; j++) {                             \
                real *pixel = image + ((sh * i + dh * a) * wp + sw * j + dw * e) * c;                       \
                const real *v = value + (i * wo + j) * c;                                                   \
                for (int64_t k = 0; k < c; k++) pixel[k] += v[k];                                           \
            }                                                                                               \
        }                                                                                                   \
    }                                                                                                       \
}

ADD_WINDOWS(float, f32)
ADD_WINDOWS(double, f64)
