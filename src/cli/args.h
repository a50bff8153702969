/* args.h - the CLI's small, strict option parser and value parsers, shared by every command
 * (explain's own options: explain_opts.c).
 *
 * Options are `--name VALUE`, `--name=VALUE`, `-o VALUE` or flags; `--` ends options. Values
 * are parsed strictly: "5000" is a size, "5k", "-1", " 5" and "" are not. Every usage error is
 * reported as one line on stderr ("shapc: explain: --rows: ...; try 'shapc explain --help'")
 * and the command exits with SHAPC_CLI_EXIT_USAGE. */
#ifndef SHAPC_CLI_ARGS_H
#define SHAPC_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "rows.h"

#include <shapc/kernel.h>
#include <shapc/model.h>

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
 * Return 0, or -1 if malformed (nothing written then). */
int shapc_cli_parse_link(const char *v, shapc_link *out);
int shapc_cli_parse_sampler(const char *v, shapc_sampler *out);
/* The --sampler name of a sampler ("auto", "permutation", ...). */
const char *shapc_cli_sampler_name(shapc_sampler s);
int shapc_cli_parse_tol(const char *v, double *out);

/* Prints "shapc: <command>: <message>; try 'shapc <command> --help'" and returns
 * SHAPC_CLI_EXIT_USAGE. */
int shapc_cli_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Puts "<printf-formatted prefix>: " before err's message and returns st: the caller's
 * context (file, row) added to a library error. */
shapc_status shapc_cli_error_context(shapc_error *err, shapc_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
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
/* The same for the len bytes at s (not NUL-terminated there), at least one digit. */
int shapc_cli_parse_size_span(const char *s, size_t len, size_t *out);
int shapc_cli_parse_u64(const char *s, uint64_t *out);

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
 * always taken as an index) against model's outputs. SHAPC_EINVAL with the usage error's
 * words ("--class 7: model.bin has outputs 0..2") naming model_path. */
shapc_status shapc_cli_class_resolve(const char *text, const shapc_model *model,
                                     const char *model_path, shapc_cli_class *out,
                                     shapc_error *err);

/* The model output explained in column j (< c->columns) of a row whose outputs are f (k). */
size_t shapc_cli_class_output(const shapc_cli_class *c, size_t j, const float *f, size_t k);

#endif
