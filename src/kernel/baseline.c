/* baseline.c - one-row baselines derived from a background (include/shapc/kernel.h). */
#include "shapc/kernel.h"

void shapc_background_mean(const float *bg, size_t n_bg, const float *bg_w, size_t d,
                           float *row)
{
    for (size_t j = 0; j < d; j++) {
        double s = 0.0, wsum = 0.0;
        for (size_t i = 0; i < n_bg; i++) {
            const double w = bg_w ? (double)bg_w[i] : 1.0;
            s += w * (double)bg[i * d + j];
            wsum += w;
        }
        row[j] = wsum > 0.0 ? (float)(s / wsum) : 0.0f;
    }
}
