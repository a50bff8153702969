/* args.h - the CLI's small, strict option parser and value parsers.
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

/* --link: "identity" or "logit". --sampler: "leverage" or "kernel". --tol: a number in 0..1. Return 0, or -1 if malformed
 * (nothing written then). Shared by every path of `shapc explain`. */
int shapc_cli_parse_link(const char *v, shapc_link *out);
int shapc_cli_parse_sampler(const char *v, shapc_sampler *out);
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

#endif
