/* cmd_predict.c - `shapc predict MODEL INPUT`: the model's outputs for rows of a file, as a
 * table (row, most likely output, its value) or as a (n, k) float32 .npy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/command.h>
#include <shapc/data.h>
#include <shapc/model.h>

#include "args.h"
#include "commands.h"
#include "loaders.h"

enum {
    OPT_HELP = 1,
    OPT_ROWS,
    OPT_OUTPUT,
    OPT_MODEL_CMD,
    OPT_MODEL_PLUGIN,
    OPT_PLUGIN_ARG,
    OPT_BATCH,
    OPT_MODEL_TIMEOUT
};

static const shapc_cli_option options[] = {
    {OPT_HELP, "help", 'h', 0},
    {OPT_ROWS, "rows", 0, 1},
    {OPT_OUTPUT, "output", 'o', 1},
    {OPT_MODEL_CMD, "model-cmd", 0, 1},
    {OPT_MODEL_PLUGIN, "model-plugin", 0, 1},
    {OPT_PLUGIN_ARG, "plugin-arg", 0, 1},
    {OPT_BATCH, "batch", 0, 1},
    {OPT_MODEL_TIMEOUT, "model-timeout", 0, 1},
    {0, NULL, 0, 0},
};

static void usage(void)
{
    const shapc_process_options po = shapc_process_options_default();
    printf("usage: shapc predict MODEL INPUT [options]\n"
           "       shapc predict --model-cmd \"CMD ARGS\" INPUT [options]\n"
           "       shapc predict --model-plugin LIB.so INPUT [options]\n"
           "\n"
           "Runs MODEL (a model.bin, a process or a plugin) on rows of INPUT (.npy, .idx,\n"
           ".idx.gz, *ubyte, .gz, .csv, .png, a directory or @list of PNGs) and prints row,\n"
           "predicted output (argmax) and its value; or writes all outputs.\n"
           "\n"
           "options:\n"
           "  --rows SEL          rows of INPUT: A:B, A:, :B, A, steps A:B:S, lists 0,5,9\n"
           "                      [default: all]\n"
           "  -o, --output FILE   write the (rows, outputs) float32 array to FILE (.npy)\n"
           "                      instead of printing a table  [default: print]\n"
           "  --model-cmd \"CMD\"   run CMD (split like a shell, no shell) and query it over\n"
           "                      the process protocol instead of MODEL (docs/adapters.md)\n"
           "  --model-plugin LIB  load the model from a plugin library instead of MODEL\n"
           "  --plugin-arg S      string passed to the plugin's open function\n"
           "  --batch N           rows per request to a --model-cmd process  [default: %zu]\n"
           "  --model-timeout S   seconds to wait for the process's handshake and each\n"
           "                      answer, 0 = forever  [default: %g]\n"
           "  -h, --help          show this help\n",
           po.batch, po.timeout_ms / 1000.0);
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
    const shapc_process_options po = shapc_process_options_default();
    shapc_cli_model_source src = {NULL, NULL, NULL, NULL, po.batch, po.timeout_ms};
    shapc_cli_range range = {0, 0, 0, 0, 0, NULL};
    const char *value;
    int id, rc;
    while ((id = shapc_cli_next(&p, options, &value)) != SHAPC_CLI_END) {
        switch (id) {
        case SHAPC_CLI_BAD:
            return SHAPC_CLI_EXIT_USAGE;
        case OPT_HELP:
            usage();
            return SHAPC_CLI_EXIT_OK;
        case OPT_ROWS:
            if ((rc = shapc_cli_parse_range(value, &range)) != 0)
                return shapc_cli_usage_error("predict", "--rows: '%s': %s", value,
                                             shapc_cli_range_why(rc));
            rows_text = value;
            break;
        case OPT_OUTPUT:
            out_path = value;
            break;
        case OPT_MODEL_CMD: {
            char **words = NULL;
            shapc_error e = {0};
            if (shapc_command_split(value, &words, NULL, &e) != SHAPC_OK)
                return shapc_cli_usage_error("predict", "--model-cmd: %s", e.message);
            shapc_command_free(words);
            src.model_cmd = value;
            break;
        }
        case OPT_MODEL_PLUGIN:
            if (*value == '\0')
                return shapc_cli_usage_error("predict", "--model-plugin: empty path");
            src.plugin_path = value;
            break;
        case OPT_PLUGIN_ARG:
            src.plugin_arg = value;
            break;
        case OPT_BATCH:
            if (shapc_cli_parse_size(value, &src.batch) != 0 || src.batch == 0)
                return shapc_cli_usage_error("predict", "--batch: '%s' is not a positive "
                                             "integer", value);
            break;
        case OPT_MODEL_TIMEOUT:
            if (shapc_cli_parse_timeout(value, &src.timeout_ms) != 0)
                return shapc_cli_usage_error("predict", "--model-timeout: '%s' is not a "
                                             "number of seconds >= 0", value);
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
    const char *model_path, *input_path;
    if (src.model_cmd && src.plugin_path)
        return shapc_cli_usage_error("predict", "--model-cmd and --model-plugin exclude each "
                                     "other");
    if (src.plugin_arg && !src.plugin_path)
        return shapc_cli_usage_error("predict", "--plugin-arg needs --model-plugin");
    if (src.model_cmd || src.plugin_path) {
        /* The model comes from the option: the only positional is INPUT. */
        if (n_pos == 2)
            return shapc_cli_usage_error("predict", "give either MODEL ('%s') or %s, not both",
                                         positional[0],
                                         src.model_cmd ? "--model-cmd" : "--model-plugin");
        if (n_pos < 1)
            return shapc_cli_usage_error("predict", "missing INPUT");
        model_path = src.model_cmd ? src.model_cmd : src.plugin_path;
        input_path = positional[0];
    } else {
        if (n_pos < 2)
            return shapc_cli_usage_error("predict", "missing %s",
                                         n_pos == 0 ? "MODEL" : "INPUT");
        model_path = positional[0];
        input_path = positional[1];
    }
    src.model_path = model_path;

    rc = SHAPC_CLI_EXIT_FAIL;
    shapc_error err = {0};
    shapc_model *model = NULL;
    shapc_array *rows = NULL, *out = NULL;
    size_t n_all = 0, *ids = NULL;
    /* A process takes seconds to start (or the whole --model-timeout to fail): refuse a
     * malformed INPUT first. */
    if ((src.model_cmd || src.plugin_path) && shapc_cli_check_input(input_path, &err) != SHAPC_OK) {
        shapc_cli_fail("%s", err.message);
        goto cleanup;
    }
    if (shapc_cli_open_model(&src, &model, &err) != SHAPC_OK) {
        shapc_cli_fail("%s", err.message);
        goto cleanup;
    }
    shapc_status st = shapc_cli_load_rows(input_path, model, &range, NULL, &ids, &n_all, &rows,
                                          &err);
    if (shapc_cli_rows_outside(st, &err)) {
        shapc_cli_fail("%s: --rows %s out of range (the file has %zu rows)", input_path,
                       rows_text ? rows_text : "", n_all);
        goto cleanup;
    }
    if (st != SHAPC_OK) {
        shapc_cli_fail("%s", err.message);
        goto cleanup;
    }
    /* rows holds the selected rows only; ids numbers them in the file. */
    const size_t d = shapc_model_n_inputs(model), k = shapc_model_n_outputs(model);
    const size_t n = shapc_array_dim(rows, 0);
    const float *x = shapc_array_cdata(rows);
    if (shapc_cli_check_finite(input_path, x, n, d, ids, 0, &err) != SHAPC_OK) {
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
            printf("%8zu  %-24s  %.6f\n", ids[i], shapc_model_output_name(model, best),
                   (double)y[i * k + best]);
        }
    }
    rc = SHAPC_CLI_EXIT_OK;
cleanup:
    free(ids);
    shapc_array_free(out);
    shapc_array_free(rows);
    shapc_model_free(model);
    return rc;
}
