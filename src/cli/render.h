/* render.h - the standard plots of a results object (shapc/results.h), shared by
 * `shapc explain` (the default plots), `shapc plot` and `shapc report`, so a plot looks the same
 * whichever command drew it. Only the public API is used; errors come back as a status with
 * the message naming the file. */
#ifndef SHAPC_CLI_RENDER_H
#define SHAPC_CLI_RENDER_H

#include <stddef.h>

#include <shapc/plot.h>
#include <shapc/results.h>

/* Draws the default plots into dir:
 *   arrays (images, tables):
 *     summary.png       with several explained columns shap's multi-output summary: mean
 *                       |phi| per player stacked by column; with one column its beeswarm;
 *     beeswarm.png      (several columns) the beeswarm over all rows of the column with the
 *                       largest mean |phi| (with --class all on a classifier: the class the
 *                       explanations are most about);
 *     bar.png           mean |phi| per player for that column;
 *     instance_<row>.png for every row: an image plot with one panel per explained column
 *                       when the model input is (H, W[, C]); otherwise a waterfall of the
 *                       predicted class's column (column 0 if that class was not explained);
 *   documents:
 *     text_<row>.png    the text plot of the first explained column, for the first 200
 *                       documents that have tokens;
 *     vocab_importance.png  mean |phi| per word of the first column, top 20.
 * With missing_only, files already there are kept (a report after --no-plots); and for
 * documents only the first `shown` documents get a text plot. */
shapc_status shapc_cli_render_default_plots(const shapc_results *r, const char *dir,
                                            shapc_error *err);
shapc_status shapc_cli_render_missing_plots(const shapc_results *r, const char *dir,
                                            size_t shown, shapc_error *err);

/* A column selector meaning each row's predicted (argmax) output (--class predicted). */
#define SHAPC_CLI_RENDER_PREDICTED ((size_t)-1)

/* Building blocks for `shapc plot`; o NULL = the default options and titles. col may be
 * SHAPC_CLI_RENDER_PREDICTED for beeswarm and bar. */
shapc_status shapc_cli_render_beeswarm(const shapc_results *r, size_t col, const char *path,
                                       const shapc_plot_options *o, shapc_error *err);
shapc_status shapc_cli_render_bar(const shapc_results *r, size_t col, const char *path,
                                  const shapc_plot_options *o, shapc_error *err);
/* Mean |phi| per player, stacked by explained column (shap.summary_plot of a list). */
shapc_status shapc_cli_render_bar_stacked(const shapc_results *r, const char *path,
                                          const shapc_plot_options *o, shapc_error *err);
shapc_status shapc_cli_render_waterfall(const shapc_results *r, size_t row, size_t col,
                                        const char *path, const shapc_plot_options *o,
                                        shapc_error *err);
/* The explained rows rows[0..nrows) (indices into the results), one figure row each
 * (shap.image_plot); cols: columns to draw as panels (NULL with ncols 0: all K columns). */
shapc_status shapc_cli_render_image(const shapc_results *r, const size_t *rows, size_t nrows,
                                    const size_t *cols, size_t ncols, const char *path,
                                    const shapc_plot_options *o, shapc_error *err);
/* Document row's tokens coloured by column col; o NULL: titled "document N: output". */
shapc_status shapc_cli_render_text(const shapc_results *r, size_t row, size_t col,
                                   const char *path, const shapc_plot_options *o,
                                   shapc_error *err);

/* The mean |phi| per word of the first column, top 20 (vocab_importance.png). */
shapc_status shapc_cli_render_vocabulary(const shapc_results *r, const char *path,
                                         shapc_error *err);

/* o's options (NULL: the defaults), with title where they give none. */
shapc_plot_options shapc_cli_render_titled(const shapc_plot_options *o, const char *title);

/* Explained column whose mean |phi| over all rows is largest (the summary plot's choice). */
size_t shapc_cli_render_main_column(const shapc_results *r);
/* Column of row i to draw for one instance: the model's predicted (argmax) output if it is
 * explained, else column 0. */
size_t shapc_cli_render_instance_column(const shapc_results *r, size_t i);
/* 1 if the model input is an image: shape (H, W) or (H, W, C) with C 1 or 3. */
int shapc_cli_render_is_image(const shapc_results *r, size_t *h, size_t *w, size_t *c);
/* A name for explained column c over all rows: "predicted class" with --class predicted (each
 * row's own), else the output's name. */
const char *shapc_cli_render_column_name(const shapc_results *r, size_t c);

#endif
