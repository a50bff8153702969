/* csv_drop.h - the CSV columns a user leaves out before the model sees the rows: `--target
 * COL` (the label column of a training table) and `--drop-columns A,B` (ids, timestamps).
 * Columns are named as in the header; the rest keep their order. */
#ifndef SHAPC_CLI_CSV_DROP_H
#define SHAPC_CLI_CSV_DROP_H

#include <stddef.h>

#include <shapc/data.h>
#include <shapc/status.h>

typedef struct shapc_cli_csv_drop {
    const char *target;  /* one column name, or NULL */
    const char *columns; /* comma-separated column names, or NULL */
} shapc_cli_csv_drop;

/* 1 if drop names any column. */
int shapc_cli_csv_drop_any(const shapc_cli_csv_drop *drop);

/* shapc_csv_read, then the columns drop names taken out of *out (n, cols) and *names; *cols
 * is the count left. drop may be NULL. Errors name the file: the reader's, SHAPC_EINVAL for a
 * name the header does not have ("data.csv: --drop-columns: no column 'id' in the header")
 * or when no column would be left. */
shapc_status shapc_cli_csv_read(const char *path, const shapc_cli_csv_drop *drop,
                                shapc_array **out, char ***names, size_t *cols,
                                shapc_error *err);

#endif
