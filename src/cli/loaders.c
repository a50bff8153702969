/* loaders.c - input files to float32 rows, and filesystem helpers (see loaders.h). */
#define _POSIX_C_SOURCE 200809L

#include "loaders.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <shapc/command.h>

#include "args.h"
#include "inputs.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* 1 if the file starts with NumPy's magic "\x93NUMPY". */
static int looks_like_npy(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    unsigned char magic[6] = {0};
    size_t got = fread(magic, 1, sizeof magic, fp);
    fclose(fp);
    return got == sizeof magic && memcmp(magic, "\x93NUMPY", 6) == 0;
}

static shapc_status read_any(const char *path, shapc_array **out, shapc_error *err)
{
    if (ends_with(path, ".npy"))
        return shapc_npy_read(path, out, err);
    if (ends_with(path, ".idx") || ends_with(path, ".idx.gz") || ends_with(path, "ubyte") ||
        ends_with(path, ".gz"))
        return shapc_idx_read(path, 0, out, err);
    if (looks_like_npy(path))
        return shapc_npy_read(path, out, err);
    return shapc_idx_read(path, 0, out, err);
}

/* The rows ids[0..n) of raw, row-major with row_elems elements each, as a new (n, row_elems)
 * array of raw's type. */
static shapc_status take_rows(const shapc_array *raw, const size_t *ids, size_t n,
                              size_t row_elems, shapc_array **out, shapc_error *err)
{
    const size_t shape[2] = {n, row_elems}, es = shapc_dtype_size(shapc_array_dtype(raw));
    shapc_status st = shapc_array_create(shapc_array_dtype(raw), 2, shape, out, err);
    if (st == SHAPC_OK) {
        const char *src = shapc_array_cdata(raw);
        char *dst = shapc_array_data(*out);
        const size_t bytes = row_elems * es;
        for (size_t i = 0; i < n; i++)
            memcpy(dst + i * bytes, src + ids[i] * bytes, bytes);
    }
    return st;
}

/* Resolves range against n_file rows (NULL: all) into a new array of row ids. */
static shapc_status select_rows(const shapc_cli_range *range, size_t n_file, size_t **ids,
                                size_t *n, size_t *n_file_out, shapc_error *err)
{
    if (n_file_out)
        *n_file_out = n_file;
    const int rc = shapc_cli_range_rows(range, n_file, ids, n);
    if (rc == -2)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    if (rc != 0) {
        /* No message: that is what tells this apart from a reader's SHAPC_ERANGE (sizes
         * that overflow, a value beyond float32), which must reach the user as it is. */
        if (err) {
            err->status = SHAPC_ERANGE;
            err->message[0] = '\0';
        }
        return SHAPC_ERANGE;
    }
    return SHAPC_OK;
}

shapc_status shapc_cli_load_rows(const char *path, const shapc_model *model,
                                 const shapc_cli_range *range, const shapc_cli_csv_drop *drop,
                                 size_t **row_ids, size_t *n_file, shapc_array **out,
                                 shapc_error *err)
{
    shapc_array *raw = NULL, *rows = NULL, *part = NULL;
    size_t n_sel = 0, *ids = NULL;
    shapc_status st;
    /* Tables and images (CSV, PNG, PNG directories and @lists) have their own rules; they
     * arrive as float32 rows (n, d), which the checks below accept as they are. */
    st = shapc_cli_inputs_handles(path) ? shapc_cli_inputs_load(path, model, drop, &raw, err)
                                        : read_any(path, &raw, err);
    if (st != SHAPC_OK)
        return st;

    size_t d = shapc_model_n_inputs(model);
    size_t rank = shapc_array_rank(raw);
    const size_t *shape = shapc_array_shape(raw);
    size_t n = 0, row = 0;
    if (rank == 1 && d > 1) {
        n = 1;
        row = shape[0];
    } else if (rank >= 1) {
        n = shape[0];
        row = rank == 1 ? 1 : shapc_array_row_size(raw);
        /* A file with zero rows has row_size == size == 0; recompute from the dims. */
        if (n == 0) {
            row = 1;
            for (size_t i = 1; i < rank; i++)
                row *= shape[i];
        }
    }
    if (rank == 0 || row != d) {
        char got[160], want[96];
        got[0] = '\0';
        if (rank == 0)
            snprintf(got, sizeof got, "()");
        else {
            got[0] = '(';
            shapc_cli_format_shape(got + 1, sizeof got - 3, shape, rank, ", ");
            strcat(got, rank == 1 ? ",)" : ")");
        }
        shapc_cli_format_shape(want, sizeof want, shapc_model_input_shape(model),
                               shapc_model_input_rank(model), "x");
        st = shapc_error_set(err, SHAPC_ESHAPE,
                             "%s: shape %s does not match the model input %s (%zu features)",
                             path, got, want, d);
        goto cleanup;
    }
    if (n == 0) {
        st = shapc_error_set(err, SHAPC_EINVAL, "%s: the file holds no rows", path);
        goto cleanup;
    }
    if ((st = select_rows(range, n, &ids, &n_sel, n_file, err)) != SHAPC_OK)
        goto cleanup;
    /* Only the selected rows are converted: a few rows of a 60,000-image file need neither
     * the time nor the 188 MB of converting all of it. */
    if (n_sel < n)
        st = take_rows(raw, ids, n_sel, d, &part, err);
    if (st == SHAPC_OK && !part && shapc_array_dtype(raw) == SHAPC_F32) {
        rows = raw; /* already float32, every row: nothing to convert */
        raw = NULL;
    } else if (st == SHAPC_OK) {
        st = shapc_array_convert(part ? part : raw, SHAPC_F32, &rows, err);
    }
    const size_t flat[2] = {n_sel, d};
    if (st == SHAPC_OK)
        st = shapc_array_reshape(rows, 2, flat, err);
    if (st != SHAPC_OK) {
        shapc_error_prefix(err, path);
        goto cleanup;
    }
    if (row_ids) {
        *row_ids = ids;
        ids = NULL;
    }
    *out = rows;
    rows = NULL;
cleanup:
    free(ids);
    shapc_array_free(raw);
    shapc_array_free(part);
    shapc_array_free(rows);
    return st;
}

shapc_status shapc_cli_check_input(const char *path, shapc_error *err)
{
    shapc_array *raw = NULL;
    shapc_status st = SHAPC_OK;
    size_t n = strlen(path);
    if (n >= 4 && strncasecmp(path + n - 4, ".csv", 4) == 0) {
        char **names = NULL;
        size_t cols = 0;
        st = shapc_csv_read(path, &raw, &names, &cols, err);
        shapc_csv_names_free(names, cols);
    } else if (!shapc_cli_inputs_handles(path)) {
        st = read_any(path, &raw, err);
    }
    shapc_array_free(raw);
    return st;
}

int shapc_cli_rows_outside(shapc_status st, const shapc_error *err)
{
    return st == SHAPC_ERANGE && err && err->message[0] == '\0';
}

shapc_status shapc_cli_check_finite(const char *path, const float *rows, size_t n, size_t d,
                                    const size_t *row_ids, size_t first_row, shapc_error *err)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            float v = rows[i * d + j];
            if (!isfinite(v))
                return shapc_error_set(err, SHAPC_ENONFINITE,
                                       "%s: row %zu has a non-finite value (%s) at feature %zu",
                                       path, row_ids ? row_ids[i] : first_row + i,
                                       isnan(v) ? "NaN" : "inf", j);
        }
    }
    return SHAPC_OK;
}

shapc_status shapc_cli_open_model(const shapc_cli_model_source *src, shapc_model **model,
                                  shapc_error *err)
{
    if (src->plugin_path) {
        /* dlopen searches the library path for a bare name; users mean the file here. */
        if (!strchr(src->plugin_path, '/')) {
            char local[4096];
            snprintf(local, sizeof local, "./%s", src->plugin_path);
            return shapc_model_open_plugin(local, src->plugin_arg, model, err);
        }
        return shapc_model_open_plugin(src->plugin_path, src->plugin_arg, model, err);
    }
    if (src->model_cmd) {
        shapc_process_options po = shapc_process_options_default();
        char **argv = NULL;
        shapc_status st = shapc_command_split(src->model_cmd, &argv, NULL, err);
        if (st != SHAPC_OK)
            return st;
        po.batch = src->batch;
        po.timeout_ms = src->timeout_ms;
        po.label = src->model_cmd;
        st = shapc_model_open_process((const char *const *)argv, &po, model, err);
        shapc_command_free(argv);
        return st;
    }
    return shapc_model_load(src->model_path, model, err);
}

int shapc_cli_parse_timeout(const char *v, int *ms)
{
    char *end;
    double s = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || !(s >= 0.0) || s > 2000000.0)
        return -1;
    *ms = (int)ceil(s * 1000.0);
    return 0;
}

char *shapc_cli_path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    int slash = a > 0 && dir[a - 1] != '/';
    char *p = malloc(a + (size_t)slash + b + 1);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    if (slash)
        p[a] = '/';
    memcpy(p + a + (size_t)slash, name, b + 1);
    return p;
}

long long shapc_cli_file_size(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return -1;
    return (long long)sb.st_size;
}
