/* activation.c - activation functions over rows of a native network's layer.
 *
 * Softmax, the output of most classifiers, is the costly one: masked evaluation runs it on
 * hundreds of thousands of rows of a few values each, where calling expf per value and
 * summing row by row leaves the vector units idle. Rows are therefore handled in blocks,
 * transposed so that each output's values over the block's rows are contiguous; then every
 * step is one loop over the block, and expf over a block column vectorises with glibc's
 * libmvec where the build found it (SHAPC_HAVE_LIBMVEC: GCC on x86-64, this file built with
 * -fno-math-errno so expf has no side effect to keep). The block always has SOFTMAX_BLOCK
 * rows - short blocks are padded - so a row's result never depends on where it falls. */
#include "model/activation.h"

#include <math.h>

#ifdef SHAPC_HAVE_LIBMVEC
/* <math.h> declares the vector variants only under -ffast-math, which would also relax NaN
 * handling; this declaration tells GCC they exist without relaxing anything else. */
__attribute__((__simd__("notinbranch"))) extern float expf(float);
#endif

#define SOFTMAX_BLOCK 64    /* rows per block: a multiple of every vector width */
#define SOFTMAX_MAX_COLS 64 /* wider outputs go row by row */
/* exp of anything below this (e^-80 = 1.8e-35) is taken as 0, which is what it rounds to
 * against the row's sum of at least 1, without asking expf. An argument that
 * underflows sends libmvec's vector expf to its scalar fallback (errno and all): masked
 * attention scores (-1e9, onnx_ops_linalg.c) made that a fifth of a transformer's time. NaN
 * compares false and still goes through expf. */
#define SOFTMAX_UNDERFLOW (-80.0f)
#define SOFTMAX_UNDERFLOW_EXP 2e-35f /* just above e^-80 */

const char *shapc__activation_name(shapc_activation activation)
{
    switch (activation) {
    case SHAPC_ACT_IDENTITY:
        return "identity";
    case SHAPC_ACT_RELU:
        return "relu";
    case SHAPC_ACT_SIGMOID:
        return "sigmoid";
    case SHAPC_ACT_TANH:
        return "tanh";
    case SHAPC_ACT_SOFTMAX:
        return "softmax";
    }
    return NULL;
}

/* Numerically stable logistic: never evaluates exp of a large positive number. */
static float sigmoidf(float v)
{
    if (v >= 0.0f)
        return 1.0f / (1.0f + expf(-v));
    float e = expf(v);
    return e / (1.0f + e);
}

/* Softmax of one row, max-subtracted so huge logits (1e30) cannot overflow exp; the sum is
 * accumulated in double, and divided once (multiplying by the reciprocal is far cheaper than
 * a divide per value, and exact to far below float rounding). */
static void softmax_row(float *v, size_t n)
{
    float mx = v[0];
    double sum = 0.0;
    for (size_t j = 1; j < n; j++)
        mx = v[j] > mx ? v[j] : mx;
    for (size_t j = 0; j < n; j++) {
        const float d = v[j] - mx;
        v[j] = d < SOFTMAX_UNDERFLOW ? 0.0f : expf(d);
        sum += (double)v[j];
    }
    const double inv = 1.0 / sum;
    for (size_t j = 0; j < n; j++)
        v[j] = (float)((double)v[j] * inv);
}

/* The same for nr <= SOFTMAX_BLOCK rows of n <= SOFTMAX_MAX_COLS values, column-wise. With
 * libmvec, also built for AVX2 (8 floats per step instead of SSE's 4), chosen at load time on
 * processors that have it; results are the same either way up to libmvec's rounding. */
#ifdef SHAPC_HAVE_LIBMVEC
__attribute__((target_clones("avx2", "default")))
#endif
static void softmax_block(float *y, size_t nr, size_t n)
{
    float t[SOFTMAX_MAX_COLS][SOFTMAX_BLOCK], mx[SOFTMAX_BLOCK];
    double sum[SOFTMAX_BLOCK];
    for (size_t j = 0; j < n; j++) {
        for (size_t r = 0; r < nr; r++)
            t[j][r] = y[r * n + j];
        for (size_t r = nr; r < SOFTMAX_BLOCK; r++)
            t[j][r] = 0.0f;
    }
    /* A select keeps NaN semantics: a NaN never wins, and then exp(NaN - max) is NaN. */
    for (size_t r = 0; r < SOFTMAX_BLOCK; r++)
        mx[r] = t[0][r];
    for (size_t j = 1; j < n; j++)
        for (size_t r = 0; r < SOFTMAX_BLOCK; r++)
            mx[r] = t[j][r] > mx[r] ? t[j][r] : mx[r];
    /* Three passes: in one, GCC proves the clamp redundant under the final select and calls
     * expf on the raw argument again. */
    for (size_t j = 0; j < n; j++)
        for (size_t r = 0; r < SOFTMAX_BLOCK; r++) {
            const float d = t[j][r] - mx[r];
            t[j][r] = d < SOFTMAX_UNDERFLOW ? SOFTMAX_UNDERFLOW : d;
        }
    for (size_t j = 0; j < n; j++)
        for (size_t r = 0; r < SOFTMAX_BLOCK; r++)
            t[j][r] = expf(t[j][r]);
    for (size_t j = 0; j < n; j++)
        for (size_t r = 0; r < SOFTMAX_BLOCK; r++)
            t[j][r] = t[j][r] <= SOFTMAX_UNDERFLOW_EXP ? 0.0f : t[j][r];
    for (size_t r = 0; r < SOFTMAX_BLOCK; r++)
        sum[r] = 0.0;
    for (size_t j = 0; j < n; j++)
        for (size_t r = 0; r < SOFTMAX_BLOCK; r++)
            sum[r] += (double)t[j][r];
    for (size_t r = 0; r < SOFTMAX_BLOCK; r++)
        sum[r] = 1.0 / sum[r];
    for (size_t j = 0; j < n; j++)
        for (size_t r = 0; r < nr; r++)
            y[r * n + j] = (float)((double)t[j][r] * sum[r]);
}

void shapc__activate_rows(shapc_activation act, float *y, size_t rows, size_t n)
{
    const size_t total = rows * n;
    switch (act) {
    case SHAPC_ACT_IDENTITY:
        return;
    case SHAPC_ACT_RELU:
        /* A select, not a conditional store, so the loop vectorises; NaN < 0 is false, so
         * NaN stays NaN and gets reported. */
        for (size_t i = 0; i < total; i++)
            y[i] = y[i] < 0.0f ? 0.0f : y[i];
        return;
    case SHAPC_ACT_SIGMOID:
        for (size_t i = 0; i < total; i++)
            y[i] = sigmoidf(y[i]);
        return;
    case SHAPC_ACT_TANH:
        for (size_t i = 0; i < total; i++)
            y[i] = tanhf(y[i]);
        return;
    case SHAPC_ACT_SOFTMAX:
        if (n > SOFTMAX_MAX_COLS) {
            for (size_t r = 0; r < rows; r++)
                softmax_row(y + r * n, n);
            return;
        }
        for (size_t r = 0; r < rows; r += SOFTMAX_BLOCK)
            softmax_block(y + r * n, rows - r < SOFTMAX_BLOCK ? rows - r : SOFTMAX_BLOCK, n);
        return;
    }
}
