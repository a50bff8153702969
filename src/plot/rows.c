/* rows.c - see rows.h. shap shows max_display - 1 features and folds the rest into one row,
 * so the plot never has more than max_display rows. */
#include "plot/rows.h"

#include <stdio.h>
#include <string.h>

#include "plot/axes.h"
#include "util/alloc.h"

void shapc__rows_free(shapc__rows *rs)
{
    size_t i;
    if (rs->labels)
        for (i = 0; i < rs->rows; i++)
            shapc__free(rs->labels[i]);
    shapc__free(rs->labels);
    shapc__free(rs->order);
    memset(rs, 0, sizeof *rs);
}

static char *dup_name(const char *const *names, size_t j)
{
    char buf[48];
    if (names && names[j])
        return shapc__strdup(names[j]);
    snprintf(buf, sizeof buf, "Feature %zu", j);
    return shapc__strdup(buf);
}

shapc_status shapc__rows_make(const double *importance, size_t m, const char *const *names,
                              size_t max_display, shapc__rows *rs, shapc_error *err)
{
    size_t i;
    memset(rs, 0, sizeof *rs);
    if (max_display < 1)
        max_display = 1;
    rs->rows = m <= max_display ? m : max_display;
    rs->order = shapc__order_desc(importance, m);
    rs->labels = shapc__calloc(rs->rows, sizeof *rs->labels);
    if (!rs->order || !rs->labels)
        goto oom;
    for (i = 0; i < rs->rows; i++) {
        if (m > max_display && i == rs->rows - 1) {
            char buf[64];
            snprintf(buf, sizeof buf, "Sum of %zu other features", m - max_display + 1);
            rs->labels[i] = shapc__strdup(buf);
        } else {
            rs->labels[i] = dup_name(names, rs->order[i]);
        }
        if (!rs->labels[i])
            goto oom;
    }
    return SHAPC_OK;
oom:
    shapc__rows_free(rs);
    return shapc_error_set(err, SHAPC_ENOMEM, "plot: out of memory");
}

int shapc__rows_is_sum(const shapc__rows *rs, size_t m, size_t r)
{
    return rs->rows < m && r == rs->rows - 1;
}
