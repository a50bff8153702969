/* lock.c - see lock.h. */
#define _DEFAULT_SOURCE /* flock */

#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loaders.h"

/* The pid written by the holder, or 0 if unreadable. */
static long read_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

shapc_status shapc_cli_lock_acquire(shapc_cli_lock *lock, const char *dir, shapc_error *err)
{
    lock->fd = -1;
    lock->path = shapc_cli_path_join(dir, SHAPC_CLI_LOCK_NAME);
    if (!lock->path)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    /* A releasing run unlinks the file while holding the lock, so a lock taken on an inode
     * that is no longer at the path is worthless: retry on the new file. */
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            shapc_status st = shapc_error_set(err, SHAPC_EIO, "%s: %s", lock->path,
                                              strerror(errno));
            shapc_cli_lock_release(lock);
            return st;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            long pid = read_pid(fd);
            close(fd);
            shapc_status st;
            if (e == EWOULDBLOCK) {
                char who[48] = "";
                if (pid > 0)
                    snprintf(who, sizeof who, " (pid %ld)", pid);
                st = shapc_error_set(err, SHAPC_EINVAL, "%s is in use by another shapc run%s; "
                                     "wait for it or choose another -o directory", dir, who);
            } else {
                st = shapc_error_set(err, SHAPC_EIO, "%s: cannot lock: %s", lock->path,
                                     strerror(e));
            }
            shapc_cli_lock_release(lock);
            return st;
        }
        struct stat held, now;
        if (fstat(fd, &held) == 0 && stat(lock->path, &now) == 0 && held.st_dev == now.st_dev &&
            held.st_ino == now.st_ino) {
            char pid[32];
            int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
                /* The pid is only for the message; the lock itself is held. */
            }
            lock->fd = fd;
            return SHAPC_OK;
        }
        close(fd);
    }
    shapc_cli_lock_release(lock);
    return shapc_error_set(err, SHAPC_EIO, "%s/%s: could not be locked (the file keeps being "
                           "replaced)", dir, SHAPC_CLI_LOCK_NAME);
}

void shapc_cli_lock_release(shapc_cli_lock *lock)
{
    if (lock->path && lock->fd >= 0) { /* path NULL: zero-initialised, never acquired */
        unlink(lock->path); /* while still holding the lock: see acquire */
        close(lock->fd);
    }
    free(lock->path);
    lock->fd = -1;
    lock->path = NULL;
}
