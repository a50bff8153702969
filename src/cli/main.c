/* main.c - the shapc program: dispatches `shapc <command> ...` to src/cli/cmd_<command>.c.
 * Adding a command means adding one row to the table below and its declaration to commands.h;
 * nothing else here knows the command list. */
#include <stdio.h>
#include <string.h>

#include <shapc/version.h>

#include "args.h"
#include "commands.h"

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary; /* one line for `shapc --help` */
} cli_command;

static const cli_command commands[] = {
    {"explain", shapc_cli_explain, "compute SHAP values for rows of an input file"},
    {"info", shapc_cli_info, "describe a model.bin: inputs, outputs, background"},
    {"predict", shapc_cli_predict, "run a model on rows of an input file"},
    {"plot", shapc_cli_plot, "redraw a plot (PNG/SVG/PDF) from a results directory"},
    {"report", shapc_cli_report, "write one self-contained HTML report of a results directory"},
};

static void print_help(FILE *out)
{
    fprintf(out,
            "usage: shapc <command> [options]\n"
            "       shapc <command> --help\n"
            "       shapc --version\n"
            "\n"
            "KernelSHAP explanations for black-box models.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexit status: 0 success, 1 failure, 2 usage error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return SHAPC_CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_help(stdout);
        return SHAPC_CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("shapc %s\n", shapc_version_string());
        return SHAPC_CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    return shapc_cli_usage_error(NULL, "unknown command '%s'", name);
}
