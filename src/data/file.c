/* file.c - whole files: atomic writes for text results (JSON and the like), whole-file reads,
 * and directories created with their parents. */
#define _POSIX_C_SOURCE 200809L

#include "shapc/data.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/io_internal.h"
#include "util/alloc.h"
#include "util/atomic_file.h"

shapc_status shapc_file_write_atomic(const char *path, const void *data, size_t len,
                                     shapc_error *err)
{
    shapc__afile af;
    shapc_status st;

    if (!path || (!data && len > 0))
        return shapc_error_set(err, SHAPC_EINVAL, "file_write_atomic: NULL argument");
    st = shapc__afile_open(&af, path, err);
    if (st != SHAPC_OK)
        return st;
    if (len > 0 && fwrite(data, 1, len, af.fp) != len) {
        char ebuf[128];
        st = shapc_error_set(err, SHAPC_EIO, "%s: write failed: %s", path,
                             shapc__errno_text(errno, ebuf, sizeof ebuf));
        shapc__afile_abort(&af);
        return st;
    }
    return shapc__afile_commit(&af, err);
}

shapc_status shapc_file_read(const char *path, size_t max_bytes, char **data, size_t *len,
                             shapc_error *err)
{
    char ebuf[128];
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return shapc_error_set(err, SHAPC_EIO, "%s: cannot read: %s", path,
                               shapc__errno_text(errno, ebuf, sizeof ebuf));
    size_t cap = 1 << 16, n = 0;
    char *buf = shapc__malloc(cap + 1);
    shapc_status st = SHAPC_OK;
    while (buf) {
        n += fread(buf + n, 1, cap - n, fp);
        if (n < cap)
            break;
        if (max_bytes && cap >= max_bytes) {
            st = shapc_error_set(err, SHAPC_ERANGE, "%s: larger than %zu bytes", path,
                                 max_bytes);
            break;
        }
        char *nb = cap <= (SIZE_MAX - 1) / 2 ? shapc__realloc(buf, cap * 2 + 1) : NULL;
        if (!nb) {
            shapc__free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (!buf)
        st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
    else if (st == SHAPC_OK && ferror(fp))
        st = shapc_error_set(err, SHAPC_EIO, "%s: read error", path);
    else if (st == SHAPC_OK && max_bytes && n > max_bytes)
        st = shapc_error_set(err, SHAPC_ERANGE, "%s: larger than %zu bytes", path, max_bytes);
    fclose(fp);
    if (st != SHAPC_OK) {
        shapc__free(buf);
        return st;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return SHAPC_OK;
}

shapc_status shapc_dir_create(const char *dir, shapc_error *err)
{
    char ebuf[128];
    const size_t len = dir ? strlen(dir) : 0;
    if (len == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "empty directory name");
    char *buf = shapc__malloc(len + 1);
    if (!buf)
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", dir);
    memcpy(buf, dir, len + 1);
    shapc_status st = SHAPC_OK;
    /* Create each prefix ending at a '/', then the whole path. */
    for (size_t i = 1; i <= len && st == SHAPC_OK; i++) {
        if (i < len && buf[i] != '/')
            continue;
        const char saved = buf[i];
        buf[i] = '\0';
        struct stat sb;
        if (mkdir(buf, 0777) != 0) {
            const int e = errno;
            if (e != EEXIST)
                st = shapc_error_set(err, SHAPC_EIO, "%s: cannot create directory: %s", buf,
                                     shapc__errno_text(e, ebuf, sizeof ebuf));
            else if (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode))
                st = shapc_error_set(err, SHAPC_EIO, "%s: exists and is not a directory", buf);
        }
        buf[i] = saved;
    }
    shapc__free(buf);
    return st;
}
