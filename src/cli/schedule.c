/* schedule.c - the scheduler of schedule.h: rows in blocks in this process, or, in an MPI
 * build under an MPI launcher, the work queue of mpi_schedule.c. */
#include "schedule.h"

#include <string.h>

#include "signals.h"
#ifdef SHAPC_WITH_MPI
#include "mpi_schedule.h"
#endif

shapc_status shapc_cli_scheduler_init(shapc_cli_scheduler *s, shapc_error *err)
{
    memset(s, 0, sizeof *s);
    s->size = 1;
    s->node_ranks = 1;
#ifdef SHAPC_WITH_MPI
    return shapc_cli_mpi_init(s, err);
#else
    (void)err;
    return SHAPC_OK;
#endif
}

int shapc_cli_scheduler_agree(shapc_cli_scheduler *s, int rc)
{
#ifdef SHAPC_WITH_MPI
    return shapc_cli_mpi_agree(s, rc);
#else
    (void)s;
    return rc;
#endif
}

void shapc_cli_scheduler_end(shapc_cli_scheduler *s, int rc)
{
#ifdef SHAPC_WITH_MPI
    shapc_cli_mpi_end(s, rc);
#else
    (void)s;
    (void)rc;
#endif
}

/* One process: blocks of rows, each journaled row by row once the block is done. A stop
 * request cancels the block in flight (the kernel's progress callback, or its model dying
 * with the signal); its rows are explained again on --resume. */
static shapc_status run_local(const shapc_cli_job *job, size_t *n_done, int *interrupted,
                              shapc_error *err)
{
    for (size_t i = *n_done; i < job->n;) {
        if ((*interrupted = shapc_cli_signals_caught()) != 0)
            return SHAPC_OK;
        const size_t nb = job->n - i < job->block ? job->n - i : job->block;
        shapc_status st = job->explain(job->ctx, i, nb, err);
        if (st != SHAPC_OK) {
            /* A model command killed by the same Ctrl-C fails its row: an interruption. */
            if ((*interrupted = shapc_cli_signals_caught()) != 0)
                return SHAPC_OK;
            return st;
        }
        for (const size_t end = i + nb; i < end; i++) {
            if ((st = shapc_cli_journal_append(job->journal, job->results, i, err)) != SHAPC_OK)
                return st;
            *n_done = i + 1;
        }
        if (job->progress)
            shapc_cli_progress_update(job->progress, *n_done);
    }
    return SHAPC_OK;
}

shapc_status shapc_cli_scheduler_run(shapc_cli_scheduler *s, const shapc_cli_job *job,
                                     size_t *n_done, int *interrupted, shapc_error *err)
{
    *interrupted = 0;
#ifdef SHAPC_WITH_MPI
    if (s->size > 1)
        return shapc_cli_mpi_run(s, job, n_done, interrupted, err);
#else
    (void)s;
#endif
    return run_local(job, n_done, interrupted, err);
}
