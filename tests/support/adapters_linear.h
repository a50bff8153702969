/* adapters_linear.h - the linear model every adapter test serves: the C callback, the fake
 * process child and the test plugin all compute it from this one definition, so their
 * predictions (and SHAP values) must agree. y[j] = b[j] + sum_i w(i, j) x[i]. */
#ifndef SHAPC_TEST_ADAPTERS_LINEAR_H
#define SHAPC_TEST_ADAPTERS_LINEAR_H

#include <stddef.h>

static inline float test_linear_w(size_t i, size_t j)
{
    return (float)((int)((i * 7 + j * 3) % 11) - 5) * 0.1f;
}

static inline void test_linear_predict(const float *x, size_t n, size_t d, size_t k, float *y)
{
    for (size_t r = 0; r < n; r++) {
        for (size_t j = 0; j < k; j++) {
            double acc = 0.05 * (double)j; /* double accumulation: same result everywhere */
            for (size_t i = 0; i < d; i++)
                acc += (double)test_linear_w(i, j) * (double)x[r * d + i];
            y[r * k + j] = (float)acc;
        }
    }
}

#endif
