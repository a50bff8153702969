/* signals.c - see signals.h. The one piece of process-global state in the CLI: a signal
 * handler can reach nothing but a global, and only a volatile sig_atomic_t may be written
 * from it (the notice is written before the handlers can read it, and only read there). */
#define _POSIX_C_SOURCE 200809L

#include "signals.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t caught_signal;
static volatile sig_atomic_t notice_ready;
static char notice_head[256], notice_tail[512];

static void on_signal(int sig)
{
    if (caught_signal == 0)
        caught_signal = sig;
    if (!notice_ready)
        return;
    notice_ready = 0; /* once */
    char num[12];
    size_t n = 0;
    for (int v = sig > 0 ? sig : 0; n == 0 || v > 0; v /= 10)
        num[n++] = (char)('0' + v % 10);
    char line[sizeof notice_head + sizeof num + sizeof notice_tail + 1];
    size_t len = strlen(notice_head);
    memcpy(line, notice_head, len);
    while (n > 0)
        line[len++] = num[--n];
    const size_t tl = strlen(notice_tail);
    memcpy(line + len, notice_tail, tl);
    len += tl;
    line[len++] = '\n';
    for (size_t off = 0; off < len;) {
        const ssize_t w = write(STDERR_FILENO, line + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
}

void shapc_cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* Restart interrupted reads and writes (the model process I/O retries anyway);
     * reset so a second Ctrl-C kills a run stuck inside one long instance. */
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    caught_signal = 0;
    notice_ready = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void shapc_cli_signals_notice(const char *head, const char *tail)
{
    notice_ready = 0;
    if (!head)
        return;
    snprintf(notice_head, sizeof notice_head, "%s", head);
    snprintf(notice_tail, sizeof notice_tail, "%s", tail ? tail : "");
    notice_ready = 1;
}

void shapc_cli_signals_restore(void)
{
    notice_ready = 0;
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

int shapc_cli_signals_caught(void)
{
    return (int)caught_signal;
}
