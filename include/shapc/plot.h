/* plot.h - the renderer: shap's plots drawn with cairo and pango, straight to a file.
 *
 * Six kinds, in shap's visual language (positive SHAP red #ff0051, negative blue #008bfb, the
 * blue-purple-red "red_blue" map for feature values, grey for missing values):
 *   beeswarm  - one row per feature, one dot per instance, dots coloured by feature value;
 *   bar       - mean |phi| per feature with the value printed at each bar;
 *   stacked bar - mean |phi| per feature and output, stacked (shap's multi-output summary);
 *   waterfall - one instance, from E[f(X)] to f(x), the largest contributions as arrows;
 *   image     - input image, then per class the faded grey image under a phi overlay;
 *   text      - tokens in reading order with a background coloured by phi.
 *
 * Every kind has two entry points:
 *   shapc_plot_<kind>_draw(cr, x, y, w, h, ...) draws into a caller's cairo context inside the
 *       rectangle (x, y, w, h) in the context's user units (points for PDF/SVG surfaces), so a
 *       program can put plots on its own report pages. The context's state is saved and
 *       restored; nothing is drawn outside the rectangle.
 *   shapc_plot_<kind>(path, ...) writes a file whose format follows the extension: ".png"
 *       (raster at options->dpi), ".svg" or ".pdf" (vector). Any other extension is
 *       SHAPC_EINVAL. Sizes are in points (1/72 inch); a PNG is ceil(points * dpi / 72) pixels.
 *       A width or height of 0 lets the plot choose a size that fits its content. Files are
 *       written atomically (temporary file + rename). The same input gives identical PNG bytes
 *       (the beeswarm's dot layout is deterministic).
 *
 * Data are plain row-major arrays: phi in double (as shapc_kernel_explain returns it), feature
 * values and images in float32 raw input units (as models take them). All pointers are
 * borrowed for the duration of the call. NaN feature values are drawn grey ("missing").
 * Errors: SHAPC_EINVAL (bad sizes, NULL data, bad extension), SHAPC_ENOMEM, SHAPC_EIO (the
 * file), SHAPC_EUNSUPPORTED (cairo failed to create a surface).
 *
 * Thread-safety: the functions keep no state of their own; pango's font map is shared by the
 * process and pango documents it as not thread-safe, so draw from one thread at a time. */
#ifndef SHAPC_PLOT_H
#define SHAPC_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/export.h"
#include "shapc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* cairo's context type, declared the way <cairo.h> declares it (C11 allows the repeated
 * typedef), so including shapc.h does not require cairo's headers; programs that draw into
 * their own surfaces include <cairo.h> themselves. */
typedef struct _cairo cairo_t;

typedef struct shapc_plot_options {
    size_t size;             /* sizeof(shapc_plot_options) as the caller was compiled: set by
                              * shapc_plot_options_default(). The renderer reads only the
                              * fields inside it (later fields take their defaults), so later
                              * versions may append fields without breaking callers. A size
                              * too small to hold the fields through xlabel, or larger than
                              * this library's struct, is SHAPC_EINVAL ("initialise them with
                              * shapc_plot_options_default()"). */
    double width;            /* points; 0 = fit to content */
    double height;           /* points; 0 = fit to content */
    double dpi;              /* PNG resolution; 72 gives one pixel per point */
    const char *font_family; /* pango family list, e.g. "DejaVu Sans" (NULL = default) */
    double font_size;        /* points, labels; titles are drawn slightly larger */
    size_t max_display;      /* feature rows before "Sum of N other features" (>= 1) */
    const char *title;       /* drawn above the plot; NULL or "" for none */
    const char *xlabel;      /* overrides the plot's x axis label; NULL = shap's label */
    /* ---- appended after size was introduced: read only when size covers them ---- */
    int link;                /* the units of phi, base and f(x): SHAPC_LINK_IDENTITY (0, the
                              * default) or SHAPC_LINK_LOGIT (kernel.h) for explanations made
                              * with the logit link. Under logit the waterfall labels its axis
                              * "log-odds" (unless xlabel says otherwise) and shows E[f(X)] and
                              * f(x) also as probabilities: shapc's base value is
                              * logit(E f(B)), so its sigmoid is the mean predicted probability,
                              * and base + sum phi = logit f(x). */
} shapc_plot_options;

/* size set, width 0, height 0, dpi 100, "DejaVu Sans", 10 pt, max_display 10, no title, no
 * xlabel, identity link. Every function below takes options == NULL as these defaults. */
SHAPC_API shapc_plot_options shapc_plot_options_default(void);

/* ---- beeswarm summary ----
 * phi (n, m): SHAP values of n instances for one explained output. values (n, m): the
 * instances' feature values (NULL: all dots grey). names (m) UTF-8 strings (NULL: "Feature i").
 * Rows are ordered by mean |phi|, most important on top; with m > max_display the last row is
 * "Sum of N other features" (their phi summed per instance, drawn grey). Dot colours follow the
 * feature's value clipped to its 5th-95th percentile. n >= 1, m >= 1. */
SHAPC_API shapc_status shapc_plot_beeswarm_draw(cairo_t *cr, double x, double y, double w,
                                                double h, const shapc_plot_options *options,
                                                const double *phi, const float *values, size_t n,
                                                size_t m, const char *const *names,
                                                shapc_error *err);
SHAPC_API shapc_status shapc_plot_beeswarm(const char *path, const shapc_plot_options *options,
                                           const double *phi, const float *values, size_t n,
                                           size_t m, const char *const *names, shapc_error *err);

/* ---- bar ----
 * importance (m): usually mean |phi| over instances (>= 0 expected; negative bars are drawn
 * blue to the left). names (m) or NULL. Same ordering and "Sum of N other features" row as the
 * beeswarm; the value is printed at the end of each bar. */
SHAPC_API shapc_status shapc_plot_bar_draw(cairo_t *cr, double x, double y, double w, double h,
                                           const shapc_plot_options *options,
                                           const double *importance, size_t m,
                                           const char *const *names, shapc_error *err);
SHAPC_API shapc_status shapc_plot_bar(const char *path, const shapc_plot_options *options,
                                      const double *importance, size_t m,
                                      const char *const *names, shapc_error *err);

/* ---- stacked bar: shap's multi-output summary ----
 * shap.summary_plot(list_of_arrays, X): one horizontal bar per feature whose segments are its
 * mean |phi| for each explained output (class), stacked.
 *   importance (m, k) row-major: importance[i * k + c] = mean |phi| of feature i for output c
 *       (finite, >= 0: a negative entry is SHAPC_EINVAL, a non-finite one SHAPC_ENONFINITE);
 *   names (m) or NULL ("Feature i"); class_names (k) or NULL ("Class c"), NULL entries too.
 * Features are ordered by their total over the outputs, the largest on top; beyond
 * max_display the last row is "Sum of N other features", still one segment per output.
 * Outputs are ordered by their mean |phi| over all features, the largest first: that is the
 * order of the segments from left to right and of the legend at the right, and the i-th
 * output in it is coloured with shap's class cycle red_blue_circle(i / k) (blue, red, then
 * through the warm and green hues back towards blue). m >= 1, k >= 1. */
SHAPC_API shapc_status shapc_plot_bar_stacked_draw(cairo_t *cr, double x, double y, double w,
                                                   double h, const shapc_plot_options *options,
                                                   const double *importance, size_t m, size_t k,
                                                   const char *const *names,
                                                   const char *const *class_names,
                                                   shapc_error *err);
SHAPC_API shapc_status shapc_plot_bar_stacked(const char *path, const shapc_plot_options *options,
                                              const double *importance, size_t m, size_t k,
                                              const char *const *names,
                                              const char *const *class_names, shapc_error *err);

/* ---- waterfall ----
 * One instance: phi (m), values (m) or NULL (labels then show names only), names (m) or NULL,
 * base = E[f(X)] and fx = f(x) in the same (link) units as phi. The largest |phi| are drawn as
 * arrows (red up, blue down) stacked from base at the bottom to fx at the top, the rest folded
 * into "N other features". fx is drawn where the arrows end, so it should equal base + sum phi. */
SHAPC_API shapc_status shapc_plot_waterfall_draw(cairo_t *cr, double x, double y, double w,
                                                 double h, const shapc_plot_options *options,
                                                 const double *phi, const float *values, size_t m,
                                                 const char *const *names, double base, double fx,
                                                 shapc_error *err);
SHAPC_API shapc_status shapc_plot_waterfall(const char *path, const shapc_plot_options *options,
                                            const double *phi, const float *values, size_t m,
                                            const char *const *names, double base, double fx,
                                            shapc_error *err);

/* ---- image plot ----
 * shap.image_plot: a grid of n instances (rows) x (1 + p) panels: the input image, then one
 * panel per explained class showing the image in grey, faded, under a red-transparent-blue
 * overlay of phi with symmetric limits +- the 99.9th percentile of |phi| over every panel of
 * the figure (shap's rule: one scale, so rows compare), shown by one "SHAP value" colour bar
 * below the grid.
 *   images (n, hgt, wid, c): raw units, c = 1 (grey) or 3 (RGB), channels last; each image is
 *       scaled from its own min..max for display.
 *   phi (n, p, hgt * wid): one value per pixel (sum over channels or expand patches first).
 *   labels (n * p) or NULL: panel titles (class names); probs (n * p) or NULL: printed after
 *       the label as "name (0.87)".
 *   groups (n, hgt, wid) or NULL: the player (superpixel, patch) of each pixel, any int32
 *       ids; thin dark lines are drawn on the class panels along every edge between two
 *       neighbouring pixels of different groups, so segments with similar phi stay apart.
 *   row_labels (n) or NULL: a title above each row's input panel (e.g. "Row 17").
 * Zero-initialise the struct (memset or = {0}) so fields added later stay NULL. Pixels stay
 * sharp in every format: nearest-neighbour scaling, and in SVG image-rendering="pixelated"
 * (cairo 1.16 does not write it; the renderer adds it to the file). */
typedef struct shapc_plot_image_data {
    const float *images;
    size_t n, hgt, wid, c;
    const double *phi;
    size_t p;
    const char *const *labels;
    const double *probs;
    const int32_t *groups;
    const char *const *row_labels;
} shapc_plot_image_data;

SHAPC_API shapc_status shapc_plot_image_draw(cairo_t *cr, double x, double y, double w, double h,
                                             const shapc_plot_options *options,
                                             const shapc_plot_image_data *data,
                                             shapc_error *err);
SHAPC_API shapc_status shapc_plot_image(const char *path, const shapc_plot_options *options,
                                        const shapc_plot_image_data *data, shapc_error *err);

/* ---- text plot ----
 * tokens (t) UTF-8 strings in reading order, exactly as they are to be displayed: each
 * carries its own leading space, if any, as shap's tokenizers do. Pass the original text's
 * substrings (its case as written), not the lower-cased lookup tokens: shapc_tokens_display
 * (text.h) makes them from shapc_tokenize's offsets. phi (t) for the chosen output; base and
 * fx above the text, with a colour legend: a small bar from -max |phi| (blue) through white
 * to +max |phi| (red) with its scale. Tokens wrap at the rectangle's width; each token's
 * background is red (phi > 0) or blue (phi < 0) with opacity 0.85 |phi| / max |phi|. */
SHAPC_API shapc_status shapc_plot_text_draw(cairo_t *cr, double x, double y, double w, double h,
                                            const shapc_plot_options *options,
                                            const char *const *tokens, const double *phi,
                                            size_t t, double base, double fx, shapc_error *err);
SHAPC_API shapc_status shapc_plot_text(const char *path, const shapc_plot_options *options,
                                       const char *const *tokens, const double *phi, size_t t,
                                       double base, double fx, shapc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_PLOT_H */
