/* signals.h - clean stops on SIGINT / SIGTERM for long commands. The handler only records
 * the signal; the command polls shapc_cli_signals_caught() between instances, closes its files
 * and exits with 128 + signal (130 for SIGINT, 143 for SIGTERM), the shell convention. A
 * second signal of the same kind kills the process at once (the handler resets itself), so a
 * stuck model call can still be interrupted. */
#ifndef SHAPC_CLI_SIGNALS_H
#define SHAPC_CLI_SIGNALS_H

/* Installs the handlers for SIGINT and SIGTERM (and clears a previously caught signal). */
void shapc_cli_signals_install(void);
/* Registers a line the handler itself writes to stderr (async-signal-safe write(2)) the moment
 * a signal arrives: `head`, the signal number, `tail` and a newline, each cut to fit a fixed
 * buffer. For a process whose killer may not wait: mpirun sends SIGKILL as little as a few
 * milliseconds after SIGTERM, too soon for a poll of shapc_cli_signals_caught(). Call after
 * shapc_cli_signals_install(); install and a NULL head clear it. */
void shapc_cli_signals_notice(const char *head, const char *tail);
/* Restores the default actions. */
void shapc_cli_signals_restore(void);
/* The first signal caught since install (SIGINT or SIGTERM), or 0. */
int shapc_cli_signals_caught(void);

#endif
