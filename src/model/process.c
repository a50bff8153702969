/* process.c - the external-process model adapter: a child program, started once without a
 * shell, that answers predict requests over its stdin/stdout (docs/protocol.md).
 *
 * Robustness is the point of this file. Every wait is a poll() against one deadline, so a
 * child that hangs is killed rather than waited for; reads and writes of a frame are
 * interleaved in one loop, so a child that writes while it reads cannot deadlock us; a child
 * that exits is reaped at once and reported with its exit status or signal; SIGPIPE is
 * blocked in the calling thread around writes (a pending one consumed with sigtimedwait)
 * instead of installing a process-wide handler the application did not ask for. */
#define _GNU_SOURCE /* pipe2, O_CLOEXEC, F_DUPFD_CLOEXEC */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/model_impl.h"
#include "model/protocol.h"
#include "util/alloc.h"

extern char **environ;

#define LABEL_MAX 160                    /* characters of the command kept for messages */
#define FRAME_BYTES_MAX ((size_t)64 << 20) /* request frames are capped at 64 MiB */
#define EXIT_GRACE_MS 500                /* after closing stdin, before SIGTERM */
#define TERM_GRACE_MS 1000               /* after SIGTERM, before SIGKILL */
#define EOF_REAP_MS 1000                 /* wait for exit status after the child's EOF */
#define PIPE_BYTES (1 << 20)             /* requested pipe capacity */

typedef struct proc {
    pid_t pid;          /* > 0 until reaped */
    int to_child;       /* our end of its stdin, non-blocking; -1 once closed */
    int from_child;     /* our end of its stdout, non-blocking; -1 once closed */
    int broken;         /* 1 after a protocol error or timeout: later predicts fail */
    char broken_why[SHAPC_ERROR_MESSAGE_MAX];
    size_t d, k, batch;
    int timeout_ms;
    char label[LABEL_MAX + 4];
    uint8_t *wbuf;      /* request frame: header + batch * d * 4 */
    uint8_t *rbuf;      /* reply frame: header + max(batch * k * 4, message) */
    size_t rcap;
    pthread_mutex_t mu;
} proc;

/* ---- time and child status ---- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGPIPE: return "SIGPIPE";
    case SIGTERM: return "SIGTERM";
    default: return "signal";
    }
}

/* Describes a wait status: "exited with status 3", "was killed by signal 11 (SIGSEGV)". */
static void describe_status(int status, char *out, size_t cap)
{
    if (WIFEXITED(status))
        snprintf(out, cap, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, cap, "was killed by signal %d (%s)", WTERMSIG(status),
                 signal_name(WTERMSIG(status)));
    else
        snprintf(out, cap, "stopped (wait status 0x%x)", (unsigned)status);
}

/* Waits up to ms for the child to exit; 1 when reaped (status filled, or unknown when the
 * application made children auto-reaped), 0 when still running. */
static int reap_within(proc *p, long ms, int *status)
{
    long long deadline = now_ms() + ms;
    long nap = 1;
    *status = -1;
    if (p->pid <= 0)
        return 1;
    for (;;) {
        pid_t r = waitpid(p->pid, status, WNOHANG);
        if (r == p->pid || (r < 0 && errno == ECHILD)) {
            if (r < 0)
                *status = -1;
            p->pid = 0;
            return 1;
        }
        if (r < 0 && errno != EINTR)
            return 0;
        if (now_ms() >= deadline)
            return 0;
        sleep_ms(nap);
        if (nap < 20)
            nap *= 2;
    }
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd); /* not retried on EINTR: Linux has released the descriptor anyway */
        *fd = -1;
    }
}

/* Stops the child for good: close its stdin (a well-behaved server exits on EOF), wait
 * grace_ms, SIGTERM, wait, SIGKILL, reap. Never leaves a zombie. */
static void stop_child(proc *p, long grace_ms)
{
    int status;
    close_fd(&p->to_child);
    if (p->pid > 0 && !reap_within(p, grace_ms, &status)) {
        kill(p->pid, SIGTERM);
        if (!reap_within(p, TERM_GRACE_MS, &status)) {
            kill(p->pid, SIGKILL);
            while (p->pid > 0 && waitpid(p->pid, &status, 0) < 0 && errno == EINTR) {
            }
            p->pid = 0;
        }
    }
    close_fd(&p->from_child);
}

/* Records a failure that leaves the stream unusable, stops the child and returns st. */
static shapc_status fail_broken(proc *p, shapc_status st, shapc_error *err, const char *why)
{
    p->broken = 1;
    snprintf(p->broken_why, sizeof p->broken_why, "%s", why);
    stop_child(p, 0);
    return shapc_error_set(err, st, "model command '%s': %s", p->label, why);
}

/* ---- one exchange: write a frame while reading the answer ---- */

/* Decides, from the bytes read so far, how many bytes the answer needs in total: *need = 0
 * when complete. Returns an error status (message in err) for a malformed answer. */
typedef shapc_status (*need_fn)(void *ctx, const uint8_t *buf, size_t len, size_t *need,
                                shapc_error *err);

/* What the read loop stopped on besides success. */
typedef enum { XCHG_OK, XCHG_EOF, XCHG_TIMEOUT, XCHG_IOERR, XCHG_PROTO } xchg_result;

/* Writes wbuf[0..wlen) to the child while reading its answer into p->rbuf (grown as needed up
 * to max_read) until need() says complete. *got receives the bytes read. SIGPIPE is blocked in
 * this thread for the duration; one raised by our write is consumed before unblocking. */
static xchg_result exchange(proc *p, const uint8_t *wbuf, size_t wlen, need_fn need,
                            void *ctx, size_t max_read, size_t *got, int *err_no,
                            shapc_error *perr)
{
    sigset_t pipe_set, old_mask, pending;
    int had_pipe_pending;
    size_t woff = 0, roff = 0, want = 1;
    long long deadline = p->timeout_ms > 0 ? now_ms() + p->timeout_ms : 0;
    xchg_result res = XCHG_OK;
    int raised = 0, wdead = 0;

    *got = 0;
    *err_no = 0;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
    sigpending(&pending);
    had_pipe_pending = sigismember(&pending, SIGPIPE) == 1;

    if (need(ctx, p->rbuf, 0, &want, perr) != SHAPC_OK) {
        res = XCHG_PROTO;
        goto done;
    }
    while ((woff < wlen && !wdead) || want > 0) {
        struct pollfd fds[2];
        int nfds = 0, wi = -1, ri = -1, timeout = -1, r;
        if (woff < wlen && !wdead) {
            wi = nfds;
            fds[nfds++] = (struct pollfd){p->to_child, POLLOUT, 0};
        }
        if (want > 0) {
            ri = nfds;
            fds[nfds++] = (struct pollfd){p->from_child, POLLIN, 0};
        }
        if (deadline) {
            long long left = deadline - now_ms();
            if (left <= 0) {
                res = XCHG_TIMEOUT;
                break;
            }
            timeout = left > 1000000 ? 1000000 : (int)left;
        }
        r = poll(fds, (nfds_t)nfds, timeout);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *err_no = errno;
            res = XCHG_IOERR;
            break;
        }
        if (r == 0)
            continue; /* the deadline check above ends the loop */
        if (wi >= 0 && fds[wi].revents) {
            ssize_t n = write(p->to_child, wbuf + woff, wlen - woff);
            if (n > 0) {
                woff += (size_t)n;
            } else if (n < 0 && errno == EPIPE) {
                /* The child stopped reading. Keep reading what it wrote before going: text it
                 * printed or its last words explain more than "broken pipe". */
                *err_no = EPIPE;
                raised = 1;
                wdead = 1;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                *err_no = errno;
                res = XCHG_IOERR;
                break;
            }
        }
        if (ri >= 0 && fds[ri].revents) {
            ssize_t n;
            if (want > max_read) {
                shapc_error_set(perr, SHAPC_EMODEL, "answer of %zu bytes is too large", want);
                res = XCHG_PROTO;
                break;
            }
            if (want > p->rcap) {
                uint8_t *nb = shapc__realloc(p->rbuf, want);
                if (!nb) {
                    *err_no = ENOMEM;
                    res = XCHG_IOERR;
                    break;
                }
                p->rbuf = nb;
                p->rcap = want;
            }
            /* Read no further than the answer: the protocol is strictly request/reply. */
            n = read(p->from_child, p->rbuf + roff, want - roff);
            if (n == 0) {
                res = XCHG_EOF;
                break;
            }
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    continue;
                *err_no = errno;
                res = XCHG_IOERR;
                break;
            }
            roff += (size_t)n;
            if (roff == want) {
                if (need(ctx, p->rbuf, roff, &want, perr) != SHAPC_OK) {
                    res = XCHG_PROTO;
                    break;
                }
            } else if (roff < SHAPC__PROTO_HANDSHAKE_FIXED) {
                /* Small answers so far (the handshake's start): check early so text printed
                 * before the handshake is reported without waiting for the deadline. */
                size_t w2;
                if (need(ctx, p->rbuf, roff, &w2, perr) != SHAPC_OK) {
                    res = XCHG_PROTO;
                    break;
                }
            }
        }
    }
    if (res == XCHG_OK && wdead)
        res = XCHG_EOF;
done:
    *got = roff;
    if (raised && !had_pipe_pending) {
        const struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return res;
}

/* Turns a failed exchange into an error naming the command and what it was doing. */
static shapc_status exchange_error(proc *p, xchg_result res, int err_no, const char *doing,
                                   size_t got, size_t want, shapc_error *err,
                                   const shapc_error *proto)
{
    char why[SHAPC_ERROR_MESSAGE_MAX];
    if (res == XCHG_PROTO) {
        return fail_broken(p, proto->status == SHAPC_EUNSUPPORTED ? SHAPC_EUNSUPPORTED
                                                                  : SHAPC_EMODEL,
                           err, proto->message);
    }
    if (res == XCHG_TIMEOUT) {
        snprintf(why, sizeof why, "no answer within %d ms %s (got %zu of %zu bytes); the "
                 "command was stopped (raise the timeout if it is just slow)",
                 p->timeout_ms, doing, got, want);
        return fail_broken(p, SHAPC_EMODEL, err, why);
    }
    if (res == XCHG_EOF) {
        char st[96];
        int status;
        /* The child closed its end; it is usually exiting: get its status for the message. */
        close_fd(&p->to_child);
        if (reap_within(p, EOF_REAP_MS, &status))
            describe_status(status, st, sizeof st);
        else
            snprintf(st, sizeof st, "closed its %s", err_no == EPIPE ? "stdin" : "stdout");
        if (status == -1 && p->pid == 0)
            snprintf(st, sizeof st, "exited");
        if (got > 0)
            snprintf(why, sizeof why, "%s %s, after a short frame (%zu of %zu bytes)", st,
                     doing, got, want);
        else
            snprintf(why, sizeof why, "%s %s", st, doing);
        return fail_broken(p, SHAPC_EIO, err, why);
    }
    snprintf(why, sizeof why, "%s %s", err_no == ENOMEM ? "out of memory" : strerror(err_no),
             doing);
    return fail_broken(p, err_no == ENOMEM ? SHAPC_ENOMEM : SHAPC_EIO, err, why);
}

/* ---- handshake ---- */

typedef struct hs_ctx {
    shapc__proto_handshake hs;
    int done;
} hs_ctx;

static shapc_status hs_need(void *ctx, const uint8_t *buf, size_t len, size_t *need,
                            shapc_error *err)
{
    hs_ctx *c = ctx;
    size_t used;
    shapc_status st;
    if (len == 0) {
        *need = SHAPC__PROTO_HANDSHAKE_FIXED;
        return SHAPC_OK;
    }
    if (c->done) { /* called again with a partial buffer: nothing new */
        *need = 0;
        return SHAPC_OK;
    }
    st = shapc__proto_parse_handshake(buf, len, &c->hs, need, &used, err);
    if (st == SHAPC_OK && *need == 0)
        c->done = 1;
    else if (st == SHAPC_OK && *need <= len)
        *need = len + 1; /* cannot happen with a consistent parser; be safe */
    return st;
}

/* ---- predict ---- */

typedef struct reply_ctx {
    size_t rows, k;
    int is_error;
} reply_ctx;

static shapc_status reply_need(void *ctx, const uint8_t *buf, size_t len, size_t *need,
                               shapc_error *err)
{
    reply_ctx *c = ctx;
    size_t payload;
    shapc_status st;
    if (len < SHAPC__PROTO_HEADER_SIZE) {
        *need = SHAPC__PROTO_HEADER_SIZE;
        return SHAPC_OK;
    }
    if (len > SHAPC__PROTO_HEADER_SIZE) {
        *need = 0; /* payload complete (the header already fixed its size) */
        return SHAPC_OK;
    }
    st = shapc__proto_decode_reply(buf, c->rows, c->k, &payload, &c->is_error, err);
    if (st != SHAPC_OK)
        return st;
    *need = payload == 0 ? 0 : SHAPC__PROTO_HEADER_SIZE + payload;
    return SHAPC_OK;
}

static shapc_status proc_predict_locked(proc *p, const float *x, size_t n, float *out,
                                        shapc_error *err)
{
    if (p->broken)
        return shapc_error_set(err, SHAPC_EMODEL, "model command '%s': not running after an "
                               "earlier error (%s)", p->label, p->broken_why);
    for (size_t start = 0; start < n; start += p->batch) {
        size_t m = n - start < p->batch ? n - start : p->batch;
        size_t wlen = SHAPC__PROTO_HEADER_SIZE + m * p->d * 4, got;
        size_t max_read = SHAPC__PROTO_HEADER_SIZE +
                          (m * p->k * 4 > SHAPC__PROTO_MAX_MESSAGE ? m * p->k * 4
                                                                   : SHAPC__PROTO_MAX_MESSAGE);
        reply_ctx rc = {m, p->k, 0};
        shapc_error proto = {SHAPC_OK, {0}};
        int err_no;
        char doing[96];
        xchg_result res;
        shapc__proto_encode_request(p->wbuf, SHAPC__PROTO_REQ_PREDICT, (uint32_t)m);
        shapc__proto_put_f32s(p->wbuf + SHAPC__PROTO_HEADER_SIZE, x + start * p->d, m * p->d);
        res = exchange(p, p->wbuf, wlen, reply_need, &rc, max_read, &got, &err_no, &proto);
        if (res != XCHG_OK) {
            snprintf(doing, sizeof doing, "while a batch of %zu rows was in flight", m);
            return exchange_error(p, res, err_no, doing, got,
                                  SHAPC__PROTO_HEADER_SIZE + m * p->k * 4, err, &proto);
        }
        if (rc.is_error) {
            size_t len = got - SHAPC__PROTO_HEADER_SIZE;
            /* The child answered in protocol: it stays usable for the next call. */
            return shapc_error_set(err, SHAPC_EMODEL, "model command '%s': the model reported: "
                                   "%.*s", p->label, (int)len,
                                   (const char *)p->rbuf + SHAPC__PROTO_HEADER_SIZE);
        }
        shapc__proto_get_f32s(out + start * p->k, p->rbuf + SHAPC__PROTO_HEADER_SIZE, m * p->k);
        /* shapc_model_predict checks too; checking here lets the message name the command. */
        for (size_t i = 0; i < m * p->k; i++) {
            float v = out[start * p->k + i];
            if (!isfinite(v))
                return shapc_error_set(err, SHAPC_ENONFINITE, "model command '%s': output row "
                                       "%zu, column %zu is %s", p->label,
                                       start + i / p->k, i % p->k, isnan(v) ? "NaN" : "infinite");
        }
    }
    return SHAPC_OK;
}

static shapc_status proc_predict(void *user, const float *x, size_t n, float *out,
                                 shapc_error *err)
{
    proc *p = user;
    shapc_status st;
    pthread_mutex_lock(&p->mu);
    st = proc_predict_locked(p, x, n, out, err);
    pthread_mutex_unlock(&p->mu);
    return st;
}

static void proc_free(void *user)
{
    proc *p = user;
    if (!p)
        return;
    stop_child(p, EXIT_GRACE_MS);
    shapc__free(p->wbuf);
    shapc__free(p->rbuf);
    pthread_mutex_destroy(&p->mu);
    shapc__free(p);
}

/* ---- start ---- */

shapc_process_options shapc_process_options_default(void)
{
    shapc_process_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.batch = 1024;
    o.timeout_ms = 60000;
    o.pass_stderr = 1;
    o.label = NULL;
    return o;
}

static void make_label(char *out, size_t cap, const char *const *argv, const char *label)
{
    size_t o = 0;
    out[0] = '\0';
    if (label) {
        snprintf(out, cap, "%s", label);
        return;
    }
    for (size_t i = 0; argv[i] && o + 1 < cap; i++) {
        int n = snprintf(out + o, cap - o, "%s%s", i ? " " : "", argv[i]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
    if (o + 1 >= cap && cap > 4)
        memcpy(out + cap - 4, "...", 4); /* truncated: make it visible */
}

/* A pipe whose child end is not 0, 1 or 2 (so dup2 onto them always clears close-on-exec)
 * and whose both ends are close-on-exec. */
static int make_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        if (fds[i] <= 2) {
            int nfd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
            if (nfd < 0) {
                close(fds[0]);
                close(fds[1]);
                return -1;
            }
            close(fds[i]);
            fds[i] = nfd;
        }
    }
    return 0;
}

static int spawn_child(proc *p, const char *const *argv, int pass_stderr, int *err_no)
{
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t empty, defaults;
    int rc, fa_ok = 0, attr_ok = 0;
    pid_t pid = 0;

    if (make_pipe(in_pipe) != 0 || make_pipe(out_pipe) != 0) {
        *err_no = errno;
        if (in_pipe[0] >= 0) {
            close(in_pipe[0]);
            close(in_pipe[1]);
        }
        return -1;
    }
    rc = posix_spawn_file_actions_init(&fa);
    fa_ok = rc == 0;
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    if (rc == 0 && !pass_stderr)
        rc = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (rc == 0) {
        rc = posix_spawnattr_init(&attr);
        attr_ok = rc == 0;
    }
    if (rc == 0) {
        /* The child starts with no blocked signals and SIGPIPE at its default, whatever the
         * calling thread had (we may be called with SIGPIPE blocked or ignored). */
        sigemptyset(&empty);
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGPIPE);
        rc = posix_spawnattr_setsigmask(&attr, &empty);
        if (rc == 0)
            rc = posix_spawnattr_setsigdefault(&attr, &defaults);
        if (rc == 0)
            rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    if (rc == 0) {
        /* posix_spawnp's argv is char *const[] for historical reasons; it does not write. */
        char *const *args;
        memcpy(&args, &argv, sizeof args);
        rc = posix_spawnp(&pid, argv[0], &fa, &attr, args, environ);
    }
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ok)
        posix_spawnattr_destroy(&attr);
    close(in_pipe[0]);
    close(out_pipe[1]);
    if (rc != 0) {
        close(in_pipe[1]);
        close(out_pipe[0]);
        *err_no = rc;
        return -1;
    }
    p->pid = pid;
    p->to_child = in_pipe[1];
    p->from_child = out_pipe[0];
    fcntl(p->to_child, F_SETFL, fcntl(p->to_child, F_GETFL) | O_NONBLOCK);
    fcntl(p->from_child, F_SETFL, fcntl(p->from_child, F_GETFL) | O_NONBLOCK);
#ifdef F_SETPIPE_SZ
    /* Larger pipes (Linux; best effort, capped by pipe-max-size) move a frame in fewer
     * wake-ups: the default 64 KiB means ~13 context switches per 784 x 1024 batch. */
    fcntl(p->to_child, F_SETPIPE_SZ, PIPE_BYTES);
    fcntl(p->from_child, F_SETPIPE_SZ, PIPE_BYTES);
#endif
    return 0;
}

/* "process 'python3 serve.py': 28x28x1 -> 10" */
static shapc_status set_describe(shapc_model *m, const proc *p)
{
    char label[LABEL_MAX + 16];
    snprintf(label, sizeof label, "process '%s'", p->label);
    return shapc__model_set_kind_label(m, label);
}

shapc_status shapc_model_open_process(const char *const *argv, const shapc_process_options *opt,
                                      shapc_model **out, shapc_error *err)
{
    shapc_process_options o = shapc_process_options_default();
    uint8_t hello[SHAPC__PROTO_HELLO_SIZE];
    hs_ctx hc;
    shapc_error proto = {SHAPC_OK, {0}};
    shapc_model *m = NULL;
    proc *p;
    size_t got, wbytes, rbytes;
    int err_no = 0;
    xchg_result res;
    shapc_status st;

    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_open_process: out is NULL");
    *out = NULL;
    if (opt && opt->size != sizeof *opt)
        return shapc_error_set(err, SHAPC_EINVAL, "process options of size %zu: initialise "
                               "them with shapc_process_options_default()", opt->size);
    if (opt)
        o = *opt;
    if (!argv || !argv[0] || !argv[0][0])
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_open_process: empty command");
    if (o.batch == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_open_process: batch must be "
                               ">= 1");
    p = shapc__calloc(1, sizeof *p);
    if (!p)
        return shapc_error_set(err, SHAPC_ENOMEM, "shapc_model_open_process: out of memory");
    p->to_child = p->from_child = -1;
    p->timeout_ms = o.timeout_ms;
    make_label(p->label, sizeof p->label, argv, o.label);
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        shapc__free(p);
        return shapc_error_set(err, SHAPC_ENOMEM, "model command '%s': cannot create a mutex",
                               p->label);
    }
    if (spawn_child(p, argv, o.pass_stderr, &err_no) != 0) {
        st = shapc_error_set(err, SHAPC_EIO, "model command '%s': cannot start %s: %s",
                             p->label, argv[0], strerror(err_no));
        proc_free(p);
        return st;
    }

    /* Hello, then the handshake; the batch announced is capped below, so announce the cap. */
    memset(&hc, 0, sizeof hc);
    shapc__proto_encode_hello(hello, (uint32_t)(o.batch > 0x7fffffff ? 0x7fffffff : o.batch));
    res = exchange(p, hello, sizeof hello, hs_need, &hc, SHAPC__PROTO_MAX_HANDSHAKE, &got,
                   &err_no, &proto);
    if (res != XCHG_OK) {
        st = exchange_error(p, res, err_no, "before the handshake", got,
                            SHAPC__PROTO_HANDSHAKE_FIXED, err, &proto);
        shapc__proto_handshake_clear(&hc.hs);
        proc_free(p);
        return st;
    }
    p->d = hc.hs.d;
    p->k = hc.hs.k;
    /* Frames stay below FRAME_BYTES_MAX: fewer rows per frame for very wide inputs. */
    p->batch = o.batch;
    if (p->batch > FRAME_BYTES_MAX / (p->d * 4))
        p->batch = FRAME_BYTES_MAX / (p->d * 4) ? FRAME_BYTES_MAX / (p->d * 4) : 1;
    if (p->batch > FRAME_BYTES_MAX / (p->k * 4))
        p->batch = FRAME_BYTES_MAX / (p->k * 4) ? FRAME_BYTES_MAX / (p->k * 4) : 1;
    if (p->batch > o.batch)
        p->batch = o.batch;
    wbytes = SHAPC__PROTO_HEADER_SIZE + p->batch * p->d * 4;
    rbytes = SHAPC__PROTO_HEADER_SIZE + (p->batch * p->k * 4 > SHAPC__PROTO_MAX_MESSAGE
                                             ? p->batch * p->k * 4
                                             : SHAPC__PROTO_MAX_MESSAGE);
    p->wbuf = shapc__malloc(wbytes);
    if (p->wbuf && p->rcap < rbytes) {
        uint8_t *nb = shapc__realloc(p->rbuf, rbytes);
        if (nb) {
            p->rbuf = nb;
            p->rcap = rbytes;
        }
    }
    st = p->wbuf && p->rcap >= rbytes ? SHAPC_OK : SHAPC_ENOMEM;
    if (st != SHAPC_OK)
        shapc_error_set(err, st, "model command '%s': out of memory", p->label);
    if (st == SHAPC_OK)
        st = shapc_model_create(p->d, p->k, proc_predict, p, proc_free, &m, err);
    if (st != SHAPC_OK) {
        shapc__proto_handshake_clear(&hc.hs);
        proc_free(p);
        return st;
    }
    /* From here the model owns p. */
    if (hc.hs.rank > 0) {
        size_t shape[SHAPC__PROTO_MAX_RANK];
        for (uint32_t i = 0; i < hc.hs.rank; i++)
            shape[i] = hc.hs.shape[i];
        st = shapc_model_set_input_shape(m, hc.hs.rank, shape, err);
    }
    if (st == SHAPC_OK && hc.hs.names)
        st = shapc_model_set_output_names(m, (const char *const *)hc.hs.names, err);
    if (st == SHAPC_OK && set_describe(m, p) != SHAPC_OK)
        st = shapc_error_set(err, SHAPC_ENOMEM, "model command '%s': out of memory", p->label);
    shapc__proto_handshake_clear(&hc.hs);
    if (st != SHAPC_OK) {
        shapc_model_free(m);
        return st;
    }
    *out = m;
    return SHAPC_OK;
}
