/* rows.h - row selections: the values of --rows and --background-rows (docs/cli.md, "Row
 * selections"). A selection is a comma-separated list of items, each
 *   A        row A
 *   A:B      rows A..B-1          A:  rows A to the end of the file     :B  rows 0..B-1
 *   A:B:S    every S-th row of A:B (A, A+S, ...), and likewise A::S, ::S, :B:S
 * Rows keep their numbers in the file (results, plots and errors name them so). Items must go
 * up: every item starts after the last row of the one before, so a selection names each row
 * once and in file order; only the last item may run to the end of the file. */
#ifndef SHAPC_CLI_ROWS_H
#define SHAPC_CLI_ROWS_H

#include <stddef.h>

typedef struct shapc_cli_range {
    size_t begin, end; /* a single step-1 item (simple): its rows; end valid only when has_end */
    int has_end;
    int given;         /* 0: option absent, the whole file */
    int simple;        /* 1: one contiguous range (begin, end, has_end say it all) */
    const char *spec;  /* the option's text (kept by the caller, e.g. argv), when given */
} shapc_cli_range;

enum {
    SHAPC_CLI_ROWS_MALFORMED = -1,
    SHAPC_CLI_ROWS_EMPTY = -2,       /* A >= B, or S = 0 */
    SHAPC_CLI_ROWS_NOT_UP = -3,      /* an item starts at or before the previous one's end */
    SHAPC_CLI_ROWS_OPEN_INSIDE = -4  /* "A:" before another item */
};

/* Parses and checks a selection: 0, or one of the codes above (nothing printed; see
 * shapc_cli_range_why). s must outlive *out. */
int shapc_cli_parse_range(const char *s, shapc_cli_range *out);
/* What is wrong with a selection, for a parse code: a phrase to follow "--rows 'X': ". */
const char *shapc_cli_range_why(int rc);

/* The rows of r in a file of n rows: a new array of *count increasing row numbers (free()
 * it). Returns 0, -1 when a row lies beyond the file or nothing is selected, -2 when out of
 * memory. An absent selection is the whole file (an empty file selects nothing: -1). */
int shapc_cli_range_rows(const shapc_cli_range *r, size_t n, size_t **rows, size_t *count);

/* 1 if rows[0..count) are consecutive numbers (row ids of a contiguous block), else 0. */
int shapc_cli_rows_contiguous(const size_t *rows, size_t count);

#endif
