/* schedule.h - who explains which rows of `shapc explain`: this process alone, or the ranks of
 * an MPI job (docs/mpi.md) - one interface, so the run (explain_run.c) does not know which.
 *
 * A job is n rows of a results object and a function that explains a block of them into it.
 * Rows 0..n_done-1 are finished (journaled, possibly by an earlier run); the scheduler
 * explains the rest, appends every finished row to the journal in row order as soon as the
 * rows before it are in, and stops early when a signal is caught (signals.h): the block in
 * flight is then dropped, finished rows are kept. In one process rows go in blocks of
 * job->block; under MPI rank 0 hands out single rows to whichever rank asks (mpi_schedule.c).
 * A row's numbers depend only on the seed and the row, so every schedule gives the same
 * bytes. */
#ifndef SHAPC_CLI_SCHEDULE_H
#define SHAPC_CLI_SCHEDULE_H

#include <stddef.h>

#include <shapc/results.h>
#include <shapc/status.h>

#include "journal.h"
#include "progress.h"

typedef struct shapc_cli_job {
    shapc_results *results; /* full size (n rows) on every process */
    size_t n;               /* rows */
    size_t block;           /* rows per explain call in one process, >= 1 */
    /* Explains rows [i0, i0 + nb) into results. SHAPC_ECANCELED when a stop was requested
     * (the kernel's progress callback saw a signal); other failures carry a message naming
     * the input and the row. Called from one thread at a time. */
    shapc_status (*explain)(void *ctx, size_t i0, size_t nb, shapc_error *err);
    void *ctx;
    shapc_cli_journal *journal;   /* rank 0: finished rows are appended here */
    shapc_cli_progress *progress; /* rank 0, or NULL */
} shapc_cli_job;

typedef struct shapc_cli_scheduler {
    int rank, size;  /* 0 and 1 unless an MPI launcher started the process */
    int node_ranks;  /* processes sharing this node's cores */
    int mpi;         /* MPI is initialised */
    int released;    /* the MPI protocol ended cleanly: finalise, do not abort */
} shapc_cli_scheduler;

/* Rank 0 of 1, or - in an MPI build started by mpirun, srun, ... (SHAPC_MPI=0 turns it off,
 * =1 forces it) - the process's rank in the job. SHAPC_EIO when MPI cannot start. */
shapc_status shapc_cli_scheduler_init(shapc_cli_scheduler *s, shapc_error *err);

/* Collective: combines every process's setup outcome rc (-1 = ready, else its exit status,
 * its error already reported). Returns -1 when all are ready, else the exit status for this
 * process; when every process failed the job then ends cleanly. */
int shapc_cli_scheduler_agree(shapc_cli_scheduler *s, int rc);

/* Explains rows *n_done..n-1 (rank 0 journals them; other ranks explain what rank 0 hands
 * out). On return *n_done (rank 0) counts the rows finished and journaled, *interrupted is the
 * signal that stopped the run or 0. SHAPC_OK when every row is done or the run was
 * interrupted; else the failure (a row's, the journal's, the MPI link's). */
shapc_status shapc_cli_scheduler_run(shapc_cli_scheduler *s, const shapc_cli_job *job,
                                     size_t *n_done, int *interrupted, shapc_error *err);

/* Ends the job with exit status rc: under MPI a clean finalise after a clean end, else an
 * abort that stops every rank (none is left waiting). Nothing in one process. */
void shapc_cli_scheduler_end(shapc_cli_scheduler *s, int rc);

#endif
