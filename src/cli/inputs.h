/* inputs.h - tables and images as explain/predict inputs (docs/inputs.md): CSV files, PNG
 * files, directories of PNGs and @lists of PNGs become float32 rows; a CSV header and a
 * --groups groups.json become named players. The library readers (shapc_csv_read,
 * shapc_png_read, shapc_groups_read) do the parsing; this file decides what a file means for
 * a given model. */
#ifndef SHAPC_CLI_INPUTS_H
#define SHAPC_CLI_INPUTS_H

#include <stddef.h>

#include <shapc/data.h>
#include <shapc/model.h>
#include <shapc/status.h>

#include "csv_drop.h"

/* 1 if `path` is an input this module loads: a name ending in .csv or .png (any case), an
 * existing directory, or "@FILE" (a list of PNG paths, one per line, '#' comments; relative
 * paths are relative to FILE's directory). */
int shapc_cli_inputs_handles(const char *path);

/* Loads such an input as float32 (n, d) rows for `model`. CSV: the column count must equal
 * d. PNG: the model input shape HxW or HxWxC must equal the image's exactly ("cat.png: 32x32x3
 * image does not match the model input 28x28x1"); a directory is read in byte order of file
 * names. A CSV loses the columns drop names first (NULL: none). *out is owned by the
 * caller. Errors name the file. */
shapc_status shapc_cli_inputs_load(const char *path, const shapc_model *model,
                                   const shapc_cli_csv_drop *drop, shapc_array **out,
                                   shapc_error *err);

/* Players from a CSV header and/or a groups.json (docs/inputs.md). Applies when input_path or
 * bg_path is a .csv file or groups_json is not NULL; otherwise returns SHAPC_OK with *names =
 * NULL (the caller names features itself). On success: *n_players, *group_of (d entries) and
 * *names (n_players malloc'd strings) are malloc'd and owned by the caller (free()). Players
 * are ordered by their first column; ungrouped columns stay single players under their own
 * name. Errors: a background CSV whose header differs from the input's, unknown or repeated
 * columns in groups.json, malformed JSON - each naming the file. */
shapc_status shapc_cli_inputs_players(const char *input_path, const char *bg_path,
                                      const char *groups_json, const shapc_cli_csv_drop *drop,
                                      const shapc_model *model, size_t *n_players,
                                      size_t **group_of, char ***names, shapc_error *err);

#endif
