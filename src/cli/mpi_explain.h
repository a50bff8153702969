/* mpi_explain.h - `shapc explain` across the ranks of an MPI job (docs/mpi.md). Compiled only
 * with -DSHAPC_WITH_MPI=ON; the plain build never includes it.
 *
 * Every rank loads the model and input and prepares the same run (predictions, classes) on
 * its own; rows are then handed out one at a time by rank 0 (dynamic load balancing: rows
 * differ in cost), explained by whichever rank asks next, and sent back to rank 0, which keeps
 * the result arrays, appends finished rows to its journal in row order and alone writes the
 * results directory. A row's numbers depend only on the seed and the row (the kernel's RNG is
 * seeded per instance), so the files are bit-identical to a single-process run. */
#ifndef SHAPC_CLI_MPI_EXPLAIN_H
#define SHAPC_CLI_MPI_EXPLAIN_H

#include <stddef.h>

#include "journal.h"
#include "progress.h"

typedef struct shapc_cli_mpi {
    int initialised; /* MPI_Init was called by shapc_cli_mpi_init */
    int rank, size;  /* 0 and 1 when not started by an MPI launcher */
    int node_ranks;  /* ranks sharing this node (they share its cores) */
    int released;    /* the work protocol ended cleanly: finalize, do not abort */
} shapc_cli_mpi;

/* Initialises MPI if an MPI launcher (mpirun, mpiexec, srun) started this process, else sets
 * rank 0 of 1 and touches nothing. SHAPC_MPI=0 in the environment disables MPI. Returns -1 to
 * continue or an exit status after printing the error. */
int shapc_cli_mpi_init(shapc_cli_mpi *m);

/* Collective: combines every rank's setup status rc (-1 = ok, else an exit status, its error
 * already printed). Returns -1 if all ranks are ready, else an exit status for this rank; a
 * failure everywhere then ends with a clean MPI_Finalize instead of an abort. */
int shapc_cli_mpi_agree(shapc_cli_mpi *m, int rc);

/* Ends the MPI side of the run with exit status rc: MPI_Finalize after a clean end, else
 * MPI_Abort(rc), which stops every rank (a rank that failed or was interrupted must not leave
 * the others waiting for it). Nothing when MPI was not initialised. */
void shapc_cli_mpi_end(shapc_cli_mpi *m, int rc);

/* Explains row i into the run's result arrays (the rows of shapc_cli_journal_rows: phi, se,
 * base, fx, info, seconds). Returns -1 on success or an exit status (after printing the
 * error; 128 + signal without a message when interrupted). Called from one thread at a time. */
typedef int (*shapc_cli_mpi_row_fn)(void *ctx, size_t i);

typedef struct shapc_cli_mpi_job {
    shapc_cli_journal_rows rows; /* full-size (n rows) result arrays on every rank */
    size_t n, M, K;              /* rows, players, explained columns */
    shapc_cli_mpi_row_fn explain_row;
    void *ctx;
    shapc_cli_journal *journal;   /* rank 0: finished rows are appended here, in order */
    shapc_cli_progress *progress; /* rank 0, may be NULL */
} shapc_cli_mpi_job;

/* Rank 0: hands out rows *n_done..n-1, explains rows itself on a second thread meanwhile,
 * stores the records the other ranks send and journals the finished prefix. On return
 * *n_done is the number of rows 0..*n_done-1 finished and journaled, and *interrupted the
 * signal that stopped the run (or 0). Returns -1 when all rows are done, else an exit status
 * after printing the error. */
int shapc_cli_mpi_coordinate(shapc_cli_mpi *m, const shapc_cli_mpi_job *job, size_t *n_done,
                             int *interrupted);

/* Ranks > 0: asks rank 0 for rows until told to stop. Returns -1, or an exit status after
 * printing the error (rank 0 is told, so it stops handing out rows). */
int shapc_cli_mpi_work(shapc_cli_mpi *m, const shapc_cli_mpi_job *job);

#endif
