/* mpi_schedule.c - the MPI work queue behind `mpirun -n P shapc explain` (mpi_schedule.h,
 * schedule.h, docs/mpi.md). Built only with -DSHAPC_WITH_MPI=ON.
 *
 * Protocol (all point-to-point on MPI_COMM_WORLD, rank 0 is the only receiver of requests):
 *   worker -> 0  TAG_REQ     empty: "give me a row" (first message of a worker)
 *   worker -> 0  TAG_RESULT  one finished row in the results' row codec (results.h), which is
 *                            also the next request
 *   worker -> 0  TAG_ERR     the shapc_status of a failed row (the worker reports the error)
 *   0 -> worker  TAG_ROW     u64 row index, or ROW_STOP: no more work, leave the loop
 * Rank 0 also explains rows: a second thread takes indices from the same counter, while the
 * main thread (the only one calling MPI, MPI_THREAD_FUNNELED) polls for messages with a short
 * sleep, so the coordinator costs no core. One row per request keeps the balance dynamic;
 * a request is tiny next to the seconds a row of KernelSHAP takes. */
#define _POSIX_C_SOURCE 200809L
#include "mpi_schedule.h"

#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "signals.h"

enum { TAG_REQ = 1, TAG_RESULT = 2, TAG_ERR = 3, TAG_ROW = 4 };
#define ROW_STOP UINT64_MAX
#define POLL_NS 1000000L /* 1 ms between polls of an idle coordinator */

/* ============================================================================================
 * Start and end
 * ========================================================================================== */

/* Launchers export these to their processes: Open MPI's mpirun, PMIx (srun --mpi=pmix,
 * prterun) and PMI-1/2 (MPICH's hydra, srun --mpi=pmi2). A plain `shapc explain` sees none
 * and never initialises MPI, which would otherwise try to start a singleton runtime. */
static int launched_by_mpi(void)
{
    const char *force = getenv("SHAPC_MPI");
    if (force && strcmp(force, "0") == 0)
        return 0;
    if (force && strcmp(force, "1") == 0)
        return 1;
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK") ||
           getenv("PMI_SIZE");
}

static shapc_status mpi_fail(int code, const char *what, shapc_error *err)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, msg, &len) != MPI_SUCCESS)
        snprintf(msg, sizeof msg, "error %d", code);
    return shapc_error_set(err, SHAPC_EIO, "MPI: %s: %s (a rank died or the job was stopped?)",
                           what, msg);
}

shapc_status shapc_cli_mpi_init(shapc_cli_scheduler *m, shapc_error *err)
{
    if (!launched_by_mpi())
        return SHAPC_OK;
    int provided = 0, code;
    if ((code = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided)) != MPI_SUCCESS)
        return shapc_error_set(err, SHAPC_EIO, "MPI: initialisation failed (error %d)", code);
    m->mpi = 1;
    /* Errors come back as codes, so rank 0 can report them and keep its journal instead of
     * being torn down inside a library call. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->size);
    if (provided < MPI_THREAD_FUNNELED && m->size > 1)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "MPI: the library does not support "
                               "threads (MPI_THREAD_FUNNELED)");
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &m->node_ranks);
        MPI_Comm_free(&node);
    }
    if (m->node_ranks < 1)
        m->node_ranks = 1;
    return SHAPC_OK;
}

int shapc_cli_mpi_agree(shapc_cli_scheduler *m, int rc)
{
    if (!m->mpi || m->size < 2)
        return rc;
    int mine = rc >= 0 ? rc : -1, worst = -1;
    if (MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
        return 1; /* the link is gone: nothing to agree on */
    if (worst < 0)
        return -1;
    m->released = 1; /* every rank stops here: nobody waits for anybody */
    return rc >= 0 ? rc : worst;
}

void shapc_cli_mpi_end(shapc_cli_scheduler *m, int rc)
{
    if (!m->mpi)
        return;
    m->mpi = 0;
    fflush(stdout);
    fflush(stderr);
    /* MPI_Finalize waits for every rank: only safe once the protocol ended on all of them. */
    if (m->size > 1 && rc != 0 && !m->released)
        MPI_Abort(MPI_COMM_WORLD, rc);
    MPI_Finalize();
}

/* A row travels as the results' row codec (results.h): the bytes the journal stores too. */
static shapc_status record_size(const shapc_cli_job *job, size_t *size, shapc_error *err)
{
    *size = shapc_results_row_bytes(job->results);
    if (*size > (size_t)INT32_MAX - 1024)
        return shapc_error_set(err, SHAPC_ERANGE, "MPI: a row's record of %zu bytes is too "
                               "large", *size); /* MPI counts are int */
    return SHAPC_OK;
}

/* ============================================================================================
 * Rank 0: the queue, its local worker thread and the coordinator loop
 * ========================================================================================== */

typedef struct queue {
    const shapc_cli_job *job;
    pthread_mutex_t mu;
    size_t next;         /* next row to hand out */
    unsigned char *done; /* (n) 1 once the row's results are in the arrays */
    int stop;            /* hand out no more rows */
    shapc_status local_st; /* the local thread's failed row, or SHAPC_OK */
    shapc_error local_err;
    int local_finished;
} queue;

/* Takes the next row, or returns 0 when there is none (or the run stops). */
static int queue_take(queue *q, size_t *i)
{
    int ok = 0;
    pthread_mutex_lock(&q->mu);
    if (!q->stop && q->next < q->job->n) {
        *i = q->next++;
        ok = 1;
    }
    pthread_mutex_unlock(&q->mu);
    return ok;
}

static void queue_stop(queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->stop = 1;
    pthread_mutex_unlock(&q->mu);
}

static void *local_worker(void *arg)
{
    queue *q = arg;
    size_t i;
    shapc_error err = {0};
    while (queue_take(q, &i)) {
        shapc_status st = q->job->explain(q->job->ctx, i, 1, &err);
        pthread_mutex_lock(&q->mu);
        if (st != SHAPC_OK) {
            q->local_st = st;
            q->local_err = err;
            q->stop = 1;
        } else {
            q->done[i] = 1;
        }
        pthread_mutex_unlock(&q->mu);
        if (st != SHAPC_OK)
            break;
    }
    pthread_mutex_lock(&q->mu);
    q->local_finished = 1;
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static void nap(void)
{
    struct timespec ts = {0, POLL_NS};
    nanosleep(&ts, NULL);
}

/* The first failure of the run wins; later ones stop it too but keep the first message. */
static void fail_once(shapc_status *st, shapc_error *err, shapc_status now,
                      const shapc_error *why)
{
    if (*st != SHAPC_OK)
        return;
    *st = now;
    if (err && why)
        *err = *why;
}

static shapc_status coordinate(shapc_cli_scheduler *m, const shapc_cli_job *job,
                               size_t *n_done, int *interrupted, shapc_error *err)
{
    size_t rec;
    shapc_status st = record_size(job, &rec, err);
    if (st != SHAPC_OK)
        return st;
    queue q;
    memset(&q, 0, sizeof q);
    q.job = job;
    q.next = *n_done;
    q.done = calloc(job->n ? job->n : 1, 1);
    unsigned char *buf = malloc(rec);
    if (!q.done || !buf || pthread_mutex_init(&q.mu, NULL) != 0) {
        free(q.done);
        free(buf);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    }
    pthread_t th;
    if (pthread_create(&th, NULL, local_worker, &q) != 0) {
        pthread_mutex_destroy(&q.mu);
        free(q.done);
        free(buf);
        return shapc_error_set(err, SHAPC_ENOMEM, "cannot start a thread");
    }

    /* mpirun answers a dead rank with SIGCONT, SIGTERM one second later and SIGKILL as little
     * as a few milliseconds after that: rank 0 says why at the signal itself, so the line
     * survives the SIGKILL; the journal's rows are already written (page cache) by then. */
    char tail[160];
    snprintf(tail, sizeof tail, ": the job was cancelled or a rank died (%d ranks); finished "
             "rows are journaled: rerun with --resume to continue", m->size);
    shapc_cli_signals_notice("shapc: rank 0 stopped by signal ", tail);

    int broken = 0, active = m->size - 1;
    size_t prefix = *n_done;
    shapc_error e = {0};
    for (;;) {
        const int sig = shapc_cli_signals_caught();
        if (sig && !*interrupted) {
            *interrupted = sig;
            queue_stop(&q);
        }
        /* Journal the finished prefix (the journal holds rows in order); rows finished out of
         * order wait in the arrays until the rows before them arrive. */
        size_t upto;
        int local_finished;
        pthread_mutex_lock(&q.mu);
        for (upto = prefix; upto < job->n && q.done[upto];)
            upto++;
        if (q.local_st != SHAPC_OK)
            fail_once(&st, err, q.local_st, &q.local_err);
        local_finished = q.local_finished;
        pthread_mutex_unlock(&q.mu);
        for (; prefix < upto && st == SHAPC_OK; prefix++) {
            shapc_status js = shapc_cli_journal_append(job->journal, job->results, prefix, &e);
            if (js != SHAPC_OK) {
                fail_once(&st, err, js, &e);
                queue_stop(&q);
            }
        }
        if (job->progress)
            shapc_cli_progress_update(job->progress, prefix);
        /* Interrupted or cut off: the other ranks are left to MPI_Abort; only the local row
         * is awaited, so it is journaled. */
        if (*interrupted || broken || active == 0) {
            if (local_finished)
                break;
            nap();
            continue;
        }

        int flag = 0, code;
        MPI_Status ms;
        if ((code = MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms)) !=
            MPI_SUCCESS) {
            fail_once(&st, err, mpi_fail(code, "waiting for the other ranks", &e), &e);
            broken = 1;
            queue_stop(&q);
            continue;
        }
        if (!flag) {
            nap();
            continue;
        }
        int src = ms.MPI_SOURCE, tag = ms.MPI_TAG, count = 0;
        MPI_Get_count(&ms, MPI_BYTE, &count);
        if (count < 0 || (size_t)count > rec ||
            (tag != TAG_REQ && tag != TAG_RESULT && tag != TAG_ERR)) {
            fail_once(&st, err, shapc_error_set(&e, SHAPC_EFORMAT, "MPI: unexpected message "
                                                "(tag %d, %d bytes) from rank %d", tag, count,
                                                src), &e);
            broken = 1;
            queue_stop(&q);
            continue;
        }
        if ((code = MPI_Recv(buf, (int)rec, MPI_BYTE, src, tag, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE)) != MPI_SUCCESS) {
            fail_once(&st, err, mpi_fail(code, "receiving a row", &e), &e);
            broken = 1;
            queue_stop(&q);
            continue;
        }
        if (tag == TAG_RESULT) {
            size_t i = 0;
            if (shapc_results_row_decode(job->results, buf, (size_t)count, &i, &e) !=
                SHAPC_OK) {
                fail_once(&st, err, shapc_error_set(&e, SHAPC_EFORMAT, "MPI: malformed row "
                                                    "record from rank %d", src), &e);
                broken = 1;
                queue_stop(&q);
                continue;
            }
            pthread_mutex_lock(&q.mu);
            q.done[i] = 1;
            pthread_mutex_unlock(&q.mu);
        } else if (tag == TAG_ERR) {
            /* The worker reported its error itself; the job fails with its status. */
            int wst = SHAPC_EMODEL;
            if ((size_t)count >= sizeof wst)
                memcpy(&wst, buf, sizeof wst);
            shapc_error quiet = {(shapc_status)wst, {0}};
            fail_once(&st, err, (shapc_status)wst, &quiet);
            queue_stop(&q);
        }
        uint64_t reply = ROW_STOP;
        size_t i;
        if (queue_take(&q, &i))
            reply = i;
        if ((code = MPI_Send(&reply, 1, MPI_UINT64_T, src, TAG_ROW, MPI_COMM_WORLD)) !=
            MPI_SUCCESS) {
            fail_once(&st, err, mpi_fail(code, "sending a row", &e), &e);
            broken = 1;
            queue_stop(&q);
            continue;
        }
        if (reply == ROW_STOP)
            active--;
    }
    pthread_join(th, NULL);
    shapc_cli_signals_notice(NULL, NULL);
    pthread_mutex_destroy(&q.mu);
    free(q.done);
    free(buf);
    m->released = active == 0 && !broken;
    *n_done = prefix;
    if (*interrupted)
        return SHAPC_OK; /* the signal handler said why (the notice set above) */
    if (st == SHAPC_OK && prefix < job->n)
        st = shapc_error_set(err, SHAPC_EIO, "MPI: internal error: %zu of %zu rows done",
                             prefix, job->n);
    return st;
}

/* ============================================================================================
 * Ranks > 0
 * ========================================================================================== */

static shapc_status work(shapc_cli_scheduler *m, const shapc_cli_job *job, shapc_error *err)
{
    size_t rec;
    shapc_status st = record_size(job, &rec, err);
    if (st != SHAPC_OK)
        return st;
    unsigned char *buf = malloc(rec);
    if (!buf)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    int code;
    if ((code = MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_REQ, MPI_COMM_WORLD)) != MPI_SUCCESS) {
        free(buf);
        return mpi_fail(code, "asking rank 0 for a row", err);
    }
    for (;;) {
        uint64_t idx;
        if ((code = MPI_Recv(&idx, 1, MPI_UINT64_T, 0, TAG_ROW, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE)) != MPI_SUCCESS) {
            st = mpi_fail(code, "waiting for rank 0", err);
            break;
        }
        if (idx == ROW_STOP) {
            m->released = 1;
            break;
        }
        if (idx >= job->n) {
            st = shapc_error_set(err, SHAPC_EFORMAT, "MPI: rank 0 sent row %llu of %zu",
                                 (unsigned long long)idx, job->n);
            break;
        }
        st = job->explain(job->ctx, (size_t)idx, 1, err);
        if (st != SHAPC_OK) {
            if (shapc_cli_signals_caught())
                st = shapc_error_set(err, SHAPC_ECANCELED, "rank %d: stopped by a signal",
                                     m->rank);
            const int wst = (int)st;
            memcpy(buf, &wst, sizeof wst);
            code = MPI_Send(buf, (int)sizeof wst, MPI_BYTE, 0, TAG_ERR, MPI_COMM_WORLD);
        } else {
            shapc_results_row_encode(job->results, (size_t)idx, buf);
            code = MPI_Send(buf, (int)rec, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        }
        if (code != MPI_SUCCESS) {
            shapc_error e2 = {0};
            if (st == SHAPC_OK)
                st = mpi_fail(code, "sending a row to rank 0", err);
            else
                (void)mpi_fail(code, "sending a row to rank 0", &e2);
            m->released = 0;
            break;
        }
        if (st != SHAPC_OK)
            break;
    }
    free(buf);
    return st;
}

shapc_status shapc_cli_mpi_run(shapc_cli_scheduler *m, const shapc_cli_job *job,
                               size_t *n_done, int *interrupted, shapc_error *err)
{
    if (m->rank > 0)
        return work(m, job, err);
    return coordinate(m, job, n_done, interrupted, err);
}
