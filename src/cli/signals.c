/* signals.c - see signals.h. The one piece of process-global state in the CLI: a signal
 * handler can reach nothing but a global, and only a volatile sig_atomic_t may be written
 * from it. */
#define _POSIX_C_SOURCE 200809L

#include "signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
    if (caught_signal == 0)
        caught_signal = sig;
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
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void shapc_cli_signals_restore(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

int shapc_cli_signals_caught(void)
{
    return (int)caught_signal;
}
