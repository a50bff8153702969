/* axes.h - shared layout for the plots: ticks, number formats, x axis, labelled rows, and the
 * file wrapper that turns a draw function into a PNG/SVG/PDF writer. */
#ifndef SHAPC_PLOT_AXES_H
#define SHAPC_PLOT_AXES_H

#include <stddef.h>

#include <cairo.h>

#include "plot/text.h"
#include "shapc/plot.h"

#define SHAPC__PAD 8.0        /* outer padding, points */
#define SHAPC__MAX_TICKS 16

/* "Nice" ticks (1, 2, 5 x 10^k steps) inside [lo, hi]; returns the count (<= SHAPC__MAX_TICKS). */
size_t shapc__ticks(double lo, double hi, size_t target, double *ticks);
/* Decimals that show values of magnitude `scale` with about three significant digits. */
int shapc__decimals(double scale);
/* Formats v with `dec` decimals; sign > 0 forces a '+' on positive values; never "-0". */
void shapc__fmt(char *buf, size_t cap, double v, int dec, int sign);

/* Formats v with `sig` significant digits (at least the integer part); below 1e-4 and from
 * 1e6 up as a mantissa times a power of ten ("1.23x10^-5" with a true minus and
 * superscripts). */
void shapc__fmt_sig(char *buf, size_t cap, double v, int sig, int sign);
/* Formats v for a plot whose values span `scale`: shapc__decimals(scale) decimals; for a
 * scale below 1e-3 or from 1e5 up, values of ordinary magnitude get the decimals the scale
 * needs (0.500015 for a span of 1.5e-5) and the others three significant digits
 * (shapc__fmt_sig). */
void shapc__fmt_scaled(char *buf, size_t cap, double v, double scale, int sign);
/* "label (x10^e)", or "x10^e" alone for a NULL/empty label, or label itself for e == 0. */
const char *shapc__axis_label(char *buf, size_t cap, const char *label, int e);
/* Linear-interpolated percentile (numpy's default) of sorted[0..n-1], q in [0, 100]. */
double shapc__percentile_sorted(const double *sorted, size_t n, double q);
/* Indices 0..m-1 ordered by key descending (ties: lower index first); caller frees. */
size_t *shapc__order_desc(const double *key, size_t m);

/* Space the x axis needs below its line (ticks, tick labels, axis label). */
double shapc__xaxis_height(cairo_t *cr, const shapc__font *f, int with_label);
/* The power of ten factored out of the tick labels of an axis over [lo, hi]: 0 normally, e =
 * floor(log10(max(|lo|, |hi|))) when that maximum is below 1e-3 or from 1e5 up (labels then
 * show multiples of 10^e). */
int shapc__xaxis_exponent(double lo, double hi);
#define SHAPC__TICK_LABEL_MAX 40
/* The ticks an axis over [lo, hi] drawn from x0 to x1 shows (at least 3 when the range has
 * room), their labels (multiples of 10^*e, decimals enough to tell neighbours apart) and
 * the factored power *e. Returns the count. */
size_t shapc__xaxis_ticks(double lo, double hi, double x0, double x1, double *ticks,
                          char (*labels)[SHAPC__TICK_LABEL_MAX], int *e);
/* Draws the axis line at y from x0 to x1 for the data range [lo, hi], with ticks and tick
 * labels; a non-NULL label is drawn below them, with " (x10^e)" when the ticks are scaled
 * (a NULL label draws nothing: the caller places its own, via shapc__axis_label). */
void shapc__xaxis(cairo_t *cr, const shapc__font *f, double x0, double x1, double y, double lo,
                  double hi, const char *label);
/* Data value -> x coordinate. */
double shapc__xmap(double v, double lo, double hi, double x0, double x1);

/* Rows of labelled data ("row plots": beeswarm, bar, waterfall). */
typedef struct shapc__frame {
    double x0, x1;   /* data area */
    double top;      /* top of the first row */
    double row_h;    /* height of one row */
    size_t rows;
    double axis_y;   /* y of the x axis line */
    double label_right; /* labels are right-aligned here */
    double label_w;  /* wrap width of the labels */
    int max_lines;   /* label lines that fit in a row */
    double title_y;  /* baseline area of the title (top of its box) */
} shapc__frame;

/* Lays out `rows` labelled rows inside (x, y, w, h); right_extra is reserved at the right
 * (colour bar), top_extra above the rows (e.g. f(x) labels), bottom_extra below the axis. */
void shapc__frame_layout(cairo_t *cr, const shapc_plot_options *o, const char *const *labels,
                         size_t rows, double x, double y, double w, double h, double right_extra,
                         double top_extra, shapc__frame *fr);
/* Height a row plot of width w wants: rows of at least min_row_h and tall enough for every
 * wrapped label. */
double shapc__frame_pref_height(cairo_t *cr, const shapc_plot_options *o,
                                const char *const *labels, size_t rows, double w,
                                double right_extra, double top_extra, double min_row_h);
/* Draws row i's label, right-aligned and vertically centred. */
void shapc__frame_label(cairo_t *cr, const shapc_plot_options *o, const shapc__frame *fr,
                        size_t i, const char *label);
/* Draws the title (if any) centred above the frame. */
void shapc__frame_title(cairo_t *cr, const shapc_plot_options *o, double x, double w,
                        const shapc__frame *fr);

/* Draw-function shape shared by the file writers. */
typedef shapc_status (*shapc__draw_fn)(cairo_t *cr, double x, double y, double w, double h,
                                       const shapc_plot_options *o, const void *ctx,
                                       shapc_error *err);
/* Opens the file's canvas (w x h points), draws, saves atomically. */
shapc_status shapc__plot_to_file(const char *path, const shapc_plot_options *o, double w,
                                 double h, shapc__draw_fn draw, const void *ctx,
                                 shapc_error *err);
/* Checks the extension early (before any work) and the options. */
shapc_status shapc__plot_check(const char *path, const shapc_plot_options *o, shapc_error *err);

#endif
