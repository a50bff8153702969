/* csv_drop.c - CSV columns left out before the model (csv_drop.h). */
#include "csv_drop.h"

#include <stdlib.h>
#include <string.h>

int shapc_cli_csv_drop_any(const shapc_cli_csv_drop *drop)
{
    return drop && ((drop->target && *drop->target) || (drop->columns && *drop->columns));
}

/* Marks column `name` (len bytes) in gone; the option it came from names the error. */
static shapc_status mark(const char *path, const char *opt, const char *name, size_t len,
                         char *const *names, size_t cols, unsigned char *gone,
                         shapc_error *err)
{
    for (size_t j = 0; j < cols; j++) {
        if (strlen(names[j]) == len && memcmp(names[j], name, len) == 0) {
            gone[j] = 1;
            return SHAPC_OK;
        }
    }
    return shapc_error_set(err, SHAPC_EINVAL, "%s: %s: no column '%.*s' in the header", path,
                           opt, (int)(len < 200 ? len : 200), name);
}

shapc_status shapc_cli_csv_read(const char *path, const shapc_cli_csv_drop *drop,
                                shapc_array **out, char ***names, size_t *cols,
                                shapc_error *err)
{
    shapc_status st = shapc_csv_read(path, out, names, cols, err);
    if (st != SHAPC_OK || !shapc_cli_csv_drop_any(drop))
        return st;
    const size_t n = shapc_array_dim(*out, 0), d = *cols;
    unsigned char *gone = calloc(d, 1);
    if (!gone)
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    if (st == SHAPC_OK && drop->target && *drop->target)
        st = mark(path, "--target", drop->target, strlen(drop->target), *names, d, gone, err);
    for (const char *p = drop->columns; st == SHAPC_OK && p && *p;) {
        const char *comma = strchr(p, ',');
        const size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len > 0)
            st = mark(path, "--drop-columns", p, len, *names, d, gone, err);
        p = comma ? comma + 1 : p + len;
    }
    size_t kept = 0;
    for (size_t j = 0; st == SHAPC_OK && j < d; j++)
        kept += !gone[j];
    if (st == SHAPC_OK && kept == 0)
        st = shapc_error_set(err, SHAPC_EINVAL, "%s: --target/--drop-columns leave no column",
                             path);
    shapc_array *rows = NULL;
    if (st == SHAPC_OK) {
        const size_t shape[2] = {n, kept};
        st = shapc_array_create(SHAPC_F32, 2, shape, &rows, err);
    }
    if (st == SHAPC_OK) {
        const float *src = shapc_array_cdata(*out);
        float *dst = shapc_array_data(rows);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++)
                if (!gone[j])
                    *dst++ = src[i * d + j];
        /* shapc_csv_names_free(names, kept) releases the rest later: the library allocates
         * with the C allocator (util/alloc.c), so a dropped name goes with free(). */
        size_t w = 0;
        for (size_t j = 0; j < d; j++) {
            if (gone[j])
                free((*names)[j]);
            else
                (*names)[w++] = (*names)[j];
        }
        shapc_array_free(*out);
        *out = rows;
        *cols = kept;
    } else {
        shapc_array_free(*out);
        *out = NULL;
        shapc_csv_names_free(*names, d);
        *names = NULL;
        *cols = 0;
    }
    free(gone);
    return st;
}
