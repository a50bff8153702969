/* rows.h - which features a row plot shows: ordered by importance, the tail folded into
 * "Sum of N other features" (shap's max_display rule). */
#ifndef SHAPC_PLOT_ROWS_H
#define SHAPC_PLOT_ROWS_H

#include <stddef.h>

#include "shapc/status.h"

typedef struct shapc__rows {
    size_t rows;    /* displayed rows: min(m, max_display) */
    size_t *order;  /* (m) features by importance, descending; ties by index (owned) */
    char **labels;  /* (rows) names, the last "Sum of N other features" if folded (owned) */
} shapc__rows;

/* names (m) or NULL ("Feature i"). */
shapc_status shapc__rows_make(const double *importance, size_t m, const char *const *names,
                              size_t max_display, shapc__rows *rs, shapc_error *err);
void shapc__rows_free(shapc__rows *rs);
/* 1 if displayed row r is the folded "other features" row. */
int shapc__rows_is_sum(const shapc__rows *rs, size_t m, size_t r);

#endif
