/* cmd_explain.c - `shapc explain MODEL INPUT`: KernelSHAP values for rows of a file, written
 * as a results directory (docs/cli.md, "Output files"): shap_values.npy, stderr.npy,
 * base_values.npy, predictions.npy, classes.npy, inputs.npy, groups.npy and summary.json,
 * then the default plots.
 *
 * Everything that can fail on the user's files (model, input, background, options that
 * depend on the model) is checked before the long computation starts, and no result file is
 * written until every row is explained, so an error never leaves a half-written directory.
 * Meanwhile each finished row goes to a journal (journal.h) under a directory lock (lock.h),
 * so Ctrl-C (signals.h), kill or power loss keep finished rows for --resume. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/data.h>
#include <shapc/kernel.h>
#include <shapc/model.h>
#include <shapc/version.h>

#include "args.h"
#include "cmd_explain_text.h"
#include "commands.h"
#include "json.h"
#include "inputs.h"
#include "loaders.h"
#include "progress.h"
#include "journal.h"
#include "lock.h"
#include "render.h"
#include "signals.h"
#ifdef SHAPC_WITH_MPI
#include "mpi_explain.h"
#endif

/* ============================================================================================
 * Options
 * ========================================================================================== */

/* The options shared with the text path (args.h), then this path's own. */
enum {
    OPT_HELP = SHAPC_CLI_EXPLAIN_OPT_END,
    OPT_BACKGROUND,
    OPT_BACKGROUND_ROWS,
    OPT_GROUPS,
    OPT_MODEL_CMD,
    OPT_MODEL_PLUGIN,
    OPT_PLUGIN_ARG,
    OPT_BATCH,
    OPT_MODEL_TIMEOUT,
    OPT_RESUME,
    OPT_SEGMENTS,
    OPT_SHARE_DESIGN,
    OPT_MASK
};

static const shapc_cli_option options[] = {
    SHAPC_CLI_EXPLAIN_OPTIONS(SHAPC_CLI_OPTION_ROW) /* shared: args.h */
    {OPT_HELP, "help", 'h', 0},
    {OPT_BACKGROUND, "background", 0, 1},
    {OPT_BACKGROUND_ROWS, "background-rows", 0, 1},
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
    {0, NULL, 0, 0},
};

#define DEFAULT_OUT_DIR SHAPC_CLI_EXPLAIN_OUT_DIR
#define TOP_PER_COLUMN 5

static void usage(void)
{
    printf(
        "usage: shapc explain MODEL INPUT [options]\n"
        "       shapc explain --model-cmd \"CMD ARGS\" INPUT --background FILE [options]\n"
        "       shapc explain --model-plugin LIB.so INPUT --background FILE [options]\n"
        "\n"
        "Explains rows of INPUT (.npy, .idx, .idx.gz, *ubyte, .gz) under MODEL (a model.bin)\n"
        "with KernelSHAP and writes a results directory (see docs/cli.md).\n"
        "\n"
        "options:\n"
        "  --background FILE     background rows file  [default: the model's embedded set]\n"
        "  --background-rows A:B use background rows A..B-1  [default: all]\n"
        "  --max-evals N         model rows one row's explanation may evaluate, or 'auto' =\n"
        "                        shap's budget in rows, (2M + 2048) x min(background, 100)\n"
        "                        [default: auto]\n"
        "  --nsamples N          KernelSHAP samplers: coalitions per row; others: the budget\n"
        "                        N x min(background, 100) rows; 'auto' = 2M + 2048\n"
        "                        [default: auto]\n"
        "  --seed S              random seed; equal seeds give identical results  [default: 0]\n"
        "  --class C             outputs to explain: all, predicted (argmax of f(x)),\n"
        "                        an output index K or an output name  [default: all]\n"
        "  --groups HxW|FILE     explain HxW pixel patches, or the column groups of a\n"
        "                        groups.json (docs/inputs.md), instead of single features\n"
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
        "  --link L              identity or logit (log-odds units)  [default: identity]\n"
        "  --rows A:B            explain rows A..B-1 of INPUT (also A:, :B, A)  [default: all]\n"
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
        DEFAULT_OUT_DIR "]\n"
        "  -h, --help            show this help\n"
        "\n"
        "black-box models (instead of MODEL; docs/adapters.md):\n"
        "  --model-cmd \"CMD\"     run CMD once (split like a shell, no shell) and query it over\n"
        "                        stdin/stdout (docs/protocol.md)\n"
        "  --batch N             rows per request to CMD  [default: 1024]\n"
        "  --model-timeout S     seconds CMD may take per batch, 0 = no limit  [default: 60]\n"
        "  --model-plugin LIB    load a model plugin (include/shapc/plugin.h), a file path\n"
        "  --plugin-arg STR      argument string passed to the plugin's create  [default: \"\"]\n");
}

typedef struct explain_args {
    const char *model_path, *input_path, *bg_path;
    shapc_cli_explain_settings s; /* the options shared with the text path */
    shapc_cli_range bg_rows;
    size_t segments; /* --segments N: SLIC superpixels per row, 0 = off */
    int share_design; /* --share-design: one design per player set */
    int grouped;
    size_t gh, gw;
    const char *groups_json; /* --groups FILE.json (inputs.h) */
    shapc_cli_mask mask;
    int resume; /* continue DIR/.shapc-journal */
    const char *model_cmd, *plugin_path, *plugin_arg; /* black-box models instead of MODEL */
    size_t batch;
    int timeout_ms;
} explain_args;

/* "0.3" -> 300 ms; 0 = no limit. Returns -1 on a malformed or out-of-range value. */
static int parse_timeout(const char *v, int *ms)
{
    char *end;
    double s = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || !(s >= 0.0) || s > 2000000.0)
        return -1;
    *ms = (int)ceil(s * 1000.0);
    return 0;
}

/* Returns -1 to continue, else the exit status. */
static int parse_args(int argc, char **argv, explain_args *a)
{
    memset(a, 0, sizeof *a);
    a->s = shapc_cli_explain_settings_default();
    {
        shapc_process_options po = shapc_process_options_default();
        a->batch = po.batch;
        a->timeout_ms = po.timeout_ms;
    }

    shapc_cli_parser p;
    shapc_cli_parser_init(&p, "explain", argc, argv);
    const char *v;
    int id, rc;
    while ((id = shapc_cli_next(&p, options, &v)) != SHAPC_CLI_END) {
        switch (id) {
        case OPT_HELP:
            usage();
            return SHAPC_CLI_EXIT_OK;
        case OPT_BACKGROUND:
            a->bg_path = v;
            break;
        case OPT_BACKGROUND_ROWS:
            if (shapc_cli_parse_range(v, &a->bg_rows) != 0)
                return shapc_cli_usage_error("explain", "--background-rows: '%s' is not a row "
                                             "range A:B with A < B", v);
            break;
        case OPT_SHARE_DESIGN:
            a->share_design = 1;
            break;
        case OPT_SEGMENTS:
            if (shapc_cli_parse_size(v, &a->segments) != 0 || a->segments == 0)
                return shapc_cli_usage_error("explain", "--segments: '%s' is not an integer "
                                             ">= 1", v);
            break;
        case OPT_GROUPS:
            if (strlen(v) > 5 && strcmp(v + strlen(v) - 5, ".json") == 0)
                a->groups_json = v;
            else if (shapc_cli_parse_hxw(v, &a->gh, &a->gw) != 0)
                return shapc_cli_usage_error("explain", "--groups: '%s' is not HxW with "
                                             "H, W >= 1 (e.g. 2x2)", v);
            a->grouped = 1;
            break;
        case OPT_RESUME:
            a->resume = 1;
            break;
        case OPT_MASK:
            if (shapc_cli_parse_mask(v, &a->mask) != 0)
                return shapc_cli_usage_error("explain", "--mask: '%s' is not background, zero, "
                                             "mean or blur", v);
            break;
        case OPT_MODEL_CMD:
        {
            char **words = NULL;
            shapc_error e = {0};
            if (shapc_command_split(v, &words, NULL, &e) != SHAPC_OK) /* checked again later */
                return shapc_cli_usage_error("explain", "--model-cmd: %s", e.message);
            shapc_command_free(words);
            a->model_cmd = v;
            break;
        }
        case OPT_MODEL_PLUGIN:
            if (*v == '\0')
                return shapc_cli_usage_error("explain", "--model-plugin: empty path");
            a->plugin_path = v;
            break;
        case OPT_PLUGIN_ARG:
            a->plugin_arg = v;
            break;
        case OPT_BATCH:
            if (shapc_cli_parse_size(v, &a->batch) != 0 || a->batch == 0)
                return shapc_cli_usage_error("explain", "--batch: '%s' is not a positive "
                                             "integer", v);
            break;
        case OPT_MODEL_TIMEOUT:
            if (parse_timeout(v, &a->timeout_ms) != 0)
                return shapc_cli_usage_error("explain", "--model-timeout: '%s' is not a number "
                                             "of seconds >= 0", v);
            break;
        default:
            if ((rc = shapc_cli_explain_option(&a->s, id, v)) >= 0)
                return rc;
            break;
        }
    }
    if (a->model_cmd && a->plugin_path)
        return shapc_cli_usage_error("explain", "--model-cmd and --model-plugin exclude each "
                                     "other");
    if (a->plugin_arg && !a->plugin_path)
        return shapc_cli_usage_error("explain", "--plugin-arg needs --model-plugin");
    if (a->model_cmd || a->plugin_path) {
        /* The model comes from the option: the only positional is INPUT. */
        if (a->s.n_positional == 2)
            return shapc_cli_usage_error("explain", "give either MODEL ('%s') or %s, not both",
                                         a->s.positional[0],
                                         a->model_cmd ? "--model-cmd" : "--model-plugin");
        if (a->s.n_positional < 1)
            return shapc_cli_usage_error("explain", "missing INPUT");
        a->model_path = a->model_cmd ? a->model_cmd : a->plugin_path;
        a->input_path = a->s.positional[0];
        return -1;
    }
    if (a->s.n_positional < 2)
        return shapc_cli_usage_error("explain", "missing %s",
                                     a->s.n_positional == 0 ? "MODEL" : "INPUT");
    a->model_path = a->s.positional[0];
    a->input_path = a->s.positional[1];
    return -1;
}

/* ============================================================================================
 * Players: feature groups and names
 * ========================================================================================== */

typedef struct players {
    size_t n;         /* M */
    size_t *group_of; /* (d) player of each feature */
    char **names;     /* (M) */
} players;

static void players_free(players *pl)
{
    if (pl->names)
        for (size_t i = 0; i < pl->n; i++)
            free(pl->names[i]);
    free(pl->names);
    free(pl->group_of);
    memset(pl, 0, sizeof *pl);
}

static char *dup_str(const char *buf)
{
    size_t len = strlen(buf);
    char *s = malloc(len + 1);
    if (s)
        memcpy(s, buf, len + 1);
    return s;
}

/* Builds the player map. Images (input rank >= 2, shape (H, W[, C...])) name pixels or, with
 * --groups hxw, patches: pixel (r, c) of every channel goes to patch
 * (r / h) * ceil(W / w) + c / w. Returns 0, or an exit status after printing an error. */
static int players_build(const shapc_model *model, const explain_args *a, players *pl)
{
    size_t d = shapc_model_n_inputs(model);
    size_t rank = shapc_model_input_rank(model);
    const size_t *shape = shapc_model_input_shape(model);
    int image = rank >= 2;
    size_t H = image ? shape[0] : 0, W = image ? shape[1] : 0, C = 1;
    for (size_t i = 2; i < rank; i++)
        C *= shape[i];
    char name[96];

    memset(pl, 0, sizeof *pl);
    {
        /* CSV column names and groups.json players (inputs.h). */
        shapc_error e = {0};
        if (shapc_cli_inputs_players(a->input_path, a->bg_path, a->groups_json, model, &pl->n,
                                     &pl->group_of, &pl->names, &e) != SHAPC_OK)
            return shapc_cli_fail("%s", e.message);
        if (pl->names)
            return 0;
    }
    pl->group_of = malloc(d * sizeof *pl->group_of);
    if (!pl->group_of)
        return shapc_cli_fail("out of memory");

    if (a->grouped) {
        char want[96];
        shapc_cli_format_shape(want, sizeof want, shape, rank, "x");
        if (!image)
            return shapc_cli_usage_error("explain", "--groups needs an image model with input "
                                         "shape HxW[xC]; %s has input %s", a->model_path, want);
        if (a->gh > H || a->gw > W)
            return shapc_cli_usage_error("explain", "--groups %zux%zu is larger than the "
                                         "model input %s of %s", a->gh, a->gw, want,
                                         a->model_path);
        size_t rows_p = (H + a->gh - 1) / a->gh, cols_p = (W + a->gw - 1) / a->gw;
        pl->n = rows_p * cols_p;
        for (size_t r = 0; r < H; r++)
            for (size_t c = 0; c < W; c++)
                for (size_t ch = 0; ch < C; ch++)
                    pl->group_of[(r * W + c) * C + ch] = (r / a->gh) * cols_p + c / a->gw;
        pl->names = calloc(pl->n, sizeof *pl->names);
        if (!pl->names)
            return shapc_cli_fail("out of memory");
        for (size_t g = 0; g < pl->n; g++) {
            size_t r0 = (g / cols_p) * a->gh, c0 = (g % cols_p) * a->gw;
            size_t r1 = r0 + a->gh < H ? r0 + a->gh : H, c1 = c0 + a->gw < W ? c0 + a->gw : W;
            snprintf(name, sizeof name, "patch (%zu:%zu, %zu:%zu)", r0, r1, c0, c1);
            pl->names[g] = dup_str(name);
            if (!pl->names[g])
                return shapc_cli_fail("out of memory");
        }
        return 0;
    }

    pl->n = d;
    pl->names = calloc(d, sizeof *pl->names);
    if (!pl->names)
        return shapc_cli_fail("out of memory");
    for (size_t i = 0; i < d; i++) {
        pl->group_of[i] = i;
        size_t pix = i / C, ch = i % C;
        if (image && C == 1)
            snprintf(name, sizeof name, "pixel (%zu, %zu)", pix / W, pix % W);
        else if (image)
            snprintf(name, sizeof name, "pixel (%zu, %zu, %zu)", pix / W, pix % W, ch);
        else
            snprintf(name, sizeof name, "x%zu", i);
        pl->names[i] = dup_str(name);
        if (!pl->names[i])
            return shapc_cli_fail("out of memory");
    }
    return 0;
}

/* ============================================================================================
 * The run: state, outputs
 * ========================================================================================== */

typedef struct run {
    explain_args args;
    shapc_model *model;
    shapc_array *input;   /* (n_file, d) float32 */
    shapc_array *bg_file; /* (n, d) from --background, or NULL */
    shapc_kernel *kernel;
    players pl;
    size_t d, k_all, n, row0, K;
    size_t bg_row0, bg_n;
    const float *bg, *bg_w; /* the background rows used (borrowed), for the fingerprint */
    shapc_cli_class target; /* --class */
    /* results */
    shapc_array *phi, *se, *base, *pred, *classes, *inputs, *groups; /* see the contract */
    double *fx;                    /* (n, K) link(f(x)) */
    shapc_kernel_info *info;       /* (n) */
    double *seconds;               /* (n) time spent on each row, kept across --resume */
    double t_start, t_explain;
    /* crash safety (docs/reliability.md) */
    shapc_cli_lock lock;
    shapc_cli_journal *journal;
    size_t n_done; /* rows finished, from the journal and this run */
    int interrupted; /* the signal that stopped the run, or 0 */
    shapc_kernel_options ko; /* kept to rebuild the explainer per row for --mask blur */
    float *mask_row;         /* (d) the --mask zero/mean/blur baseline row, or NULL */
    int32_t *seg;            /* --segments: (n, H*W) superpixel of each pixel, per row */
    size_t *seg_n;           /* --segments: (n) superpixels of each row */
    size_t *seg_groups;      /* --segments: (d) scratch, player of each feature */
    size_t seg_c;            /* --segments: channels per pixel */
#ifdef SHAPC_WITH_MPI
    shapc_cli_mpi mpi; /* rank and size under mpirun (mpi_explain.h), else rank 0 of 1 */
#endif
} run;

static void run_free(run *r)
{
    shapc_kernel_free(r->kernel);
    shapc_array_free(r->phi);
    shapc_array_free(r->se);
    shapc_array_free(r->base);
    shapc_array_free(r->pred);
    shapc_array_free(r->classes);
    shapc_array_free(r->inputs);
    shapc_array_free(r->groups);
    free(r->seg);
    free(r->seg_n);
    free(r->seg_groups);
    shapc_array_free(r->bg_file);
    shapc_array_free(r->input);
    shapc_model_free(r->model);
    players_free(&r->pl);
    free(r->fx);
    free(r->info);
    free(r->seconds);
    free(r->mask_row);
    shapc_cli_journal_close(r->journal);
    shapc_cli_lock_release(&r->lock);
}

/* --segments N: SLIC superpixels of every explained row (shapc_slic); the player count M is
 * the largest row's count, and smaller rows leave their last columns zero. */
static int segments_build(run *r)
{
    const explain_args *a = &r->args;
    size_t rank = shapc_model_input_rank(r->model);
    const size_t *shape = shapc_model_input_shape(r->model);
    if (a->grouped)
        return shapc_cli_usage_error("explain", "--segments and --groups exclude each other");
    if (rank < 2)
        return shapc_cli_usage_error("explain", "--segments needs an image model with input "
                                     "shape HxW[xC]; %s is not one", a->model_path);
    size_t h = shape[0], w = shape[1], c = 1;
    for (size_t i = 2; i < rank; i++)
        c *= shape[i];
    if (c > 4)
        return shapc_cli_usage_error("explain", "--segments: %zu channels per pixel (at most 4)",
                                     c);
    if (a->segments > h * w)
        return shapc_cli_usage_error("explain", "--segments %zu exceeds the %zux%zu pixels",
                                     a->segments, h, w);
    size_t cells;
    if (!shapc_cli_mul_ok(r->n, h * w, &cells))
        return shapc_cli_fail("--segments: too many rows");
    r->seg = malloc(cells * sizeof *r->seg);
    r->seg_n = malloc(r->n * sizeof *r->seg_n);
    r->seg_groups = malloc(r->d * sizeof *r->seg_groups);
    if (!r->seg || !r->seg_n || !r->seg_groups)
        return shapc_cli_fail("out of memory for superpixels");
    r->seg_c = c;
    const float *x = (const float *)shapc_array_cdata(r->input);
    size_t m = 0;
    for (size_t i = 0; i < r->n; i++) {
        shapc_error err = {0};
        if (shapc_slic(x + i * r->d, h, w, c, a->segments, 10.0, r->seg + i * h * w,
                       &r->seg_n[i], &err) != SHAPC_OK)
            return shapc_cli_fail("%s: row %zu: %s", a->input_path, r->row0 + i, err.message);
        m = r->seg_n[i] > m ? r->seg_n[i] : m;
    }
    /* Players become "segment j"; the kernel gets each row's grouping before its turn. */
    for (size_t g = 0; g < r->pl.n; g++)
        free(r->pl.names[g]);
    free(r->pl.names);
    r->pl.names = calloc(m, sizeof *r->pl.names);
    if (!r->pl.names)
        return shapc_cli_fail("out of memory");
    for (size_t g = 0; g < m; g++) {
        char name[48];
        snprintf(name, sizeof name, "segment %zu", g);
        if (!(r->pl.names[g] = dup_str(name)))
            return shapc_cli_fail("out of memory");
    }
    r->pl.n = m;
    return 0;
}

static shapc_status create_outputs(run *r, shapc_error *err)
{
    size_t n = r->n, M = r->pl.n, K = r->K;
    size_t s3[3] = {n, M, K}, sK[2] = {n, K}, sk[2] = {n, r->k_all}, sd[2] = {n, r->d};
    size_t s1[1] = {r->d};
    shapc_status st;
    if ((st = shapc_array_create(SHAPC_F32, 3, s3, &r->phi, err)) != SHAPC_OK ||
        (st = shapc_array_create(SHAPC_F32, 3, s3, &r->se, err)) != SHAPC_OK ||
        (st = shapc_array_create(SHAPC_F32, 2, sK, &r->base, err)) != SHAPC_OK ||
        (st = shapc_array_create(SHAPC_F32, 2, sk, &r->pred, err)) != SHAPC_OK ||
        (st = shapc_array_create(SHAPC_I32, 2, sK, &r->classes, err)) != SHAPC_OK ||
        (st = shapc_array_create(SHAPC_F32, 2, sd, &r->inputs, err)) != SHAPC_OK ||
        (st = r->seg ? shapc_array_create(SHAPC_I32, 2, sd, &r->groups, err)
                     : shapc_array_create(SHAPC_I32, 1, s1, &r->groups, err)) != SHAPC_OK)
        return st;
    size_t nK;
    if (!shapc_cli_mul_ok(n, K, &nK))
        return shapc_error_set(err, SHAPC_ERANGE, "too many rows x outputs");
    r->fx = calloc(nK, sizeof *r->fx);
    r->info = calloc(n, sizeof *r->info);
    r->seconds = calloc(n, sizeof *r->seconds);
    if (!r->fx || !r->info || !r->seconds)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu rows", n);
    return SHAPC_OK;
}

/* ============================================================================================
 * Setup: everything that depends on the user's files, checked before computing
 * ========================================================================================== */

/* Opens the model: model.bin, a --model-cmd process or a --model-plugin library. */
static shapc_status open_model(const explain_args *a, shapc_model **model, shapc_error *err)
{
    if (a->plugin_path) {
        /* dlopen searches the library path for a bare name; users mean the file here. */
        if (!strchr(a->plugin_path, '/')) {
            char local[4096];
            snprintf(local, sizeof local, "./%s", a->plugin_path);
            return shapc_model_open_plugin(local, a->plugin_arg, model, err);
        }
        return shapc_model_open_plugin(a->plugin_path, a->plugin_arg, model, err);
    }
    if (a->model_cmd) {
        shapc_process_options po = shapc_process_options_default();
        char **argv = NULL;
        shapc_status st = shapc_command_split(a->model_cmd, &argv, NULL, err);
        if (st != SHAPC_OK)
            return st;
        po.batch = a->batch;
        po.timeout_ms = a->timeout_ms;
        po.label = a->model_cmd;
        st = shapc_model_open_process((const char *const *)argv, &po, model, err);
        shapc_command_free(argv);
        return st;
    }
    return shapc_model_load(a->model_path, model, err);
}

/* Returns -1 to continue or an exit status after printing the error. */
static int setup(run *r)
{
    const explain_args *a = &r->args;
    shapc_error err = {0};
    size_t n_file = 0;
    if (open_model(a, &r->model, &err) != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);
    shapc_status st = shapc_cli_load_rows(a->input_path, r->model, &a->s.rows, &r->row0, &n_file,
                                          &r->input, &err);
    if (shapc_cli_rows_outside(st, &err))
        return shapc_cli_fail("%s: --rows out of range (the file has %zu rows: 0:%zu)",
                              a->input_path, n_file, n_file);
    if (st != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);
    r->d = shapc_model_n_inputs(r->model);
    r->k_all = shapc_model_n_outputs(r->model);

    int rc = shapc_cli_class_resolve(a->s.class_text, r->model, a->model_path, &r->target);
    r->K = r->target.columns;
    if (rc >= 0)
        return rc;

    /* r->input holds the selected rows only; r->row0 numbers them in the file. */
    r->n = shapc_array_dim(r->input, 0);
    const float *x = shapc_array_cdata(r->input);
    if (shapc_cli_check_finite(a->input_path, x, r->n, r->d, r->row0, &err) != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);

    /* Background: --background FILE, else the model's embedded set (with its weights). */
    const float *bg;
    const float *bg_w = NULL;
    size_t bg_total = 0, end;
    const char *bg_name = a->bg_path ? a->bg_path : a->model_path;
    if (a->bg_path) {
        /* Only the --background-rows of the file are loaded. */
        st = shapc_cli_load_rows(a->bg_path, r->model, &a->bg_rows, &r->bg_row0, &bg_total,
                                 &r->bg_file, &err);
        if (shapc_cli_rows_outside(st, &err))
            return shapc_cli_fail("%s: --background-rows out of range (the background has %zu "
                                  "rows: 0:%zu)", bg_name, bg_total, bg_total);
        if (st != SHAPC_OK)
            return shapc_cli_fail("%s", err.message);
        bg = shapc_array_cdata(r->bg_file);
        r->bg_n = shapc_array_dim(r->bg_file, 0);
    } else {
        const shapc_array *emb = shapc_model_background(r->model);
        if (!emb && (a->mask == SHAPC_CLI_MASK_ZERO || a->mask == SHAPC_CLI_MASK_BLUR)) {
            /* These baselines need no background; the rows only stand in until replaced. */
            bg = x;
            bg_total = r->n;
        } else if (!emb) {
            return shapc_cli_fail("%s has no embedded background: pass --background",
                                  a->model_path);
        } else {
            bg = shapc_array_cdata(emb);
            bg_total = shapc_array_dim(emb, 0);
            bg_w = shapc_model_background_weights(r->model);
        }
        if (shapc_cli_range_resolve(&a->bg_rows, bg_total, &r->bg_row0, &end) != 0)
            return shapc_cli_fail("%s: --background-rows out of range (the background has %zu "
                                  "rows: 0:%zu)", bg_name, bg_total, bg_total);
        r->bg_n = end - r->bg_row0;
        bg += r->bg_row0 * r->d;
        if (bg_w)
            bg_w += r->bg_row0;
    }
    if (shapc_cli_check_finite(bg_name, bg, r->bg_n, r->d, r->bg_row0, &err) != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);
    if (a->mask != SHAPC_CLI_MASK_BACKGROUND) {
        /* One baseline row replaces the background (blur: of the first row, per row later). */
        r->mask_row = malloc(r->d * sizeof *r->mask_row);
        if (!r->mask_row)
            return shapc_cli_fail("out of memory");
        if (a->mask == SHAPC_CLI_MASK_BLUR) {
            if (shapc_cli_mask_blur(r->model, x, r->mask_row, &err) != SHAPC_OK)
                return shapc_cli_fail("%s", err.message);
        } else {
            shapc_cli_mask_row(a->mask, bg, r->bg_n, bg_w, r->d, r->mask_row);
        }
        bg = r->mask_row;
        bg_w = NULL;
        r->bg_n = 1;
    }
    r->bg = bg;
    r->bg_w = bg_w;

    rc = players_build(r->model, a, &r->pl);
    if (rc != 0)
        return rc;
    if (a->segments && (rc = segments_build(r)) != 0)
        return rc;

    shapc_kernel_options ko = shapc_cli_explain_kernel_options(&a->s);
    ko.share_design = a->share_design;
    if (a->share_design)
        ko.tol = 0.0; /* rounds would make each row's design its own */
    /* A process model answers one batch at a time; anything else runs on every core. */
    if (a->model_cmd)
        ko.n_threads = 1;
#ifdef SHAPC_WITH_MPI
    /* Ranks on one node share its cores. */
    if (!a->model_cmd && !a->s.threads && r->mpi.node_ranks > 1) {
        size_t per_rank = ko.n_threads / (size_t)r->mpi.node_ranks;
        ko.n_threads = per_rank > 0 ? per_rank : 1;
    }
#endif
    /* OpenBLAS single-threaded, always: inside each worker so the two levels of threading do
     * not fight, and with one worker too, since OpenBLAS's threaded kernels round differently
     * and the output must not depend on --threads. */
    shapc_blas_set_threads(1);
    r->ko = ko;
    if (shapc_kernel_create(r->model, bg, r->bg_n, bg_w, &ko, &r->kernel, &err) != SHAPC_OK)
        return shapc_cli_fail("%s: background: %s", bg_name, err.message);
    if (a->grouped &&
        shapc_kernel_set_groups(r->kernel, r->pl.group_of, r->pl.n, &err) != SHAPC_OK)
        return shapc_cli_fail("--groups: %s", err.message);
    if (!r->seg && shapc_kernel_n_players(r->kernel) != r->pl.n)
        return shapc_cli_fail("internal error: the explainer has %zu players, expected %zu",
                              shapc_kernel_n_players(r->kernel), r->pl.n);

    if (create_outputs(r, &err) != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);
    return -1;
}

/* ============================================================================================
 * Compute
 * ========================================================================================== */

/* Rows per model call when predicting the explained rows. */
#define PREDICT_CHUNK 1024

/* The result arrays of the run, as the journal reads and writes them. */
static shapc_cli_journal_rows journal_rows(const run *r)
{
    shapc_cli_journal_rows jr = {
        .phi = shapc_array_data(r->phi),
        .se = shapc_array_data(r->se),
        .base = shapc_array_data(r->base),
        .fx = r->fx,
        .pred = shapc_array_data(r->pred),
        .classes = shapc_array_data(r->classes),
        .info = r->info,
        .seconds = r->seconds,
    };
    return jr;
}

/* What a journal must match to be resumed: every option that changes the numbers (as
 * readable text, to name the difference) and the bytes they are computed from - the model
 * file (or command), the explained rows, the background, and the model's answers on them.
 * Paths are left out on purpose: a moved but identical file resumes fine. */
static shapc_status journal_layout(const run *r, shapc_cli_journal_layout *l, shapc_error *err)
{
    const explain_args *a = &r->args;
    char cls[64], groups[48], nsamples[32], max_evals[32];
    uint64_t h = SHAPC_CLI_HASH_INIT;
    memset(l, 0, sizeof *l);
    if (r->target.mode == SHAPC_CLI_CLASS_ONE)
        snprintf(cls, sizeof cls, "%zu", r->target.index);
    else
        snprintf(cls, sizeof cls, "%s",
                 r->target.mode == SHAPC_CLI_CLASS_ALL ? "all" : "predicted");
    if (a->grouped)
        snprintf(groups, sizeof groups, "%zux%zu", a->gh, a->gw);
    else if (a->segments)
        snprintf(groups, sizeof groups, "slic%zu", a->segments);
    else
        snprintf(groups, sizeof groups, "none");
    if (a->s.nsamples)
        snprintf(nsamples, sizeof nsamples, "%zu", a->s.nsamples);
    else
        snprintf(nsamples, sizeof nsamples, "auto");
    if (a->s.max_evals)
        snprintf(max_evals, sizeof max_evals, "%zu", a->s.max_evals);
    else
        snprintf(max_evals, sizeof max_evals, "auto");
    /* Truncation would only shorten the message: the hash below covers what was kept, and
     * everything that matters is hashed again from the data. */
    int len = snprintf(l->settings, sizeof l->settings,
                       "--seed=%llu --nsamples=%s --max-evals=%s --link=%s --class=%s --groups=%s "
                       "--batches=%zu "
                       "--sampler=%s --tol=%g --share-design=%d --rows=%zu:%zu "
                       "--background-rows=%zu:%zu --background=%s",
                       (unsigned long long)a->s.seed, nsamples, max_evals,
                       a->s.link == SHAPC_LINK_LOGIT ? "logit" : "identity", cls, groups,
                       a->s.batches, shapc_cli_sampler_name(a->s.sampler),
                       a->s.tol, a->share_design, r->row0,
                       r->row0 + r->n, r->bg_row0, r->bg_row0 + r->bg_n,
                       a->bg_path ? "file" : "embedded");
    if (len < 0)
        l->settings[0] = '\0';
    h = shapc_cli_hash(h, l->settings, strlen(l->settings) + 1);
    h = shapc_cli_hash(h, shapc_version_string(), strlen(shapc_version_string()) + 1);
    if (a->model_cmd) {
        h = shapc_cli_hash(h, a->model_cmd, strlen(a->model_cmd) + 1);
    } else {
        shapc_status st = shapc_cli_hash_file(&h, a->model_path, err);
        if (st != SHAPC_OK)
            return st;
    }
    const float *x = (const float *)shapc_array_cdata(r->input);
    h = shapc_cli_hash(h, x, r->n * r->d * sizeof *x);
    h = shapc_cli_hash(h, r->bg, r->bg_n * r->d * sizeof *r->bg);
    if (r->bg_w)
        h = shapc_cli_hash(h, r->bg_w, r->bg_n * sizeof *r->bg_w);
    h = shapc_cli_hash(h, r->pl.group_of, r->d * sizeof *r->pl.group_of);
    h = shapc_cli_hash(h, shapc_kernel_base_values(r->kernel), r->k_all * sizeof(double));
    h = shapc_cli_hash(h, shapc_array_cdata(r->pred), r->n * r->k_all * sizeof(float));
    l->fingerprint = h;
    l->n = r->n;
    l->M = r->pl.n;
    l->K = r->K;
    l->k_all = r->k_all;
    return SHAPC_OK;
}

/* Opens (or, with --resume, continues) the journal; finished rows land in the result arrays.
 * Returns -1 to continue or an exit status. */
static int open_journal(run *r)
{
    shapc_cli_journal_layout layout;
    shapc_cli_journal_rows jr = journal_rows(r);
    shapc_error err = {0};
    size_t dropped = 0;
    if (journal_layout(r, &layout, &err) != SHAPC_OK ||
        shapc_cli_journal_open(r->args.s.out_dir, &layout, r->args.resume, &jr, &r->n_done,
                               &dropped, &r->journal, &err) != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);
    if (dropped > 0)
        fprintf(stderr, "shapc: note: dropped %zu bytes of an incomplete record at the end of "
                "the journal (a run stopped mid-write)\n", dropped);
    if (r->args.resume && !r->args.s.quiet && r->n_done > 0)
        fprintf(stderr, "shapc: resuming: %zu of %zu rows already done\n", r->n_done, r->n);
    return -1;
}

/* --mask blur: the baseline is the row's own blurred copy, so each row gets its explainer. */
static int reblur_kernel(run *r, const float *x)
{
    shapc_error err = {0};
    if (shapc_cli_mask_blur(r->model, x, r->mask_row, &err) != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);
    shapc_kernel_free(r->kernel);
    r->kernel = NULL;
    if (shapc_kernel_create(r->model, r->mask_row, 1, NULL, &r->ko, &r->kernel, &err) !=
            SHAPC_OK ||
        (r->args.grouped &&
         shapc_kernel_set_groups(r->kernel, r->pl.group_of, r->pl.n, &err) != SHAPC_OK))
        return shapc_cli_fail("--mask blur: %s", err.message);
    return -1;
}

static int explain_rows(run *r);

static int compute(run *r)
{
    const explain_args *a = &r->args;
    shapc_error err = {0};
    size_t n = r->n, d = r->d, k = r->k_all, K = r->K;
    const float *x = (const float *)shapc_array_cdata(r->input);
    float *pred = shapc_array_data(r->pred);

    memcpy(shapc_array_data(r->inputs), x, n * d * sizeof *x);
    int32_t *groups = shapc_array_data(r->groups);
    for (size_t i = 0; i < d; i++)
        groups[i] = (int32_t)r->pl.group_of[i];
    if (r->seg)
        for (size_t i = 0; i < n; i++)
            for (size_t f = 0; f < d; f++)
                groups[i * d + f] = r->seg[i * (d / r->seg_c) + f / r->seg_c];

    for (size_t i = 0; i < n; i += PREDICT_CHUNK) {
        size_t m = n - i < PREDICT_CHUNK ? n - i : PREDICT_CHUNK;
        if (shapc_model_predict(r->model, x + i * d, m, pred + i * k, &err) != SHAPC_OK)
            return shapc_cli_fail("%s: rows of %s: %s", a->model_path, a->input_path,
                                  err.message);
    }

    /* Which model output each explained column is, per row. */
    int32_t *cls = shapc_array_data(r->classes);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < K; j++)
            cls[i * K + j] = (int32_t)shapc_cli_class_output(&r->target, j, pred + i * k, k);
    }

    return explain_rows(r);
}

/* Scratch of explain_row: the full (M, k) result of one row. */
typedef struct row_ctx {
    run *r;
    double *phi_all, *se_all, *fx_all;
    shapc_cli_progress *prog; /* erased before an error message, or NULL */
} row_ctx;

/* Keeps the K selected columns of row i's full (M, k) result. */
static void keep_columns(run *r, size_t i, const double *phi_all, const double *se_all,
                         const double *fx_all)
{
    const size_t k = r->k_all, M = r->pl.n, K = r->K;
    const int32_t *cls = shapc_array_cdata(r->classes);
    float *phi = shapc_array_data(r->phi), *se = shapc_array_data(r->se);
    float *basev = shapc_array_data(r->base);
    for (size_t j = 0; j < K; j++) {
        size_t col = (size_t)cls[i * K + j];
        for (size_t g = 0; g < M; g++) {
            phi[(i * M + g) * K + j] = (float)phi_all[g * k + col];
            se[(i * M + g) * K + j] = (float)se_all[g * k + col];
        }
        basev[i * K + j] = (float)shapc_kernel_base_values(r->kernel)[col];
        r->fx[i * K + j] = fx_all[col];
    }
}

/* Explains row i into the result arrays (all but the journal). Returns -1, or an exit status
 * after printing the error (128 + signal, silently, when a stop request broke the row). */
static int explain_row(void *ctx, size_t i)
{
    row_ctx *c = ctx;
    run *r = c->r;
    const explain_args *a = &r->args;
    shapc_error err = {0};
    size_t d = r->d, k = r->k_all, M = r->pl.n;
    const float *x = (const float *)shapc_array_cdata(r->input);
    double ti = shapc_cli_now();
    int rc;
    if (a->mask == SHAPC_CLI_MASK_BLUR && (rc = reblur_kernel(r, x + i * d)) >= 0)
        return rc;
    if (r->seg) {
        /* This row's superpixels are its players; columns past its count stay zero. */
        for (size_t f = 0; f < d; f++)
            r->seg_groups[f] = (size_t)r->seg[i * (d / r->seg_c) + f / r->seg_c];
        if (shapc_kernel_set_groups(r->kernel, r->seg_groups, r->seg_n[i], &err) != SHAPC_OK)
            return shapc_cli_fail("%s: row %zu: %s", a->input_path, r->row0 + i, err.message);
        memset(c->phi_all, 0, M * k * sizeof *c->phi_all);
        memset(c->se_all, 0, M * k * sizeof *c->se_all);
    }
    if (shapc_kernel_explain(r->kernel, x + i * d, c->phi_all, c->se_all, c->fx_all, &r->info[i],
                             &err) != SHAPC_OK) {
        /* Ctrl-C also reaches a --model-cmd child, whose death fails this instance:
         * that is the interruption, not an error. */
        int sig = shapc_cli_signals_caught();
        if (sig != 0)
            return 128 + sig;
        if (c->prog)
            shapc_cli_progress_finish(c->prog);
        return shapc_cli_fail("%s: row %zu: %s", a->input_path, r->row0 + i, err.message);
    }
    keep_columns(r, i, c->phi_all, c->se_all, c->fx_all);
    r->seconds[i] = shapc_cli_now() - ti;
    return -1;
}

/* Explains rows i0 .. i0+nb-1 at once, one per thread (shapc_kernel_explain_rows: the same
 * bytes as row by row). Returns -1, or an exit status: a failing block is explained again row
 * by row, which reports the first failing row as explain_row does. */
static int explain_block(row_ctx *c, size_t i0, size_t nb)
{
    run *r = c->r;
    const size_t d = r->d, k = r->k_all, M = r->pl.n;
    const float *x = (const float *)shapc_array_cdata(r->input) + i0 * d;
    shapc_error err = {0};
    const double t0 = shapc_cli_now();
    if (shapc_kernel_explain_rows(r->kernel, x, nb, c->phi_all, c->se_all, c->fx_all,
                                  &r->info[i0], &err) != SHAPC_OK) {
        for (size_t i = i0; i < i0 + nb; i++) {
            int rc = explain_row(c, i);
            if (rc >= 0)
                return rc;
        }
        return -1;
    }
    const double each = (shapc_cli_now() - t0) / (double)nb;
    for (size_t b = 0; b < nb; b++) {
        keep_columns(r, i0 + b, c->phi_all + b * M * k, c->se_all + b * M * k,
                     c->fx_all + b * k);
        r->seconds[i0 + b] = each;
    }
    return -1;
}

static int explain_rows(run *r)
{
    size_t n = r->n, k = r->k_all, M = r->pl.n;
    size_t Mk;
    if (!shapc_cli_mul_ok(M, k, &Mk))
        return shapc_cli_fail("too many players x outputs");
    /* Rows go to the explainer in blocks, one row per thread, where nothing about the
     * explainer changes from row to row (superpixels regroup it, blur re-masks it, MPI hands
     * out single rows). Four rows per thread keep the threads busy to the end of a block; a
     * block's full results stay within 64 MiB. */
    size_t block = 1;
    if (r->ko.n_threads > 1 && !r->seg && r->args.mask != SHAPC_CLI_MASK_BLUR) {
        block = 4 * r->ko.n_threads;
        const size_t cap = ((size_t)64 << 20) / (2 * sizeof(double) * (Mk + 1));
        block = block < cap ? block : cap;
        if (block < 2)
            block = 1;
    }
    double *phi_all = malloc(block * Mk * sizeof *phi_all);
    double *se_all = malloc(block * Mk * sizeof *se_all);
    double *fx_all = malloc(block * k * sizeof *fx_all);
    if (!phi_all || !se_all || !fx_all) {
        free(phi_all);
        free(se_all);
        free(fx_all);
        return shapc_cli_fail("out of memory for %zu players x %zu outputs", M, k);
    }

    shapc_error err = {0};
    shapc_cli_progress prog;
    shapc_cli_progress_init(&prog, "rows", n, r->args.s.quiet);
    row_ctx ctx = {r, phi_all, se_all, fx_all, &prog};
    int rc = -1, distributed = 0;
#ifdef SHAPC_WITH_MPI
    if (r->mpi.size > 1) {
        distributed = 1;
        /* Under mpirun: rank 0 hands out rows and journals them, the others explain. */
        shapc_cli_mpi_job job = {journal_rows(r), n, M, r->K, explain_row, &ctx, NULL, NULL};
        ctx.prog = NULL; /* rank 0 explains on a second thread */
        if (r->mpi.rank > 0) {
            rc = shapc_cli_mpi_work(&r->mpi, &job);
        } else if ((rc = open_journal(r)) < 0) {
            job.journal = r->journal;
            job.progress = &prog;
            rc = shapc_cli_mpi_coordinate(&r->mpi, &job, &r->n_done, &r->interrupted);
        }
    }
#endif
    if (!distributed)
        rc = open_journal(r);
    shapc_cli_journal_rows jr = journal_rows(r);
    for (size_t i = r->n_done; i < n && !distributed && rc < 0;) {
        /* A stop request is honoured between instances (or blocks): the finished ones are
         * journaled. */
        if ((r->interrupted = shapc_cli_signals_caught()) != 0)
            break;
        const size_t nb = n - i < block ? n - i : block;
        int row_rc = nb > 1 ? explain_block(&ctx, i, nb) : explain_row(&ctx, i);
        if (row_rc >= 0) {
            if ((r->interrupted = shapc_cli_signals_caught()) == 0)
                rc = row_rc;
            shapc_cli_progress_finish(&prog);
            break;
        }
        for (size_t end = i + nb; i < end && rc < 0; i++) {
            if (shapc_cli_journal_append(r->journal, &jr, i, &err) != SHAPC_OK) {
                shapc_cli_progress_finish(&prog);
                rc = shapc_cli_fail("%s", err.message);
            } else {
                r->n_done = i + 1;
            }
        }
        if (rc < 0)
            shapc_cli_progress_update(&prog, r->n_done);
    }
    shapc_cli_progress_finish(&prog);
    r->t_explain = 0;
    for (size_t i = 0; i < r->n_done && i < r->n; i++)
        r->t_explain += r->seconds[i];
    free(phi_all);
    free(se_all);
    free(fx_all);
    return rc;
}

/* ============================================================================================
 * summary.json
 * ========================================================================================== */

static void json_shape(shapc_cli_json *j, const size_t *shape, size_t rank)
{
    shapc_cli_json_begin_array(j);
    for (size_t i = 0; i < rank; i++)
        shapc_cli_json_int(j, (long long)shape[i]);
    shapc_cli_json_end_array(j);
}

/* The TOP_PER_COLUMN players with the largest |phi| in column col of row i. */
static void json_top(shapc_cli_json *j, const run *r, size_t i, size_t col)
{
    size_t M = r->pl.n, K = r->K;
    const float *phi = (const float *)shapc_array_cdata(r->phi) + i * M * K;
    const int32_t *cls = (const int32_t *)shapc_array_cdata(r->classes) + i * K;
    size_t best[TOP_PER_COLUMN];
    size_t nb = 0;
    for (size_t g = 0; g < M; g++) {
        double v = fabs((double)phi[g * K + col]);
        if (v == 0.0)
            continue;
        /* Insertion into a short sorted list; ties keep the lower player index first. */
        size_t pos = nb;
        while (pos > 0 && fabs((double)phi[best[pos - 1] * K + col]) < v)
            pos--;
        if (pos >= TOP_PER_COLUMN)
            continue;
        size_t last = nb < TOP_PER_COLUMN ? nb : TOP_PER_COLUMN - 1;
        for (size_t t = last; t > pos; t--)
            best[t] = best[t - 1];
        best[pos] = g;
        if (nb < TOP_PER_COLUMN)
            nb++;
    }
    for (size_t t = 0; t < nb; t++) {
        shapc_cli_json_begin_object(j);
        shapc_cli_json_key(j, "player");
        shapc_cli_json_int(j, (long long)best[t]);
        shapc_cli_json_key(j, "name");
        shapc_cli_json_string(j, r->pl.names[best[t]]);
        shapc_cli_json_key(j, "class");
        shapc_cli_json_int(j, cls[col]);
        shapc_cli_json_key(j, "value");
        shapc_cli_json_number(j, (double)phi[best[t] * K + col]);
        shapc_cli_json_end_object(j);
    }
}

static void build_summary(shapc_cli_json *j, const run *r, int argc, char **argv)
{
    const explain_args *a = &r->args;
    shapc_cli_json_explain_head(j, NULL, argc, argv, a->model_path, r->model);
    shapc_cli_json_key(j, "input_shape");
    json_shape(j, shapc_model_input_shape(r->model), shapc_model_input_rank(r->model));
    shapc_cli_json_output_names(j, r->model);
    shapc_cli_json_end_object(j);

    shapc_cli_json_key(j, "input");
    shapc_cli_json_string(j, a->input_path);

    shapc_cli_json_key(j, "settings");
    shapc_cli_json_begin_object(j);
    shapc_cli_json_explain_settings(j, &a->s, &r->target);
    shapc_cli_json_key(j, "mask");
    shapc_cli_json_string(j, shapc_cli_mask_name(a->mask));
    shapc_cli_json_key(j, "tol");
    shapc_cli_json_number(j, a->s.tol);
    shapc_cli_json_key(j, "segments");
    if (a->segments)
        shapc_cli_json_int(j, (long long)a->segments);
    else
        shapc_cli_json_null(j);
    shapc_cli_json_key(j, "groups");
    if (a->groups_json) {
        shapc_cli_json_string(j, a->groups_json);
    } else if (a->grouped) {
        char g[64];
        snprintf(g, sizeof g, "%zux%zu", a->gh, a->gw);
        shapc_cli_json_string(j, g);
    } else {
        shapc_cli_json_null(j);
    }
    shapc_cli_json_key(j, "batches");
    shapc_cli_json_int(j, (long long)a->s.batches);
    shapc_cli_json_key(j, "background");
    shapc_cli_json_begin_object(j);
    shapc_cli_json_key(j, "source");
    shapc_cli_json_string(j, a->bg_path ? a->bg_path : "embedded");
    shapc_cli_json_key(j, "rows");
    shapc_cli_json_int(j, (long long)r->bg_n);
    shapc_cli_json_key(j, "row_range");
    shapc_cli_json_begin_array(j);
    shapc_cli_json_int(j, (long long)r->bg_row0);
    shapc_cli_json_int(j, (long long)(r->bg_row0 + r->bg_n));
    shapc_cli_json_end_array(j);
    shapc_cli_json_end_object(j);
    shapc_cli_json_key(j, "rows");
    shapc_cli_json_begin_array(j);
    shapc_cli_json_int(j, (long long)r->row0);
    shapc_cli_json_int(j, (long long)(r->row0 + r->n));
    shapc_cli_json_end_array(j);
    shapc_cli_json_end_object(j);

    shapc_cli_json_key(j, "players");
    shapc_cli_json_begin_array(j);
    for (size_t g = 0; g < r->pl.n; g++)
        shapc_cli_json_string(j, r->pl.names[g]);
    shapc_cli_json_end_array(j);

    shapc_cli_json_key(j, "instances");
    shapc_cli_json_begin_array(j);
    for (size_t i = 0; i < r->n; i++) {
        shapc_cli_json_begin_object(j);
        shapc_cli_json_key(j, "row");
        shapc_cli_json_int(j, (long long)(r->row0 + i));
        const size_t MK = r->pl.n * r->K;
        shapc_cli_json_estimate(j, &r->info[i], (const float *)shapc_array_cdata(r->phi) + i * MK,
                                (const float *)shapc_array_cdata(r->se) + i * MK, r->pl.n, r->K);
        shapc_cli_json_key(j, "fx");
        shapc_cli_json_begin_array(j);
        for (size_t c = 0; c < r->K; c++)
            shapc_cli_json_number(j, r->fx[i * r->K + c]);
        shapc_cli_json_end_array(j);
        shapc_cli_json_key(j, "top");
        shapc_cli_json_begin_array(j);
        for (size_t c = 0; c < r->K; c++)
            json_top(j, r, i, c);
        shapc_cli_json_end_array(j);
        shapc_cli_json_end_object(j);
    }
    shapc_cli_json_end_array(j);

    double total = shapc_cli_now() - r->t_start;
    shapc_cli_json_key(j, "timings");
    shapc_cli_json_begin_object(j);
    shapc_cli_json_key(j, "total_s");
    shapc_cli_json_number(j, total);
    shapc_cli_json_key(j, "explain_s");
    shapc_cli_json_number(j, r->t_explain);
    shapc_cli_json_key(j, "per_instance_s");
    shapc_cli_json_number(j, r->t_explain / (double)r->n);
    shapc_cli_json_end_object(j);
    shapc_cli_json_end_object(j);
}

/* One warning line per row whose values are noise-dominated (relative standard error above
 * SHAPC_CLI_NOISY_REL_SE in some explained column), naming the row and the remedies. */
static void warn_noisy(const run *r)
{
    const size_t M = r->pl.n, K = r->K, MK = M * K;
    const float *phi = shapc_array_cdata(r->phi), *se = shapc_array_cdata(r->se);
    for (size_t i = 0; i < r->n; i++) {
        double worst = 0.0;
        size_t col = 0;
        for (size_t c = 0; c < K; c++) {
            const double q = shapc_cli_rel_se(phi + i * MK, se + i * MK, M, K, c);
            if (q > worst) {
                worst = q;
                col = c;
            }
        }
        if (!(worst > SHAPC_CLI_NOISY_REL_SE))
            continue;
        const int32_t *cls = (const int32_t *)shapc_array_cdata(r->classes) + i * K;
        const size_t budget = r->info[i].n_evals;
        fprintf(stderr, "shapc: warning: row %zu is noise-dominated (relative standard error "
                "%.2f for output '%s' with %zu model rows): raise --max-evals (e.g. %zu) or "
                "explain fewer players (--groups)\n", r->row0 + i, worst,
                shapc_model_output_name(r->model, (size_t)cls[col]), budget,
                (size_t)ceil((double)budget * (worst / 0.2) * (worst / 0.2)));
    }
}

/* ============================================================================================
 * Writing the results directory
 * ========================================================================================== */

typedef struct out_file {
    const char *name;
    const shapc_array *array; /* NULL: summary.json */
} out_file;

/* Writes every file; on failure removes the ones this run already wrote, so the directory
 * never holds a mix of results. summary.json goes last: its presence marks a complete set. */
static int write_results(const run *r, const shapc_cli_json *summary)
{
    const out_file files[] = {
        {"shap_values.npy", r->phi},   {"stderr.npy", r->se},     {"base_values.npy", r->base},
        {"predictions.npy", r->pred},  {"classes.npy", r->classes}, {"inputs.npy", r->inputs},
        {"groups.npy", r->groups},     {"summary.json", NULL},
    };
    const size_t n_files = sizeof files / sizeof files[0];
    char *paths[sizeof files / sizeof files[0]] = {NULL};
    shapc_error err = {0};
    int rc = -1;
    size_t done = 0;
    for (; done < n_files; done++) {
        paths[done] = shapc_cli_path_join(r->args.s.out_dir, files[done].name);
        if (!paths[done]) {
            rc = shapc_cli_fail("out of memory");
            break;
        }
        shapc_status st = files[done].array
                              ? shapc_npy_write(paths[done], files[done].array, &err)
                              : shapc_file_write_atomic(paths[done], summary->buf, summary->len,
                                                        &err);
        if (st != SHAPC_OK) {
            rc = shapc_cli_fail("%s", err.message);
            break;
        }
    }
    if (rc >= 0)
        for (size_t i = 0; i < done; i++)
            remove(paths[i]);
    for (size_t i = 0; i < n_files; i++)
        free(paths[i]);
    return rc;
}

/* ============================================================================================
 * Entry point
 * ========================================================================================== */

int shapc_cli_explain(int argc, char **argv)
{
    int text_rc = shapc_cli_explain_text(argc, argv, options); /* text models: own path */
    if (text_rc >= 0)
        return text_rc;
    run r;
    memset(&r, 0, sizeof r);
    r.t_start = shapc_cli_now();
    int rc = parse_args(argc, argv, &r.args);
    if (rc >= 0)
        return rc;

    shapc_cli_json summary;
    shapc_cli_json_init(&summary, 2);
    shapc_error err = {0};
#ifdef SHAPC_WITH_MPI
    if ((rc = shapc_cli_mpi_init(&r.mpi)) >= 0)
        goto cleanup;
#endif
    rc = setup(&r);
#ifdef SHAPC_WITH_MPI
    rc = shapc_cli_mpi_agree(&r.mpi, rc); /* a rank that cannot start stops them all */
#endif
    if (rc >= 0)
        goto cleanup;
#ifdef SHAPC_WITH_MPI
    if (r.mpi.rank > 0) {
        /* Other ranks only explain the rows rank 0 hands out; rank 0 owns the directory. */
        shapc_cli_signals_install();
        rc = compute(&r);
        rc = rc >= 0 ? rc : SHAPC_CLI_EXIT_OK;
        goto cleanup;
    }
#endif
    /* Create the directory before the long part so an unusable -o fails fast. */
    if (shapc_cli_mkdir_p(r.args.s.out_dir, &err) != SHAPC_OK) {
        rc = shapc_cli_fail("%s", err.message);
        goto cleanup;
    }
    /* One run per directory (lock.h); an unfinished run is never silently overwritten. */
    if (shapc_cli_lock_acquire(&r.lock, r.args.s.out_dir, &err) != SHAPC_OK) {
        rc = shapc_cli_fail("%s", err.message);
        goto cleanup;
    }
    if (!r.args.resume && shapc_cli_journal_exists(r.args.s.out_dir)) {
        rc = shapc_cli_fail("%s holds an unfinished run (%s): pass --resume to continue it or "
                            "remove the file to start over", r.args.s.out_dir,
                            SHAPC_CLI_JOURNAL_NAME);
        goto cleanup;
    }
    shapc_cli_signals_install();
    if ((rc = compute(&r)) >= 0)
        goto cleanup;
    if (r.interrupted) {
        shapc_cli_journal_close(r.journal); /* syncs what is finished */
        r.journal = NULL;
        (void)shapc_cli_fail("interrupted: %zu of %zu rows done, kept in %s/%s; rerun with "
                            "--resume to continue", r.n_done, r.n, r.args.s.out_dir,
                            SHAPC_CLI_JOURNAL_NAME);
        rc = 128 + r.interrupted;
        goto cleanup;
    }
    build_summary(&summary, &r, argc, argv);
    if (shapc_cli_json_failed(&summary)) {
        rc = shapc_cli_fail("out of memory writing summary.json");
        goto cleanup;
    }
    if ((rc = write_results(&r, &summary)) >= 0)
        goto cleanup;
    /* The results are on disk: the journal has done its job. */
    shapc_cli_journal_finish(r.journal);
    r.journal = NULL;
    if (!r.args.s.no_plots && shapc_cli_render_default_plots(r.args.s.out_dir) != 0) {
        rc = SHAPC_CLI_EXIT_FAIL;
        goto cleanup;
    }
    if (!r.args.s.quiet) {
        /* Infinite standard errors mean the budget could not determine the values. */
        const float *se = shapc_array_cdata(r.se);
        size_t n_inf = 0;
        for (size_t i = 0; i < shapc_array_size(r.se); i++)
            n_inf += isinf(se[i]) != 0;
        if (n_inf > 0)
            fprintf(stderr, "shapc: note: %zu coalitions cannot determine the values of up to "
                    "%zu players (standard errors are infinite); use --nsamples of at least "
                    "%zu\n", r.ko.nsamples ? r.ko.nsamples : 2 * r.pl.n + 2048, r.pl.n,
                    4 * r.pl.n);
        warn_noisy(&r);
        size_t len = strlen(r.args.s.out_dir);
        printf("explained %zu row%s x %zu class%s (%zu players) in %.1f s -> %s%s\n", r.n,
               r.n == 1 ? "" : "s", r.K, r.K == 1 ? "" : "es", r.pl.n,
               shapc_cli_now() - r.t_start, r.args.s.out_dir,
               r.args.s.out_dir[len - 1] == '/' ? "" : "/");
    }
    rc = SHAPC_CLI_EXIT_OK;
cleanup:
    shapc_cli_signals_restore();
    shapc_cli_json_free(&summary);
    run_free(&r);
#ifdef SHAPC_WITH_MPI
    shapc_cli_mpi_end(&r.mpi, rc);
#endif
    return rc;
}
