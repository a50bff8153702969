/* mpi_schedule.h - the MPI side of the scheduler (schedule.h, docs/mpi.md). Compiled only with
 * -DSHAPC_WITH_MPI=ON; the plain build never includes it.
 *
 * Every rank loads the model and input and prepares the same run (predictions, classes) on
 * its own; rows are then handed out one at a time by rank 0 (dynamic load balancing: rows
 * differ in cost), explained by whichever rank asks next, and sent back to rank 0 in the
 * results' row codec; rank 0 keeps the results, journals finished rows in row order and
 * alone writes the results directory. A row's numbers depend only on the seed and the row
 * (the kernel's RNG is seeded per instance), so the files are bit-identical to a
 * single-process run. */
#ifndef SHAPC_CLI_MPI_SCHEDULE_H
#define SHAPC_CLI_MPI_SCHEDULE_H

#include "schedule.h"

/* The four operations of schedule.h under MPI (see there). init is a no-op unless an MPI
 * launcher started the process. */
shapc_status shapc_cli_mpi_init(shapc_cli_scheduler *m, shapc_error *err);
int shapc_cli_mpi_agree(shapc_cli_scheduler *m, int rc);
void shapc_cli_mpi_end(shapc_cli_scheduler *m, int rc);
/* Rank 0 coordinates (and explains rows on a second thread); other ranks ask it for rows
 * until told to stop. */
shapc_status shapc_cli_mpi_run(shapc_cli_scheduler *m, const shapc_cli_job *job,
                               size_t *n_done, int *interrupted, shapc_error *err);

#endif
