/* cmd_predict.c - `shapc predict MODEL INPUT`: the model's outputs for rows of a file, as a
 * table (row, most likely output, its value) or as a (n, k) float32 .npy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/data.h>
#include <shapc/model.h>

#include "args.h"
#include "commands.h"
#include "loaders.h"

enum { OPT_HELP = 1, OPT_ROWS, OPT_OUTPUT };

static const shapc_cli_option options[] = {
    {OPT_HELP, "help", 'h', 0},
    {OPT_ROWS, "rows", 0, 1},
    {OPT_OUTPUT, "output", 'o', 1},
    {0, NULL, 0, 0},
};

static void usage(void)
{
    printf("usage: shapc predict MODEL INPUT [options]\n"
           "\n"
           "Runs MODEL (a model.bin) on rows of INPUT (.npy, .idx, .idx.gz, *ubyte, .gz) and\n"
           "prints row, predicted output (argmax) and its value; or writes all outputs.\n"
           "\n"
           "options:\n"
           "  --rows A:B          rows A..B-1 of INPUT (also A:, :B, A)  [default: all]\n"
           "  -o, --output FILE   write the (rows, outputs) float32 array to FILE (.npy)\n"
           "                      instead of printing a table  [default: print]\n"
           "  -h, --help          show this help\n");
}

/* Rows per model call: bounds the scratch memory for large inputs. */
#define PREDICT_CHUNK 1024

int shapc_cli_predict(int argc, char **argv)
{
    shapc_cli_parser p;
    shapc_cli_parser_init(&p, "predict", argc, argv);
    const char *positional[2] = {NULL, NULL};
    size_t n_pos = 0;
    const char *out_path = NULL, *rows_text = NULL;
    shapc_cli_range range = {0, 0, 0, 0};
    const char *value;
    int id;
    while ((id = shapc_cli_next(&p, options, &value)) != SHAPC_CLI_END) {
        switch (id) {
        case SHAPC_CLI_BAD:
            return SHAPC_CLI_EXIT_USAGE;
        case OPT_HELP:
            usage();
            return SHAPC_CLI_EXIT_OK;
        case OPT_ROWS:
            if (shapc_cli_parse_range(value, &range) != 0)
                return shapc_cli_usage_error("predict", "--rows: '%s' is not a row range "
                                             "A:B with A < B", value);
            rows_text = value;
            break;
        case OPT_OUTPUT:
            out_path = value;
            break;
        case SHAPC_CLI_POSITIONAL:
            if (n_pos == 2)
                return shapc_cli_usage_error("predict", "unexpected argument '%s'", value);
            positional[n_pos++] = value;
            break;
        default:
            break;
        }
    }
    if (n_pos < 2)
        return shapc_cli_usage_error("predict", "missing %s", n_pos == 0 ? "MODEL" : "INPUT");
    const char *model_path = positional[0], *input_path = positional[1];

    int rc = SHAPC_CLI_EXIT_FAIL;
    shapc_error err = {0};
    shapc_model *model = NULL;
    shapc_array *rows = NULL, *out = NULL;
    size_t n_all = 0, a = 0;
    if (shapc_model_load(model_path, &model, &err) != SHAPC_OK) {
        shapc_cli_fail("%s", err.message);
        goto cleanup;
    }
    shapc_status st = shapc_cli_load_rows(input_path, model, &range, &a, &n_all, &rows, &err);
    if (shapc_cli_rows_outside(st, &err)) {
        shapc_cli_fail("%s: --rows %s out of range (the file has %zu rows)", input_path,
                       rows_text ? rows_text : "", n_all);
        goto cleanup;
    }
    if (st != SHAPC_OK) {
        shapc_cli_fail("%s", err.message);
        goto cleanup;
    }
    /* rows holds the selected rows only; a numbers the first in the file. */
    const size_t d = shapc_model_n_inputs(model), k = shapc_model_n_outputs(model);
    const size_t n = shapc_array_dim(rows, 0);
    const float *x = shapc_array_cdata(rows);
    if (shapc_cli_check_finite(input_path, x, n, d, a, &err) != SHAPC_OK) {
        shapc_cli_fail("%s", err.message);
        goto cleanup;
    }
    size_t shape[2] = {n, k};
    if (shapc_array_create(SHAPC_F32, 2, shape, &out, &err) != SHAPC_OK) {
        shapc_cli_fail("%s", err.message);
        goto cleanup;
    }
    float *y = shapc_array_data(out);
    for (size_t i = 0; i < n; i += PREDICT_CHUNK) {
        size_t m = n - i < PREDICT_CHUNK ? n - i : PREDICT_CHUNK;
        if (shapc_model_predict(model, x + i * d, m, y + i * k, &err) != SHAPC_OK) {
            shapc_cli_fail("%s: %s", model_path, err.message);
            goto cleanup;
        }
    }

    if (out_path) {
        if (shapc_npy_write(out_path, out, &err) != SHAPC_OK) {
            shapc_cli_fail("%s", err.message);
            goto cleanup;
        }
        printf("predicted %zu rows x %zu outputs -> %s\n", n, k, out_path);
    } else {
        printf("%8s  %-24s  %s\n", "row", "predicted", "probability");
        for (size_t i = 0; i < n; i++) {
            size_t best = 0;
            for (size_t c = 1; c < k; c++)
                if (y[i * k + c] > y[i * k + best])
                    best = c;
            printf("%8zu  %-24s  %.6f\n", a + i, shapc_model_output_name(model, best),
                   (double)y[i * k + best]);
        }
    }
    rc = SHAPC_CLI_EXIT_OK;
cleanup:
    shapc_array_free(out);
    shapc_array_free(rows);
    shapc_model_free(model);
    return rc;
}
