/* cmd_info.c - `shapc info MODEL`: what a model.bin holds, without running it. */
#include <stdio.h>
#include <string.h>

#include <shapc/data.h>
#include <shapc/model.h>
#include <shapc/text.h>

#include "args.h"
#include "commands.h"
#include "loaders.h"

enum { OPT_HELP = 1 };

static const shapc_cli_option options[] = {
    {OPT_HELP, "help", 'h', 0},
    {0, NULL, 0, 0},
};

static void usage(void)
{
    printf("usage: shapc info MODEL\n"
           "\n"
           "Prints a model.bin's description, input shape, outputs with their names, the\n"
           "embedded background set (if any) and the file size.\n"
           "\n"
           "options:\n"
           "  -h, --help   show this help\n");
}

int shapc_cli_info(int argc, char **argv)
{
    shapc_cli_parser p;
    shapc_cli_parser_init(&p, "info", argc, argv);
    const char *model_path = NULL;
    const char *value;
    int id;
    while ((id = shapc_cli_next(&p, options, &value)) != SHAPC_CLI_END) {
        if (id == SHAPC_CLI_BAD)
            return SHAPC_CLI_EXIT_USAGE;
        if (id == OPT_HELP) {
            usage();
            return SHAPC_CLI_EXIT_OK;
        }
        if (model_path)
            return shapc_cli_usage_error("info", "unexpected argument '%s'", value);
        model_path = value;
    }
    if (!model_path)
        return shapc_cli_usage_error("info", "missing MODEL");

    shapc_error err = {0};
    shapc_model *model = NULL;
    if (shapc_model_load(model_path, &model, &err) != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);

    char shape[96];
    shapc_cli_format_shape(shape, sizeof shape, shapc_model_input_shape(model),
                           shapc_model_input_rank(model), "x");
    size_t k = shapc_model_n_outputs(model);
    printf("model:       %s\n", model_path);
    printf("description: %s\n", shapc_model_describe(model));
    printf("input shape: %s (%zu features)\n", shape, shapc_model_n_inputs(model));
    printf("outputs:     %zu\n", k);
    for (size_t i = 0; i < k; i++)
        printf("  %3zu  %s\n", i, shapc_model_output_name(model, i));
    size_t n_bg = 0;
    if (shapc_model_background(model, &n_bg))
        printf("background:  %zu rows (%s weights)\n", n_bg,
               shapc_model_background_weights(model) ? "explicit" : "uniform");
    else if (shapc_model_text(model))
        printf("background:  none needed (the baseline is the document with its tokens "
               "masked)\n");
    else
        printf("background:  none (explain needs --background)\n");
    long long size = shapc_cli_file_size(model_path);
    if (size >= 0)
        printf("file size:   %lld bytes\n", size);
    shapc_model_free(model);
    return SHAPC_CLI_EXIT_OK;
}
