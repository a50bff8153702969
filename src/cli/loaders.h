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
#include "csv_drop.h"

/* Loads `path` and converts the rows `range` selects (NULL: all) to float32 rows (n, d) for
 * `model`: the product of the trailing dimensions must equal the model's d (an IDX of shape
 * (10000, 28, 28) feeds a 28x28x1 model). A rank-1 array of d values is one row. Only the
 * selected rows are converted, so explaining a few rows of a large file costs little memory.
 * *row_ids gets a new array of the selected rows' numbers in the file, one per row of *out
 * (free() it), and *n_file the file's row count (either may be NULL). Errors name the file: the reader's statuses, SHAPC_ESHAPE
 * ("input.idx: shape (10000, 28, 27) does not match the model input 28x28x1 (784
 * features)"), SHAPC_EINVAL (no rows), SHAPC_ERANGE without a message when the range exceeds
 * the file (*n_file set: the caller names its option; test with shapc_cli_rows_outside, since
 * the readers' own SHAPC_ERANGE - dimensions that overflow, a CSV value beyond float32 -
 * carries the file's message). A CSV first loses the columns drop names (NULL: none). *out is
 * owned by the caller. */
shapc_status shapc_cli_load_rows(const char *path, const shapc_model *model,
                                 const shapc_cli_range *range, const shapc_cli_csv_drop *drop,
                                 size_t **row_ids, size_t *n_file, shapc_array **out,
                                 shapc_error *err);

/* Reads `path` once without a model, so that a malformed NPY, IDX or CSV is refused before a
 * --model-cmd process or a plugin is started (the shape is checked later, against the
 * model). PNGs, directories and @lists are left to shapc_cli_load_rows. Errors name the file
 * as shapc_cli_load_rows's would. Costs one extra read of the file. */
shapc_status shapc_cli_check_input(const char *path, shapc_error *err);

/* 1 if a shapc_cli_load_rows failure means only that the row range exceeds the file. */
int shapc_cli_rows_outside(shapc_status st, const shapc_error *err);

/* Fails with SHAPC_ENONFINITE naming the file and the row (numbered in the file: row_ids[i],
 * or first_row + i when row_ids is NULL) if any of the n rows of d values is NaN or
 * infinite. */
shapc_status shapc_cli_check_finite(const char *path, const float *rows, size_t n, size_t d,
                                    const size_t *row_ids, size_t first_row, shapc_error *err);

/* Where a command's model comes from: a model.bin (model_path), a --model-cmd process or a
 * --model-plugin library (at most one of model_cmd / plugin_path set; then model_path is
 * ignored). batch and timeout_ms apply to a process only (shapc_process_options). */
typedef struct shapc_cli_model_source {
    const char *model_path, *model_cmd, *plugin_path, *plugin_arg;
    size_t batch;
    int timeout_ms;
} shapc_cli_model_source;

/* Opens the model src describes into *model (owned by the caller: shapc_model_free). A bare
 * plugin name ("lib.so") means the file in the current directory, not the library path.
 * Errors are the adapter's (they name the command or the library). */
shapc_status shapc_cli_open_model(const shapc_cli_model_source *src, shapc_model **model,
                                  shapc_error *err);

/* Parses a --model-timeout value in seconds (>= 0, "0.3") into milliseconds; -1 if bad. */
int shapc_cli_parse_timeout(const char *v, int *ms);

/* Joins dir and name with one '/' into a malloc'd string (NULL on allocation failure). */
char *shapc_cli_path_join(const char *dir, const char *name);

/* Size of a file in bytes, or -1 if it cannot be stat'ed. */
long long shapc_cli_file_size(const char *path);

#endif
