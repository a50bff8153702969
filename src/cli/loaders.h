/* loaders.h - turning the user's input files into float32 rows for a model, plus the few
 * filesystem helpers the commands share.
 *
 * Input formats are chosen by extension: ".npy" is NumPy; ".idx", ".idx.gz", names ending in
 * "ubyte" (MNIST's "t10k-images-idx3-ubyte") and other ".gz" files are IDX (gzip detected by
 * content). Any other name is sniffed: a NumPy magic means NPY, otherwise IDX is tried.
 * ".csv", ".png", directories and "@list" files go to inputs.h (docs/inputs.md). */
#ifndef SHAPC_CLI_LOADERS_H
#define SHAPC_CLI_LOADERS_H

#include <stddef.h>

#include <shapc/data.h>
#include <shapc/model.h>
#include <shapc/status.h>

#include "args.h"

/* Loads `path` and converts the rows `range` selects (NULL: all) to float32 rows (n, d) for
 * `model`: the product of the trailing dimensions must equal the model's d (an IDX of shape
 * (10000, 28, 28) feeds a 28x28x1 model). A rank-1 array of d values is one row. Only the
 * selected rows are converted, so explaining a few rows of a large file costs little memory.
 * *first gets the first selected row's index in the file and *n_file the file's row count
 * (either may be NULL). Errors name the file: the reader's statuses, SHAPC_ESHAPE
 * ("input.idx: shape (10000, 28, 27) does not match the model input 28x28x1 (784
 * features)"), SHAPC_EINVAL (no rows), SHAPC_ERANGE without a message when the range exceeds
 * the file (*n_file set: the caller names its option; test with shapc_cli_rows_outside, since
 * the readers' own SHAPC_ERANGE - dimensions that overflow, a CSV value beyond float32 -
 * carries the file's message). *out is owned by the caller. */
shapc_status shapc_cli_load_rows(const char *path, const shapc_model *model,
                                 const shapc_cli_range *range, size_t *first, size_t *n_file,
                                 shapc_array **out, shapc_error *err);

/* Reads a file of rows once, without a model, for its reader's errors alone (a directory or
 * an @list passes: its files are read with the model). Lets an adapter model - a process
 * whose handshake may take up to its timeout - start only once the inputs are known good. */
shapc_status shapc_cli_check_readable(const char *path, shapc_error *err);

/* 1 if a shapc_cli_load_rows failure means only that the row range exceeds the file. */
int shapc_cli_rows_outside(shapc_status st, const shapc_error *err);

/* Fails with SHAPC_ENONFINITE naming the file and the row (numbered in the file, i.e.
 * first_row + i) if any of the n rows of d values is NaN or infinite. */
shapc_status shapc_cli_check_finite(const char *path, const float *rows, size_t n, size_t d,
                                    size_t first_row, shapc_error *err);

/* Joins dir and name with one '/' into a malloc'd string (NULL on allocation failure). */
char *shapc_cli_path_join(const char *dir, const char *name);

/* Size of a file in bytes, or -1 if it cannot be stat'ed. */
long long shapc_cli_file_size(const char *path);

#endif
