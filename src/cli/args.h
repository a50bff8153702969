/* args.h - the CLI's small, strict option parser and value parsers, and the options every
 * path of `shapc explain` shares.
 *
 * Options are `--name VALUE`, `--name=VALUE`, `-o VALUE` or flags; `--` ends options. Values
 * are parsed strictly: "5000" is a size, "5k", "-1", " 5" and "" are not. Every usage error is
 * reported as one line on stderr ("shapc: explain: --rows: ...; try 'shapc explain --help'")
 * and the command exits with SHAPC_CLI_EXIT_USAGE. */
#ifndef SHAPC_CLI_ARGS_H
#define SHAPC_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include <shapc/kernel.h>

#include "json.h"

/* Process exit statuses shared by every command. */
enum { SHAPC_CLI_EXIT_OK = 0, SHAPC_CLI_EXIT_FAIL = 1, SHAPC_CLI_EXIT_USAGE = 2 };

/* One accepted option; a table of them ends with an entry whose id is 0. */
typedef struct shapc_cli_option {
    int id;                /* > 0, returned by shapc_cli_next */
    const char *long_name; /* without the leading "--" */
    char short_name;       /* 0 for none */
    int takes_value;
} shapc_cli_option;

/* Iteration state over argv[1..argc-1] (argv[0] is the command name). */
typedef struct shapc_cli_parser {
    int argc;
    char **argv;
    int next;
    int options_done; /* after "--" everything is positional */
    const char *command;
} shapc_cli_parser;

/* Results of shapc_cli_next besides option ids. */
enum { SHAPC_CLI_END = 0, SHAPC_CLI_POSITIONAL = -1, SHAPC_CLI_BAD = -2 };

void shapc_cli_parser_init(shapc_cli_parser *p, const char *command, int argc, char **argv);
/* Returns the next option's id (its value, if any, in *value), SHAPC_CLI_POSITIONAL with the
 * argument in *value, SHAPC_CLI_END, or SHAPC_CLI_BAD after printing a usage error (unknown
 * option, missing value, value given to a flag). */
int shapc_cli_next(shapc_cli_parser *p, const shapc_cli_option *options, const char **value);

/* --link: "identity" or "logit". --sampler: "auto", "permutation", "exact", "leverage" or
 * "kernel". --tol: a number in 0..1.
 * Return 0, or -1 if malformed (nothing written then). Shared by every path of `shapc explain`. */
int shapc_cli_parse_link(const char *v, shapc_link *out);
int shapc_cli_parse_sampler(const char *v, shapc_sampler *out);
/* The --sampler name of a sampler ("auto", "permutation", ...). */
const char *shapc_cli_sampler_name(shapc_sampler s);
int shapc_cli_parse_tol(const char *v, double *out);

/* 1 if arg ("--name" or "-x", without an attached "=value") is an option of the table that
 * takes its value from the next argument. */
int shapc_cli_takes_value(const shapc_cli_option *options, const char *arg);

/* Prints "shapc: <command>: <message>; try 'shapc <command> --help'" and returns
 * SHAPC_CLI_EXIT_USAGE. */
int shapc_cli_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Prints "shapc: <message>" and returns SHAPC_CLI_EXIT_FAIL. */
int shapc_cli_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Value parsers: return 0 on success, -1 (nothing printed) on a malformed value. */

/* Decimal digits only, no sign or spaces, no overflow. */
int shapc_cli_parse_size(const char *s, size_t *out);
int shapc_cli_parse_u64(const char *s, uint64_t *out);

/* A half-open row range "A:B" (rows A..B-1), "A:" (A to the end), ":B", or "A" (row A only).
 * Empty ranges (A >= B) are rejected. */
typedef struct shapc_cli_range {
    size_t begin, end; /* end valid only when has_end */
    int has_end;
    int given;         /* 0: option absent, the whole file */
} shapc_cli_range;
int shapc_cli_parse_range(const char *s, shapc_cli_range *out);
/* Resolves against n rows into [*begin, *end). Returns -1 when the range exceeds n rows. */
int shapc_cli_range_resolve(const shapc_cli_range *r, size_t n, size_t *begin, size_t *end);

/* "HxW" with H, W >= 1. */
int shapc_cli_parse_hxw(const char *s, size_t *h, size_t *w);

/* *out = a * b; returns 0 on size_t overflow, 1 otherwise. */
static inline int shapc_cli_mul_ok(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

/* Formats a shape as "28x28x1" into buf (truncated to cap). */
void shapc_cli_format_shape(char *buf, size_t cap, const size_t *shape, size_t rank,
                            const char *sep);

/* ---- options every path of `shapc explain` shares (cmd_explain.c, cmd_explain_text.c) ----
 *
 * One list gives both the option ids and the table rows, so the paths cannot drift apart: a
 * path's table starts with SHAPC_CLI_EXPLAIN_OPTIONS(SHAPC_CLI_OPTION_ROW) and numbers its own
 * options from SHAPC_CLI_EXPLAIN_OPT_END. */
#define SHAPC_CLI_EXPLAIN_OPTIONS(X)                                                               \
    X(SHAPC_CLI_EXPLAIN_OPT_NSAMPLES, "nsamples", 0, 1)                                            \
    X(SHAPC_CLI_EXPLAIN_OPT_MAX_EVALS, "max-evals", 0, 1)                                          \
    X(SHAPC_CLI_EXPLAIN_OPT_SEED, "seed", 0, 1)                                                    \
    X(SHAPC_CLI_EXPLAIN_OPT_CLASS, "class", 0, 1)                                                  \
    X(SHAPC_CLI_EXPLAIN_OPT_LINK, "link", 0, 1)                                                    \
    X(SHAPC_CLI_EXPLAIN_OPT_ROWS, "rows", 0, 1)                                                    \
    X(SHAPC_CLI_EXPLAIN_OPT_BATCHES, "batches", 0, 1)                                              \
    X(SHAPC_CLI_EXPLAIN_OPT_SAMPLER, "sampler", 0, 1)                                              \
    X(SHAPC_CLI_EXPLAIN_OPT_TOL, "tol", 0, 1)                                                      \
    X(SHAPC_CLI_EXPLAIN_OPT_THREADS, "threads", 0, 1)                                              \
    X(SHAPC_CLI_EXPLAIN_OPT_MAX_MEMORY, "max-memory", 0, 1)                                        \
    X(SHAPC_CLI_EXPLAIN_OPT_NO_PLOTS, "no-plots", 0, 0)                                            \
    X(SHAPC_CLI_EXPLAIN_OPT_QUIET, "quiet", 'q', 0)                                                \
    X(SHAPC_CLI_EXPLAIN_OPT_OUTPUT, "output", 'o', 1)

#define SHAPC_CLI_OPTION_ID(id, long_name, short_name, takes_value) id,
#define SHAPC_CLI_OPTION_ROW(id, long_name, short_name, takes_value)                               \
    {id, long_name, short_name, takes_value},

enum {
    SHAPC_CLI_EXPLAIN_OPT_NONE = 0, /* ids start at 1: 0 ends a table */
    SHAPC_CLI_EXPLAIN_OPTIONS(SHAPC_CLI_OPTION_ID) SHAPC_CLI_EXPLAIN_OPT_END
};

#define SHAPC_CLI_EXPLAIN_OUT_DIR "shapc-out" /* -o default */

/* The values of the shared options, and the positional arguments. */
typedef struct shapc_cli_explain_settings {
    const char *positional[2]; /* MODEL and INPUT as given (only INPUT with a black box) */
    size_t n_positional;
    const char *out_dir;
    const char *class_text; /* resolved against the model's outputs later */
    shapc_cli_range rows;
    size_t nsamples; /* 0 = auto */
    size_t max_evals; /* model rows per explained row; 0 = shap's budget in rows */
    uint64_t seed;
    shapc_link link;
    size_t batches;
    shapc_sampler sampler;
    double tol;           /* stop sampling once every SE < tol x range (0 = off) */
    size_t threads;       /* 0 = all online cores */
    size_t max_memory_mb; /* masked rows per thread and chunk */
    int no_plots, quiet;
} shapc_cli_explain_settings;

/* The defaults documented in docs/cli.md: the kernel's, --tol 0.005, --class all. */
shapc_cli_explain_settings shapc_cli_explain_settings_default(void);

/* Takes what shapc_cli_next returned that is not a path's own option: a shared option id
 * (1 <= id < SHAPC_CLI_EXPLAIN_OPT_END) with its value, a positional argument (at most two)
 * or SHAPC_CLI_BAD. Returns -1 to go on, or SHAPC_CLI_EXIT_USAGE (after printing a usage
 * error unless shapc_cli_next already did). */
int shapc_cli_explain_option(shapc_cli_explain_settings *s, int id, const char *v);

/* Kernel options for in-process models: the settings, with --threads 0 resolved to every
 * online core. Call shapc_blas_set_threads(1) before explaining: OpenBLAS threads inside the
 * workers would fight them, and its threaded kernels round differently. */
shapc_kernel_options shapc_cli_explain_kernel_options(const shapc_cli_explain_settings *s);

/* Online cores, clamped to 1..64 (the --threads range). */
size_t shapc_cli_online_cores(void);

/* --class resolved against a model's outputs. */
typedef enum shapc_cli_class_mode {
    SHAPC_CLI_CLASS_ALL,       /* every output, one column each */
    SHAPC_CLI_CLASS_PREDICTED, /* one column: the argmax of f(x), per row */
    SHAPC_CLI_CLASS_ONE        /* one column: output `index` */
} shapc_cli_class_mode;

typedef struct shapc_cli_class {
    shapc_cli_class_mode mode;
    size_t index;   /* SHAPC_CLI_CLASS_ONE only */
    size_t columns; /* explained columns: the model's outputs for ALL, else 1 */
} shapc_cli_class;

/* Resolves --class ("all", "predicted", an output index, or an output name; a number is
 * always taken as an index) against model's outputs. Returns -1, or SHAPC_CLI_EXIT_USAGE after
 * a usage error naming model_path. */
int shapc_cli_class_resolve(const char *text, const shapc_model *model, const char *model_path,
                            shapc_cli_class *out);

/* The model output explained in column j (< c->columns) of a row whose outputs are f (k). */
size_t shapc_cli_class_output(const shapc_cli_class *c, size_t j, const float *f, size_t k);

/* ||se|| / ||phi|| over the M players of column col of one row's (M, K) float arrays: the
 * row's relative standard error (0 for exact values; infinite when phi is all zero but se
 * is not). */
double shapc_cli_rel_se(const float *phi, const float *se, size_t M, size_t K, size_t col);

/* Rows above this relative standard error are noise-dominated: explain warns about them. */
#define SHAPC_CLI_NOISY_REL_SE 0.5

/* summary.json pieces both explain paths write. The head opens the top object and writes
 * shapc_version, command, kind (unless NULL), argv and, opening the "model" object, its path
 * and description; the path's own model keys follow. Then the model's "output_names" (key
 * and array) and, inside "settings", the shared nsamples, seed, link and class entries. */
void shapc_cli_json_explain_head(shapc_cli_json *j, const char *kind, int argc, char **argv,
                                 const char *model_path, const shapc_model *model);
void shapc_cli_json_output_names(shapc_cli_json *j, const shapc_model *model);
void shapc_cli_json_explain_settings(shapc_cli_json *j, const shapc_cli_explain_settings *s,
                                     const shapc_cli_class *target);
/* An instance's estimator keys: estimator, exact, n_players, n_evals, n_samples, rel_se (one
 * per explained column, null when infinite) and rel_se_max. phi, se: the row's (M, K). */
void shapc_cli_json_estimate(shapc_cli_json *j, const shapc_kernel_info *info, const float *phi,
                             const float *se, size_t M, size_t K);

#endif
