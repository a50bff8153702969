/* signals.h - clean stops on SIGINT / SIGTERM for long commands. The handler only records
 * the signal; the command polls shapc_cli_signals_caught() between instances, closes its files
 * and exits with 128 + signal (130 for SIGINT, 143 for SIGTERM), the shell convention. A
 * second signal of the same kind kills the process at once (the handler resets itself), so a
 * stuck model call can still be interrupted. */
#ifndef SHAPC_CLI_SIGNALS_H
#define SHAPC_CLI_SIGNALS_H

/* Installs the handlers for SIGINT and SIGTERM (and clears a previously caught signal). */
void shapc_cli_signals_install(void);
/* Restores the default actions. */
void shapc_cli_signals_restore(void);
/* The first signal caught since install (SIGINT or SIGTERM), or 0. */
int shapc_cli_signals_caught(void);

#endif
