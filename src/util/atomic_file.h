/* atomic_file.h - write a file so that readers never see a partial one.
 *
 * Bytes go to "<path>.tmp.<pid>.<n>" in the target's directory (same filesystem, so rename is
 * atomic); shapc__afile_commit flushes, fsyncs and renames over the target;
 * shapc__afile_abort (or a failed commit) removes the temporary file. Used by every writer:
 * NPY, IDX, model.bin, JSON, plots. */
#ifndef SHAPC_UTIL_ATOMIC_FILE_H
#define SHAPC_UTIL_ATOMIC_FILE_H

#include <stdio.h>

#include "shapc/status.h"

typedef struct shapc__afile {
    FILE *fp;            /* write through this (stdio) */
    char *path;          /* final path (owned) */
    char *tmp_path;      /* temporary path (owned), or NULL when writing straight to path */
} shapc__afile;

/* Opens a temporary file next to path. SHAPC_EIO with "path: reason" on failure. */
shapc_status shapc__afile_open(shapc__afile *af, const char *path, shapc_error *err);
/* Checks stream errors, fsyncs, closes and renames; on any failure removes the temporary
 * file and returns SHAPC_EIO. Always releases af's resources. */
shapc_status shapc__afile_commit(shapc__afile *af, shapc_error *err);
/* Closes and removes the temporary file; safe on a zeroed or already-released af. */
void shapc__afile_abort(shapc__afile *af);

#endif /* SHAPC_UTIL_ATOMIC_FILE_H */
