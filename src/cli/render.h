/* render.h - the standard plots drawn from a results directory (summary, bar, and per-instance
 * image/waterfall plots), shared by `shapc explain`, `shapc plot` and `shapc report`. */
#ifndef SHAPC_CLI_RENDER_H
#define SHAPC_CLI_RENDER_H

#include <stddef.h>

#include <shapc/plot.h>

#include "results.h"

/* Draws the default plots of results directory dir into dir:
 *   summary.png       beeswarm over all rows for the explained column with the largest mean
 *                     |phi| (with --class all on a classifier: the class the model's
 *                     explanations are most about; with one column: that column);
 *   bar.png           mean |phi| per player for the same column;
 *   instance_<row>.png for every explained row: an image plot with one panel per explained
 *                     column when the model input is (H, W[, C]); otherwise a waterfall of
 *                     the predicted class's column (column 0 if that class was not explained).
 * Returns 0 on success; on failure prints one line on stderr and returns 1. */
int shapc_cli_render_default_plots(const char *dir);

/* Building blocks for `shapc plot` (each prints its own error and returns 1 on failure). */
int shapc_cli_render_beeswarm(const shapc_cli_results *r, size_t col, const char *path,
                              const shapc_plot_options *o);
int shapc_cli_render_bar(const shapc_cli_results *r, size_t col, const char *path,
                         const shapc_plot_options *o);
int shapc_cli_render_waterfall(const shapc_cli_results *r, size_t row, size_t col,
                               const char *path, const shapc_plot_options *o);
/* cols: columns to draw as panels (NULL with ncols 0: all K columns). */
int shapc_cli_render_image(const shapc_cli_results *r, size_t row, const size_t *cols,
                           size_t ncols, const char *path, const shapc_plot_options *o);

#endif
