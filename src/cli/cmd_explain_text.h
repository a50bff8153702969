/* cmd_explain_text.h - the text path of `shapc explain` (cmd_explain_text.c). */
#ifndef SHAPC_CLI_CMD_EXPLAIN_TEXT_H
#define SHAPC_CLI_CMD_EXPLAIN_TEXT_H

#include "args.h"

/* explain_options is the generic path's option table, used to tell option values from
 * positional arguments. If MODEL (the first positional argument) is a text model, runs the
 * whole text explanation and returns the exit status; otherwise returns -1 without printing
 * anything, and the generic path goes on (it reports unreadable models, --help and black-box
 * options). */
int shapc_cli_explain_text(int argc, char **argv, const shapc_cli_option *explain_options);

#endif /* SHAPC_CLI_CMD_EXPLAIN_TEXT_H */
