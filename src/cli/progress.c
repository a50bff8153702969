/* progress.c - stderr progress line for long explanations (see progress.h). */
#define _POSIX_C_SOURCE 200809L

#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double shapc_cli_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void shapc_cli_progress_init(shapc_cli_progress *p, const char *what, size_t total, int quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->drawn = 0;
    p->what = what;
    p->total = total;
    p->start = shapc_cli_now();
    p->last_draw = 0.0;
}

static void format_duration(char *buf, size_t cap, double s)
{
    if (s < 90.0)
        snprintf(buf, cap, "%.0f s", s);
    else if (s < 5400.0)
        snprintf(buf, cap, "%.0f min", s / 60.0);
    else
        snprintf(buf, cap, "%.1f h", s / 3600.0);
}

void shapc_cli_progress_update(shapc_cli_progress *p, size_t done)
{
    if (!p->enabled)
        return;
    double now = shapc_cli_now();
    /* Redraw at most 5 times a second, but always show the last item. */
    if (done < p->total && p->drawn && now - p->last_draw < 0.2)
        return;
    p->last_draw = now;
    double elapsed = now - p->start;
    double rate = elapsed > 0.0 ? (double)done / elapsed : 0.0;
    char eta[32] = "?";
    if (rate > 0.0)
        format_duration(eta, sizeof eta, (double)(p->total - done) / rate);
    /* \r and clear-to-end-of-line keep it on one line as its length changes. */
    fprintf(stderr, "\r\033[Kexplaining %zu/%zu %s, %.2f %s/s, ETA %s", done, p->total, p->what,
            rate, p->what, eta);
    fflush(stderr);
    p->drawn = 1;
}

void shapc_cli_progress_finish(shapc_cli_progress *p)
{
    if (p->enabled && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = 0;
}
