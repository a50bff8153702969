/* explain_opts.c - the options of `shapc explain` (explain.h, docs/cli.md, docs/text.md): one
 * table for every kind of model, so a text model and an image model read the same command
 * line the same way; the options that do not apply to a kind are refused by its setup, once
 * the model is known. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/command.h>
#include <shapc/model.h>

#include "explain.h"
#include "loaders.h"

enum {
    OPT_HELP = 1,
    OPT_NSAMPLES,
    OPT_MAX_EVALS,
    OPT_SEED,
    OPT_CLASS,
    OPT_LINK,
    OPT_ROWS,
    OPT_BATCHES,
    OPT_SAMPLER,
    OPT_TOL,
    OPT_THREADS,
    OPT_MAX_MEMORY,
    OPT_NO_PLOTS,
    OPT_QUIET,
    OPT_OUTPUT,
    OPT_BACKGROUND,
    OPT_BACKGROUND_ROWS,
    OPT_BACKGROUND_SAMPLE,
    OPT_BACKGROUND_KMEANS,
    OPT_TARGET,
    OPT_DROP_COLUMNS,
    OPT_GROUPS,
    OPT_MODEL_CMD,
    OPT_MODEL_PLUGIN,
    OPT_PLUGIN_ARG,
    OPT_BATCH,
    OPT_MODEL_TIMEOUT,
    OPT_RESUME,
    OPT_SEGMENTS,
    OPT_SHARE_DESIGN,
    OPT_MASK,
    OPT_TEXT_MASK
};

static const shapc_cli_option options[] = {
    {OPT_HELP, "help", 'h', 0},
    {OPT_NSAMPLES, "nsamples", 0, 1},
    {OPT_MAX_EVALS, "max-evals", 0, 1},
    {OPT_SEED, "seed", 0, 1},
    {OPT_CLASS, "class", 0, 1},
    {OPT_LINK, "link", 0, 1},
    {OPT_ROWS, "rows", 0, 1},
    {OPT_BATCHES, "batches", 0, 1},
    {OPT_SAMPLER, "sampler", 0, 1},
    {OPT_TOL, "tol", 0, 1},
    {OPT_THREADS, "threads", 0, 1},
    {OPT_MAX_MEMORY, "max-memory", 0, 1},
    {OPT_NO_PLOTS, "no-plots", 0, 0},
    {OPT_QUIET, "quiet", 'q', 0},
    {OPT_OUTPUT, "output", 'o', 1},
    {OPT_BACKGROUND, "background", 0, 1},
    {OPT_BACKGROUND_ROWS, "background-rows", 0, 1},
    {OPT_BACKGROUND_SAMPLE, "background-sample", 0, 1},
    {OPT_BACKGROUND_KMEANS, "background-kmeans", 0, 1},
    {OPT_TARGET, "target", 0, 1},
    {OPT_DROP_COLUMNS, "drop-columns", 0, 1},
    {OPT_GROUPS, "groups", 0, 1},
    {OPT_MODEL_CMD, "model-cmd", 0, 1},
    {OPT_MODEL_PLUGIN, "model-plugin", 0, 1},
    {OPT_PLUGIN_ARG, "plugin-arg", 0, 1},
    {OPT_BATCH, "batch", 0, 1},
    {OPT_MODEL_TIMEOUT, "model-timeout", 0, 1},
    {OPT_RESUME, "resume", 0, 0},
    {OPT_SEGMENTS, "segments", 0, 1},
    {OPT_SHARE_DESIGN, "share-design", 0, 0},
    {OPT_MASK, "mask", 0, 1},
    {OPT_TEXT_MASK, "text-mask", 0, 1},
    {0, NULL, 0, 0},
};

static void usage(void)
{
    printf(
        "usage: shapc explain MODEL INPUT [options]\n"
        "       shapc explain --model-cmd \"CMD ARGS\" INPUT --background FILE [options]\n"
        "       shapc explain --model-plugin LIB.so INPUT --background FILE [options]\n"
        "\n"
        "Explains rows of INPUT (.npy, .idx, .idx.gz, *ubyte, .gz, .csv, .png, a directory of\n"
        "PNGs, @LIST) under MODEL (a model.bin) with KernelSHAP and writes a results directory\n"
        "(see docs/cli.md). For a text model INPUT is a UTF-8 file, one document per line,\n"
        "and each document's tokens are its players (docs/text.md).\n"
        "\n"
        "options:\n"
        "  --background FILE     background rows file  [default: the model's embedded set]\n"
        "  --background-rows SEL use these background rows (as --rows)  [default: all]\n"
        "  --background-sample N use N rows of the background drawn at random with --seed\n"
        "                        (by weight, if it has weights)  [default: all rows]\n"
        "  --background-kmeans K summarise the background into K weighted k-means centroids,\n"
        "                        as shap.kmeans (docs/inputs.md)  [default: off]\n"
        "  --target COL          CSV: leave out the label column COL (of INPUT and of a CSV\n"
        "                        --background)  [default: none]\n"
        "  --drop-columns A,B    CSV: leave out these columns too (ids, dates)  [default: none]\n"
        "  --max-evals N         model rows one row's explanation may evaluate, or 'auto' =\n"
        "                        shap's budget in rows, (2M + 2048) x min(background, 100)\n"
        "                        [default: auto]\n"
        "  --nsamples N          KernelSHAP samplers: coalitions per row; others: the budget\n"
        "                        N x min(background, 100) rows; 'auto' = 2M + 2048\n"
        "                        [default: auto]\n"
        "  --seed S              random seed; equal seeds give identical results  [default: 0]\n"
        "  --class C             outputs to explain: all, predicted (argmax of f(x)),\n"
        "                        an output index K or an output name  [default: all]\n"
        "  --groups HxW|FILE     players other than single features: HxW pixel patches\n"
        "                        (images), or FILE, a groups.json of column groups\n"
        "                        (tables; docs/inputs.md)\n"
        "                        (image models only)  [default: none]\n"
        "  --tol T               stop sampling a row once every standard error is below\n"
        "                        T x (max phi - min phi), checked per batch; 0 = whole budget\n"
        "                        [default: 0.005]\n"
        "  --share-design        rows with the same players share one set of coalitions and\n"
        "                        one factorisation (faster for many rows; implies --tol 0)\n"
        "  --segments N          explain about N SLIC superpixels of each image (natural\n"
        "                        images; groups.npy is then (rows, features))  [default: off]\n"
        "  --mask M              absent players take: background (rows), zero, mean (of the\n"
        "                        background) or blur (of each image)  [default: background]\n"
        "  --text-mask M         text models: a masked token is removed from the document\n"
        "                        (remove) or becomes the mask token (token)  [default: remove]\n"
        "  --link L              identity or logit (log-odds units)  [default: identity]\n"
        "  --rows SEL            rows of INPUT: A:B, A:, :B, A, steps A:B:S (0:569:10), lists\n"
        "                        0,5,9 or 0:10,20:; rows keep their numbers  [default: all]\n");
    printf(
        "  --batches B           batches for the standard errors, >= 2  [default: 16]\n"
        "  --sampler S           auto (exact if the budget covers every coalition, else\n"
        "                        permutation), permutation (antithetic orderings against\n"
        "                        sampled background rows), exact (every coalition),\n"
        "                        leverage (KernelSHAP, Musco & Witter 2025) or kernel\n"
        "                        (KernelSHAP, shap's scheme)  [default: auto]\n"
        "  --threads N           worker threads, 0 = all cores (1 with --model-cmd)\n"
        "                        [default: 0]\n"
        "  --max-memory MB       memory for masked rows per thread and chunk  [default: 64]\n"
        "  --resume              continue the unfinished run in the output directory\n"
        "                        (same model, input and options; see docs/cli.md)\n"
        "  --no-plots            do not draw the default plots\n"
        "  -q, --quiet           no progress line and no closing summary line\n"
        "  -o, --output DIR      results directory, created if missing  [default: "
        SHAPC_CLI_EXPLAIN_OUT_DIR "]\n"
        "  -h, --help            show this help\n");
    printf(
        "\n"
        "black-box models (instead of MODEL; docs/adapters.md):\n"
        "  --model-cmd \"CMD\"     run CMD once (split like a shell, no shell) and query it over\n"
        "                        stdin/stdout (docs/protocol.md)\n"
        "  --batch N             rows per request to CMD  [default: 1024]\n"
        "  --model-timeout S     seconds CMD may take per batch, 0 = no limit  [default: 60]\n"
        "  --model-plugin LIB    load a model plugin (include/shapc/plugin.h), a file path\n"
        "  --plugin-arg STR      argument string passed to the plugin's create  [default: \"\"]\n");
}

static int parse_mask(const char *s, shapc_cli_mask *mask)
{
    static const char *const names[] = {"background", "zero", "mean", "blur"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *mask = (shapc_cli_mask)i;
            return 0;
        }
    }
    return -1;
}

const char *shapc_cli_mask_name(shapc_cli_mask mask)
{
    switch (mask) {
    case SHAPC_CLI_MASK_ZERO:
        return "zero";
    case SHAPC_CLI_MASK_MEAN:
        return "mean";
    case SHAPC_CLI_MASK_BLUR:
        return "blur";
    default:
        return "background";
    }
}

/* "auto" -> 0, else a positive integer. */
static int parse_auto_size(const char *v, size_t *out)
{
    if (strcmp(v, "auto") == 0) {
        *out = 0;
        return 0;
    }
    return shapc_cli_parse_size(v, out) != 0 || *out == 0 ? -1 : 0;
}

/* The options of the estimator and the run: returns -1, or the usage exit status. */
static int run_option(shapc_cli_explain_args *a, int id, const char *v)
{
    const char *cmd = "explain";
    switch (id) {
    case OPT_NSAMPLES:
        if (parse_auto_size(v, &a->nsamples) != 0)
            return shapc_cli_usage_error(cmd, "--nsamples: '%s' is not a positive integer or "
                                         "'auto'", v);
        break;
    case OPT_MAX_EVALS:
        if (parse_auto_size(v, &a->max_evals) != 0)
            return shapc_cli_usage_error(cmd, "--max-evals: '%s' is not a positive integer or "
                                         "'auto'", v);
        break;
    case OPT_SEED:
        if (shapc_cli_parse_u64(v, &a->seed) != 0)
            return shapc_cli_usage_error(cmd, "--seed: '%s' is not an integer in "
                                         "0..18446744073709551615", v);
        break;
    case OPT_CLASS:
        if (*v == '\0')
            return shapc_cli_usage_error(cmd, "--class: empty value");
        a->class_text = v;
        break;
    case OPT_LINK:
        if (shapc_cli_parse_link(v, &a->link) != 0)
            return shapc_cli_usage_error(cmd, "--link: '%s' is not identity or logit", v);
        break;
    case OPT_ROWS: {
        const int rc = shapc_cli_parse_range(v, &a->rows);
        if (rc != 0)
            return shapc_cli_usage_error(cmd, "--rows: '%s': %s", v, shapc_cli_range_why(rc));
        break;
    }
        break;
    case OPT_BATCHES:
        if (shapc_cli_parse_size(v, &a->batches) != 0 || a->batches < 2)
            return shapc_cli_usage_error(cmd, "--batches: '%s' is not an integer >= 2", v);
        break;
    case OPT_SAMPLER:
        if (shapc_cli_parse_sampler(v, &a->sampler) != 0)
            return shapc_cli_usage_error(cmd, "--sampler: '%s' is not auto, permutation, "
                                         "exact, leverage or kernel", v);
        break;
    case OPT_TOL:
        if (shapc_cli_parse_tol(v, &a->tol) != 0)
            return shapc_cli_usage_error(cmd, "--tol: '%s' is not a number in 0..1", v);
        break;
    case OPT_THREADS:
        if (shapc_cli_parse_size(v, &a->threads) != 0 || a->threads > 64)
            return shapc_cli_usage_error(cmd, "--threads: '%s' is not an integer in 0..64", v);
        break;
    case OPT_MAX_MEMORY:
        /* The upper bound keeps the byte count (MiB << 20) far from size_t overflow. */
        if (shapc_cli_parse_size(v, &a->max_memory_mb) != 0 || a->max_memory_mb == 0 ||
            a->max_memory_mb > ((size_t)1 << 20))
            return shapc_cli_usage_error(cmd, "--max-memory: '%s' is not a number of MiB in "
                                         "1..1048576", v);
        break;
    case OPT_NO_PLOTS:
        a->no_plots = 1;
        break;
    case OPT_QUIET:
        a->quiet = 1;
        break;
    case OPT_OUTPUT:
        if (*v == '\0')
            return shapc_cli_usage_error(cmd, "-o: empty directory name");
        a->out_dir = v;
        break;
    case OPT_RESUME:
        a->resume = 1;
        break;
    default:
        return shapc_cli_usage_error(cmd, "unexpected option");
    }
    return -1;
}

/* The options that say what the rows are explained against: -1, or the usage exit status. */
static int input_option(shapc_cli_explain_args *a, int id, const char *v)
{
    const char *cmd = "explain";
    switch (id) {
    case OPT_BACKGROUND:
        a->bg_path = v;
        a->given_background = "--background";
        break;
    case OPT_BACKGROUND_ROWS: {
        const int rc = shapc_cli_parse_range(v, &a->bg_rows);
        if (rc != 0)
            return shapc_cli_usage_error(cmd, "--background-rows: '%s': %s", v,
                                         shapc_cli_range_why(rc));
        a->given_background = "--background";
        break;
    }
    case OPT_BACKGROUND_SAMPLE:
    case OPT_BACKGROUND_KMEANS: {
        const char *name = id == OPT_BACKGROUND_SAMPLE ? "--background-sample"
                                                       : "--background-kmeans";
        size_t n = 0;
        if (shapc_cli_parse_size(v, &n) != 0 || n == 0)
            return shapc_cli_usage_error(cmd, "%s: '%s' is not a positive integer", name, v);
        if ((id == OPT_BACKGROUND_SAMPLE ? a->bg_kmeans : a->bg_sample) != 0)
            return shapc_cli_usage_error(cmd, "--background-sample and --background-kmeans "
                                         "exclude each other");
        *(id == OPT_BACKGROUND_SAMPLE ? &a->bg_sample : &a->bg_kmeans) = n;
        a->given_background = name;
        break;
    }
    case OPT_TARGET:
        if (*v == '\0')
            return shapc_cli_usage_error(cmd, "--target: empty column name");
        a->drop.target = v;
        break;
    case OPT_DROP_COLUMNS:
        if (*v == '\0')
            return shapc_cli_usage_error(cmd, "--drop-columns: empty list");
        a->drop.columns = v;
        break;
    case OPT_SHARE_DESIGN:
        a->share_design = 1;
        a->given_share_design = "--share-design";
        break;
    case OPT_SEGMENTS:
        if (shapc_cli_parse_size(v, &a->segments) != 0 || a->segments == 0)
            return shapc_cli_usage_error(cmd, "--segments: '%s' is not an integer >= 1", v);
        a->given_segments = "--segments";
        break;
    case OPT_GROUPS:
        if (strlen(v) > 5 && strcmp(v + strlen(v) - 5, ".json") == 0)
            a->groups_json = v;
        else if (shapc_cli_parse_hxw(v, &a->gh, &a->gw) != 0)
            return shapc_cli_usage_error(cmd, "--groups: '%s' is not HxW with H, W >= 1 (e.g. "
                                         "2x2)", v);
        a->grouped = 1;
        a->given_groups = "--groups";
        break;
    case OPT_MASK:
        if (parse_mask(v, &a->mask) != 0)
            return shapc_cli_usage_error(cmd, "--mask: '%s' is not background, zero, mean or "
                                         "blur", v);
        a->given_mask = "--mask";
        break;
    case OPT_TEXT_MASK:
        if (strcmp(v, "remove") == 0)
            a->text_mask = SHAPC_TEXT_MASK_REMOVE;
        else if (strcmp(v, "token") == 0)
            a->text_mask = SHAPC_TEXT_MASK_TOKEN;
        else
            return shapc_cli_usage_error(cmd, "--text-mask: '%s' is not remove or token", v);
        a->given_text_mask = "--text-mask";
        break;
    case OPT_MODEL_CMD: {
        char **words = NULL;
        shapc_error e = {0};
        if (shapc_command_split(v, &words, NULL, &e) != SHAPC_OK) /* checked again later */
            return shapc_cli_usage_error(cmd, "--model-cmd: %s", e.message);
        shapc_command_free(words);
        a->model_cmd = v;
        break;
    }
    case OPT_MODEL_PLUGIN:
        if (*v == '\0')
            return shapc_cli_usage_error(cmd, "--model-plugin: empty path");
        a->plugin_path = v;
        break;
    case OPT_PLUGIN_ARG:
        a->plugin_arg = v;
        break;
    case OPT_BATCH:
        if (shapc_cli_parse_size(v, &a->batch) != 0 || a->batch == 0)
            return shapc_cli_usage_error(cmd, "--batch: '%s' is not a positive integer", v);
        break;
    case OPT_MODEL_TIMEOUT:
        if (shapc_cli_parse_timeout(v, &a->timeout_ms) != 0)
            return shapc_cli_usage_error(cmd, "--model-timeout: '%s' is not a number of "
                                         "seconds >= 0", v);
        break;
    default:
        return run_option(a, id, v);
    }
    return -1;
}

static void defaults(shapc_cli_explain_args *a)
{
    const shapc_kernel_options ko = shapc_kernel_options_default();
    const shapc_process_options po = shapc_process_options_default();
    memset(a, 0, sizeof *a);
    a->out_dir = SHAPC_CLI_EXPLAIN_OUT_DIR;
    a->class_text = "all";
    a->nsamples = ko.nsamples;
    a->seed = ko.seed;
    a->link = ko.link;
    a->batches = ko.n_batches;
    a->sampler = ko.sampler;
    a->tol = 0.005; /* kernelshap's default rule; --tol 0 spends the whole budget */
    a->max_memory_mb = ko.max_memory >> 20;
    a->batch = po.batch;
    a->timeout_ms = po.timeout_ms;
    a->text_mask = SHAPC_TEXT_MASK_REMOVE;
}

int shapc_cli_explain_parse(int argc, char **argv, shapc_cli_explain_args *a)
{
    const char *positional[2] = {NULL, NULL};
    size_t n_positional = 0;
    defaults(a);
    shapc_cli_parser p;
    shapc_cli_parser_init(&p, "explain", argc, argv);
    const char *v;
    int id, rc;
    while ((id = shapc_cli_next(&p, options, &v)) != SHAPC_CLI_END) {
        if (id == SHAPC_CLI_BAD)
            return SHAPC_CLI_EXIT_USAGE; /* already reported */
        if (id == OPT_HELP) {
            usage();
            return SHAPC_CLI_EXIT_OK;
        }
        if (id == SHAPC_CLI_POSITIONAL) {
            if (n_positional == 2)
                return shapc_cli_usage_error("explain", "unexpected argument '%s'", v);
            positional[n_positional++] = v;
            continue;
        }
        if ((rc = input_option(a, id, v)) >= 0)
            return rc;
    }
    if (a->model_cmd && a->plugin_path)
        return shapc_cli_usage_error("explain", "--model-cmd and --model-plugin exclude each "
                                     "other");
    if (a->plugin_arg && !a->plugin_path)
        return shapc_cli_usage_error("explain", "--plugin-arg needs --model-plugin");
    if (a->model_cmd || a->plugin_path) {
        /* The model comes from the option: the only positional is INPUT. */
        if (n_positional == 2)
            return shapc_cli_usage_error("explain", "give either MODEL ('%s') or %s, not both",
                                         positional[0],
                                         a->model_cmd ? "--model-cmd" : "--model-plugin");
        if (n_positional < 1)
            return shapc_cli_usage_error("explain", "missing INPUT");
        a->model_path = a->model_cmd ? a->model_cmd : a->plugin_path;
        a->input_path = positional[0];
        return -1;
    }
    if (n_positional < 2)
        return shapc_cli_usage_error("explain", "missing %s",
                                     n_positional == 0 ? "MODEL" : "INPUT");
    a->model_path = positional[0];
    a->input_path = positional[1];
    return -1;
}
