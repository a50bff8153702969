/* parallel.c - the fork-join job loop (see parallel.h). */
#include "util/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* Threads per loop at most; more cores than this gain nothing at shapc's job sizes. */
#define MAX_THREADS 64

typedef struct loop {
    shapc__job_fn fn;
    void *ctx;
    size_t n_jobs;
    atomic_size_t next;
    atomic_int failed;
} loop;

typedef struct runner {
    loop *lp;
    size_t worker;
    shapc_status status;
    size_t failed_job;
    shapc_error err;
} runner;

static void *run(void *p)
{
    runner *r = p;
    loop *lp = r->lp;
    while (!atomic_load(&lp->failed)) {
        const size_t job = atomic_fetch_add(&lp->next, 1);
        if (job >= lp->n_jobs)
            break;
        shapc_status st = lp->fn(lp->ctx, job, r->worker, &r->err);
        if (st != SHAPC_OK) {
            r->status = st;
            r->failed_job = job;
            atomic_store(&lp->failed, 1);
        }
    }
    return NULL;
}

shapc_status shapc__parallel_run(size_t n_threads, size_t n_jobs, shapc__job_fn fn, void *ctx,
                                 shapc_error *err)
{
    if (n_threads < 1)
        n_threads = 1;
    if (n_threads > n_jobs)
        n_threads = n_jobs ? n_jobs : 1;
    if (n_threads > MAX_THREADS)
        n_threads = MAX_THREADS;
    loop lp = {.fn = fn, .ctx = ctx, .n_jobs = n_jobs};
    atomic_init(&lp.next, 0);
    atomic_init(&lp.failed, 0);
    runner rs[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    for (size_t t = 0; t < n_threads; t++) {
        memset(&rs[t], 0, sizeof rs[t]);
        rs[t].lp = &lp;
        rs[t].worker = t;
        rs[t].failed_job = SIZE_MAX;
    }
    size_t started = 1;
    while (started < n_threads && pthread_create(&tids[started], NULL, run, &rs[started]) == 0)
        started++;
    run(&rs[0]);
    for (size_t t = 1; t < started; t++)
        pthread_join(tids[t], NULL);
    shapc_status st = SHAPC_OK;
    size_t first = SIZE_MAX;
    for (size_t t = 0; t < started; t++)
        if (rs[t].status != SHAPC_OK && rs[t].failed_job < first) {
            first = rs[t].failed_job;
            st = rs[t].status;
            if (err)
                *err = rs[t].err;
        }
    return st;
}
