/* command.h - command lines as word vectors, for models that run as another process
 * (shapc_model_open_process in model.h takes an argv; a user gives one string).
 *
 * Thread-safety: no shared state; distinct calls may run in distinct threads. */
#ifndef SHAPC_COMMAND_H
#define SHAPC_COMMAND_H

#include <stddef.h>

#include "shapc/export.h"
#include "shapc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Splits a command line into words the way a POSIX shell does for quoting only: blanks
 * separate words; '...' is literal; "..." keeps blanks and lets backslash escape \ " $ `;
 * outside quotes backslash escapes any character. No expansion of any kind ($VAR, *, ~, `
 * are ordinary characters), no redirections. *argv_out receives a NULL-terminated vector
 * (free with shapc_command_free), *argc_out (may be NULL) the word count. Errors: SHAPC_EINVAL
 * (no words, unterminated quote, trailing backslash), SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_command_split(const char *cmd, char ***argv_out, size_t *argc_out,
                                           shapc_error *err);
SHAPC_API void shapc_command_free(char **argv); /* NULL allowed */

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_COMMAND_H */
