/* progress.h - a one-line progress display on stderr ("explaining 12/100 rows, 3.1 rows/s,
 * ETA 28 s"), redrawn at most a few times per second. Disabled when stderr is not a terminal
 * (logs and test output stay clean) or with --quiet. Also the CLI's monotonic clock. */
#ifndef SHAPC_CLI_PROGRESS_H
#define SHAPC_CLI_PROGRESS_H

#include <stddef.h>

typedef struct shapc_cli_progress {
    int enabled;
    int drawn;
    const char *what; /* "rows" */
    size_t total;
    double start, last_draw;
} shapc_cli_progress;

/* Seconds on a monotonic clock. */
double shapc_cli_now(void);

void shapc_cli_progress_init(shapc_cli_progress *p, const char *what, size_t total, int quiet);
/* Reports `done` of `total` items finished. */
void shapc_cli_progress_update(shapc_cli_progress *p, size_t done);
/* Erases the line if one was drawn. */
void shapc_cli_progress_finish(shapc_cli_progress *p);

#endif
