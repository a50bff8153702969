/* file.c - atomic whole-file writes for text results (JSON and the like). */
#define _POSIX_C_SOURCE 200809L

#include "shapc/data.h"

#include <errno.h>

#include "data/io_internal.h"
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
