/* atomic_file.c - write-to-temporary-then-rename, so readers never see a partial file.
 *
 * The temporary name is "<path>.tmp.<pid>.<hex>" created with O_CREAT|O_EXCL: the exclusive
 * create makes concurrent writers (threads or processes) pick distinct names without any
 * shared counter, and mode 0666 lets the umask decide the final permissions, as for a plain
 * fopen (mkstemp would force 0600 and fixing that up needs the process-global umask).
 *
 * A target that exists and is not a regular file - /dev/null, /dev/stdout, a named pipe - is
 * written straight through: renaming over it would replace the device with a regular file
 * (as root, /dev/null itself), and a stream has no partial state for readers to see. */
#define _POSIX_C_SOURCE 200809L

#include "util/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"

#define AFILE_MAX_ATTEMPTS 64

/* Thread-safe errno text (XSI strerror_r: _POSIX_C_SOURCE without _GNU_SOURCE). */
static const char *errno_text(int errnum, char *buf, size_t cap)
{
    if (strerror_r(errnum, buf, cap) != 0)
        snprintf(buf, cap, "error %d", errnum);
    return buf;
}

static shapc_status io_error(shapc_error *err, const char *path, const char *what, int errnum)
{
    char buf[128];
    return shapc_error_set(err, SHAPC_EIO, "%s: %s: %s", path, what,
                           errno_text(errnum, buf, sizeof buf));
}

static void afile_release(shapc__afile *af)
{
    shapc__free(af->path);
    shapc__free(af->tmp_path);
    af->fp = NULL;
    af->path = NULL;
    af->tmp_path = NULL;
}

/* A starting suffix that differs between calls and threads without shared state: the clock
 * plus the address of the caller's record. Collisions only cost another O_EXCL attempt. */
static uint64_t suffix_seed(const shapc__afile *af)
{
    struct timespec ts = {0, 0};
    uint64_t x;
    clock_gettime(CLOCK_REALTIME, &ts);
    x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)(uintptr_t)af;
    /* splitmix64 finaliser: spreads nearby seeds apart */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebu;
    x ^= x >> 31;
    return x;
}

shapc_status shapc__afile_open(shapc__afile *af, const char *path, shapc_error *err)
{
    size_t len, cap;
    uint64_t suffix;
    int fd = -1, attempt, errnum = 0;

    af->fp = NULL;
    af->path = NULL;
    af->tmp_path = NULL;
    if (!path || !*path)
        return shapc_error_set(err, SHAPC_EINVAL, "atomic write: empty path");

    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
        af->path = shapc__strdup(path);
        if (!af->path)
            return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || !(af->fp = fdopen(fd, "wb"))) {
            errnum = errno;
            if (fd >= 0)
                close(fd);
            afile_release(af);
            return io_error(err, path, "cannot open", errnum);
        }
        return SHAPC_OK;
    }

    len = strlen(path);
    /* ".tmp." + pid (<= 20 digits) + "." + 16 hex digits + NUL */
    if (!shapc__add_size(len, 64, &cap))
        return shapc_error_set(err, SHAPC_ERANGE, "%s: path too long", path);
    af->path = shapc__strdup(path);
    af->tmp_path = shapc__malloc(cap);
    if (!af->path || !af->tmp_path) {
        afile_release(af);
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
    }

    suffix = suffix_seed(af);
    for (attempt = 0; attempt < AFILE_MAX_ATTEMPTS; attempt++, suffix++) {
        snprintf(af->tmp_path, cap, "%s.tmp.%ld.%016llx", path, (long)getpid(),
                 (unsigned long long)suffix);
        fd = open(af->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0)
            break;
        errnum = errno;
        if (errnum != EEXIST)
            break;
    }
    if (fd < 0) {
        afile_release(af);
        return io_error(err, path, "cannot create temporary file", errnum);
    }

    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        errnum = errno;
        close(fd);
        unlink(af->tmp_path);
        afile_release(af);
        return io_error(err, path, "cannot open temporary file", errnum);
    }
    return SHAPC_OK;
}

/* Makes the rename itself durable; best effort, as some filesystems refuse directory fsync. */
static void fsync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    size_t n;
    int fd;

    if (!slash) {
        fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        n = slash == path ? 1 : (size_t)(slash - path);
        dir = shapc__malloc(n + 1);
        if (!dir)
            return;
        memcpy(dir, path, n);
        dir[n] = '\0';
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        shapc__free(dir);
    }
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

shapc_status shapc__afile_commit(shapc__afile *af, shapc_error *err)
{
    shapc_status st = SHAPC_OK;
    int errnum;

    if (!af->fp || !af->path) {
        shapc__afile_abort(af);
        return shapc_error_set(err, SHAPC_EINVAL, "atomic write: file is not open");
    }
    if (!af->tmp_path) {
        /* A device or pipe: flush and close, nothing to rename. */
        errno = 0;
        if (fflush(af->fp) != 0 || ferror(af->fp))
            st = io_error(err, af->path, "write failed", errno ? errno : EIO);
        if (fclose(af->fp) != 0 && st == SHAPC_OK)
            st = io_error(err, af->path, "close failed", errno);
        af->fp = NULL;
        afile_release(af);
        return st;
    }

    errno = 0;
    if (fflush(af->fp) != 0 || ferror(af->fp)) {
        errnum = errno ? errno : EIO;
        st = io_error(err, af->path, "write failed", errnum);
    } else if (fsync(fileno(af->fp)) != 0) {
        st = io_error(err, af->path, "fsync failed", errno);
    }
    if (fclose(af->fp) != 0 && st == SHAPC_OK)
        st = io_error(err, af->path, "close failed", errno);
    af->fp = NULL;

    if (st == SHAPC_OK && rename(af->tmp_path, af->path) != 0)
        st = io_error(err, af->path, "cannot rename temporary file into place", errno);

    if (st == SHAPC_OK)
        fsync_parent_dir(af->path);
    else
        unlink(af->tmp_path);
    afile_release(af);
    return st;
}

void shapc__afile_abort(shapc__afile *af)
{
    if (!af)
        return;
    if (af->fp)
        fclose(af->fp);
    if (af->tmp_path)
        unlink(af->tmp_path);
    afile_release(af);
}
