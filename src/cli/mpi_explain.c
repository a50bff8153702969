/* mpi_explain.c - the MPI work queue behind `mpirun -n P shapc explain` (mpi_explain.h,
 * docs/mpi.md). Built only with -DSHAPC_WITH_MPI=ON.
 *
 * Protocol (all point-to-point on MPI_COMM_WORLD, rank 0 is the only receiver of requests):
 *   worker -> 0  TAG_REQ     empty: "give me a row" (first message of a worker)
 *   worker -> 0  TAG_RESULT  one finished row's record, which is also the next request
 *   worker -> 0  TAG_ERR     the int exit status of a failed row (error already printed)
 *   0 -> worker  TAG_ROW     u64 row index, or ROW_STOP: no more work, leave the loop
 * Rank 0 also explains rows: a second thread takes indices from the same counter, while the
 * main thread (the only one calling MPI, MPI_THREAD_FUNNELED) polls for messages with a short
 * sleep, so the coordinator costs no core. One row per request keeps the balance dynamic;
 * a request is tiny next to the seconds a row of KernelSHAP takes. */
#define _POSIX_C_SOURCE 200809L
#include "mpi_explain.h"

#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
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

static int mpi_fail(int code, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, msg, &len) != MPI_SUCCESS)
        snprintf(msg, sizeof msg, "error %d", code);
    return shapc_cli_fail("MPI: %s: %s (a rank died or the job was stopped?)", what, msg);
}

int shapc_cli_mpi_init(shapc_cli_mpi *m)
{
    memset(m, 0, sizeof *m);
    m->size = 1;
    m->node_ranks = 1;
    if (!launched_by_mpi())
        return -1;
    int provided = 0, code;
    if ((code = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided)) != MPI_SUCCESS)
        return shapc_cli_fail("MPI: initialisation failed (error %d)", code);
    m->initialised = 1;
    /* Errors come back as codes, so rank 0 can report them and keep its journal instead of
     * being torn down inside a library call. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->size);
    if (provided < MPI_THREAD_FUNNELED && m->size > 1)
        return shapc_cli_fail("MPI: the library does not support threads (MPI_THREAD_FUNNELED)");
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &m->node_ranks);
        MPI_Comm_free(&node);
    }
    if (m->node_ranks < 1)
        m->node_ranks = 1;
    return -1;
}

int shapc_cli_mpi_agree(shapc_cli_mpi *m, int rc)
{
    if (!m->initialised || m->size < 2)
        return rc;
    int mine = rc >= 0 ? rc : -1, worst = -1, code;
    if ((code = MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD)) != MPI_SUCCESS)
        return mpi_fail(code, "setting up the ranks");
    if (worst < 0)
        return -1;
    m->released = 1; /* every rank stops here: nobody waits for anybody */
    return rc >= 0 ? rc : worst;
}

void shapc_cli_mpi_end(shapc_cli_mpi *m, int rc)
{
    if (!m->initialised)
        return;
    m->initialised = 0;
    fflush(stdout);
    fflush(stderr);
    /* MPI_Finalize waits for every rank: only safe once the protocol ended on all of them. */
    if (m->size > 1 && rc != 0 && !m->released)
        MPI_Abort(MPI_COMM_WORLD, rc);
    MPI_Finalize();
}

/* ============================================================================================
 * Row records: [u64 index][f64 seconds][info][phi (M, K) f32][se (M, K) f32][base (K) f32]
 * [fx (K) f64], host byte order (all ranks run the same binary; docs/mpi.md)
 * ========================================================================================== */

static int record_size(const shapc_cli_mpi_job *job, size_t *size)
{
    size_t MK = job->M * job->K;
    if (job->M != 0 && MK / job->M != job->K)
        return -1;
    if (MK > ((size_t)INT32_MAX - 1024) / 8 - job->K * 2)
        return -1; /* MPI counts are int */
    *size = 2 * sizeof(uint64_t) + sizeof(shapc_kernel_info) + 2 * MK * sizeof(float) +
            job->K * (sizeof(float) + sizeof(double));
    return 0;
}

static void put(unsigned char **p, const void *src, size_t len)
{
    memcpy(*p, src, len);
    *p += len;
}

static void get(const unsigned char **p, void *dst, size_t len)
{
    memcpy(dst, *p, len);
    *p += len;
}

static void record_pack(const shapc_cli_mpi_job *job, size_t i, unsigned char *buf)
{
    const shapc_cli_journal_rows *r = &job->rows;
    size_t MK = job->M * job->K, K = job->K;
    uint64_t idx = i;
    put(&buf, &idx, sizeof idx);
    put(&buf, &r->seconds[i], sizeof(double));
    put(&buf, &r->info[i], sizeof(shapc_kernel_info));
    put(&buf, r->phi + i * MK, MK * sizeof(float));
    put(&buf, r->se + i * MK, MK * sizeof(float));
    put(&buf, r->base + i * K, K * sizeof(float));
    put(&buf, r->fx + i * K, K * sizeof(double));
}

/* Returns the row index, or ROW_STOP if it is out of range. */
static uint64_t record_unpack(const shapc_cli_mpi_job *job, const unsigned char *buf)
{
    const shapc_cli_journal_rows *r = &job->rows;
    size_t MK = job->M * job->K, K = job->K;
    uint64_t idx;
    get(&buf, &idx, sizeof idx);
    if (idx >= job->n)
        return ROW_STOP;
    size_t i = (size_t)idx;
    get(&buf, &r->seconds[i], sizeof(double));
    get(&buf, &r->info[i], sizeof(shapc_kernel_info));
    get(&buf, r->phi + i * MK, MK * sizeof(float));
    get(&buf, r->se + i * MK, MK * sizeof(float));
    get(&buf, r->base + i * K, K * sizeof(float));
    get(&buf, r->fx + i * K, K * sizeof(double));
    return idx;
}

/* ============================================================================================
 * Rank 0: the queue, its local worker thread and the coordinator loop
 * ========================================================================================== */

typedef struct queue {
    const shapc_cli_mpi_job *job;
    pthread_mutex_t mu;
    size_t next;         /* next row to hand out */
    unsigned char *done; /* (n) 1 once the row's results are in the arrays */
    int stop;            /* hand out no more rows */
    int local_rc;        /* -1, or the exit status of the local thread's failed row */
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
    while (queue_take(q, &i)) {
        int rc = q->job->explain_row(q->job->ctx, i);
        pthread_mutex_lock(&q->mu);
        if (rc >= 0) {
            q->local_rc = rc;
            q->stop = 1;
        } else {
            q->done[i] = 1;
        }
        pthread_mutex_unlock(&q->mu);
        if (rc >= 0)
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

int shapc_cli_mpi_coordinate(shapc_cli_mpi *m, const shapc_cli_mpi_job *job, size_t *n_done,
                             int *interrupted)
{
    size_t rec;
    *interrupted = 0;
    if (record_size(job, &rec) != 0)
        return shapc_cli_fail("MPI: a row's record (%zu players x %zu columns) is too large",
                              job->M, job->K);
    queue q;
    memset(&q, 0, sizeof q);
    q.job = job;
    q.next = *n_done;
    q.local_rc = -1;
    q.done = calloc(job->n ? job->n : 1, 1);
    unsigned char *buf = malloc(rec);
    if (!q.done || !buf || pthread_mutex_init(&q.mu, NULL) != 0) {
        free(q.done);
        free(buf);
        return shapc_cli_fail("out of memory");
    }
    pthread_t th;
    if (pthread_create(&th, NULL, local_worker, &q) != 0) {
        pthread_mutex_destroy(&q.mu);
        free(q.done);
        free(buf);
        return shapc_cli_fail("cannot start a thread");
    }

    int rc = -1, broken = 0, active = m->size - 1;
    size_t prefix = *n_done;
    shapc_error err = {0};
    for (;;) {
        int sig = shapc_cli_signals_caught();
        if (sig && !*interrupted) {
            *interrupted = sig;
            queue_stop(&q);
        }
        /* Journal the finished prefix (the journal holds rows in order); rows finished out of
         * order wait in the arrays until the rows before them arrive. */
        size_t upto;
        int local_rc, local_finished;
        pthread_mutex_lock(&q.mu);
        for (upto = prefix; upto < job->n && q.done[upto];)
            upto++;
        local_rc = q.local_rc;
        local_finished = q.local_finished;
        pthread_mutex_unlock(&q.mu);
        for (; prefix < upto && rc < 0; prefix++) {
            if (shapc_cli_journal_append(job->journal, &job->rows, prefix, &err) != SHAPC_OK) {
                rc = shapc_cli_fail("%s", err.message);
                queue_stop(&q);
            }
        }
        if (job->progress)
            shapc_cli_progress_update(job->progress, prefix);
        if (local_rc >= 0 && rc < 0)
            rc = local_rc;
        /* Interrupted or cut off: the other ranks are left to MPI_Abort; only the local row
         * is awaited, so it is journaled. */
        if (*interrupted || broken || active == 0) {
            if (local_finished)
                break;
            nap();
            continue;
        }

        int flag = 0, code;
        MPI_Status st;
        if ((code = MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st)) !=
            MPI_SUCCESS) {
            rc = mpi_fail(code, "waiting for the other ranks");
            broken = 1;
            queue_stop(&q);
            continue;
        }
        if (!flag) {
            nap();
            continue;
        }
        int src = st.MPI_SOURCE, tag = st.MPI_TAG, count = 0;
        MPI_Get_count(&st, MPI_BYTE, &count);
        if (count < 0 || (size_t)count > rec ||
            (tag != TAG_REQ && tag != TAG_RESULT && tag != TAG_ERR)) {
            rc = shapc_cli_fail("MPI: unexpected message (tag %d, %d bytes) from rank %d", tag,
                                count, src);
            broken = 1;
            queue_stop(&q);
            continue;
        }
        if ((code = MPI_Recv(buf, (int)rec, MPI_BYTE, src, tag, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE)) != MPI_SUCCESS) {
            rc = mpi_fail(code, "receiving a row");
            broken = 1;
            queue_stop(&q);
            continue;
        }
        if (tag == TAG_RESULT) {
            uint64_t i = (size_t)count == rec ? record_unpack(job, buf) : ROW_STOP;
            if (i == ROW_STOP) {
                rc = shapc_cli_fail("MPI: malformed row record from rank %d", src);
                broken = 1;
                queue_stop(&q);
                continue;
            }
            pthread_mutex_lock(&q.mu);
            q.done[i] = 1;
            pthread_mutex_unlock(&q.mu);
        } else if (tag == TAG_ERR) {
            int wrc = SHAPC_CLI_EXIT_FAIL;
            if ((size_t)count >= sizeof wrc)
                memcpy(&wrc, buf, sizeof wrc);
            if (rc < 0)
                rc = wrc;
            queue_stop(&q);
        }
        uint64_t reply = ROW_STOP;
        size_t i;
        if (queue_take(&q, &i))
            reply = i;
        if ((code = MPI_Send(&reply, 1, MPI_UINT64_T, src, TAG_ROW, MPI_COMM_WORLD)) !=
            MPI_SUCCESS) {
            rc = mpi_fail(code, "sending a row");
            broken = 1;
            queue_stop(&q);
            continue;
        }
        if (reply == ROW_STOP)
            active--;
    }
    pthread_join(th, NULL);
    pthread_mutex_destroy(&q.mu);
    free(q.done);
    free(buf);
    m->released = active == 0 && !broken;
    *n_done = prefix;
    if (*interrupted) {
        /* mpirun answers a dead rank by sending SIGTERM to the others: say so. */
        fprintf(stderr,
                "shapc: rank 0 stopped by signal %d: the job was cancelled or a rank "
                "died (%d ranks)\n",
                *interrupted, m->size);
        return -1;
    }
    if (rc < 0 && prefix < job->n)
        rc = shapc_cli_fail("MPI: internal error: %zu of %zu rows done", prefix, job->n);
    return rc;
}

/* ============================================================================================
 * Ranks > 0
 * ========================================================================================== */

int shapc_cli_mpi_work(shapc_cli_mpi *m, const shapc_cli_mpi_job *job)
{
    size_t rec;
    if (record_size(job, &rec) != 0)
        return shapc_cli_fail("MPI: a row's record (%zu players x %zu columns) is too large",
                              job->M, job->K);
    unsigned char *buf = malloc(rec);
    if (!buf)
        return shapc_cli_fail("out of memory");
    int rc = -1, code;
    if ((code = MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_REQ, MPI_COMM_WORLD)) != MPI_SUCCESS) {
        free(buf);
        return mpi_fail(code, "asking rank 0 for a row");
    }
    for (;;) {
        uint64_t idx;
        if ((code = MPI_Recv(&idx, 1, MPI_UINT64_T, 0, TAG_ROW, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE)) != MPI_SUCCESS) {
            rc = mpi_fail(code, "waiting for rank 0");
            break;
        }
        if (idx == ROW_STOP) {
            m->released = 1;
            break;
        }
        if (idx >= job->n) {
            rc =
                shapc_cli_fail("MPI: rank 0 sent row %llu of %zu", (unsigned long long)idx, job->n);
            break;
        }
        int row_rc = job->explain_row(job->ctx, (size_t)idx);
        if (row_rc >= 0) {
            if (shapc_cli_signals_caught())
                fprintf(stderr, "shapc: rank %d: stopped by a signal\n", m->rank);
            rc = row_rc;
            memcpy(buf, &row_rc, sizeof row_rc);
            code = MPI_Send(buf, (int)sizeof row_rc, MPI_BYTE, 0, TAG_ERR, MPI_COMM_WORLD);
        } else {
            record_pack(job, (size_t)idx, buf);
            code = MPI_Send(buf, (int)rec, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        }
        if (code != MPI_SUCCESS) {
            rc = mpi_fail(code, "sending a row to rank 0");
            m->released = 0;
            break;
        }
    }
    free(buf);
    return rc;
}
