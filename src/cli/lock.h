/* lock.h - one shapc run per results directory: DIR/.shapc-lock is held with
 * flock(LOCK_EX | LOCK_NB) for the whole run, so a second run into the same directory fails
 * at once with a clear error instead of interleaving its files and journal with the first.
 * The kernel drops the lock when the process dies, so a crashed run never leaves a stale
 * lock; the file itself is removed on release and holds the owner's pid for the message. */
#ifndef SHAPC_CLI_LOCK_H
#define SHAPC_CLI_LOCK_H

#include <shapc/status.h>

#define SHAPC_CLI_LOCK_NAME ".shapc-lock"

typedef struct shapc_cli_lock {
    int fd; /* -1 when not held */
    char *path;
} shapc_cli_lock;

/* Takes DIR's lock. SHAPC_EINVAL "DIR is in use by another shapc run (pid P)" if another
 * process holds it, SHAPC_EIO / SHAPC_ENOMEM otherwise. */
shapc_status shapc_cli_lock_acquire(shapc_cli_lock *lock, const char *dir, shapc_error *err);
/* Removes the lock file and drops the lock; a zero-initialised or released lock is fine. */
void shapc_cli_lock_release(shapc_cli_lock *lock);

#endif
