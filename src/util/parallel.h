/* parallel.h - a fork-join loop over numbered jobs on a few threads.
 *
 * Jobs are claimed in increasing order by whichever thread is free, so a job's result must
 * depend only on its number (and on scratch private to the worker running it): then the
 * output is the same for any thread count, which is what keeps shapc's results bit-identical
 * across --threads. */
#ifndef SHAPC_UTIL_PARALLEL_H
#define SHAPC_UTIL_PARALLEL_H

#include <stddef.h>

#include "shapc/status.h"

/* One job: `worker` in [0, n_threads) names the thread (for per-worker scratch). */
typedef shapc_status (*shapc__job_fn)(void *ctx, size_t job, size_t worker, shapc_error *err);

/* Runs fn for jobs 0 .. n_jobs-1 on up to n_threads threads, the caller's included (threads
 * that cannot be started leave their share to the others). After a failure no new job is
 * claimed; returns the error of the lowest-numbered failed job, or SHAPC_OK. */
shapc_status shapc__parallel_run(size_t n_threads, size_t n_jobs, shapc__job_fn fn, void *ctx,
                                 shapc_error *err);

#endif /* SHAPC_UTIL_PARALLEL_H */
