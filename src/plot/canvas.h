/* canvas.h - a cairo surface chosen by file extension, saved atomically. */
#ifndef SHAPC_PLOT_CANVAS_H
#define SHAPC_PLOT_CANVAS_H

#include <cairo.h>

#include "shapc/status.h"
#include "util/atomic_file.h"

typedef enum shapc__canvas_kind {
    SHAPC__CANVAS_PNG = 1,
    SHAPC__CANVAS_SVG,
    SHAPC__CANVAS_PDF
} shapc__canvas_kind;

typedef struct shapc__canvas {
    shapc__canvas_kind kind;
    cairo_surface_t *surface;
    cairo_t *cr;              /* user units are points whatever the kind */
    shapc__afile af;          /* open from the start for vector surfaces, at save for PNG */
    int write_failed;         /* set by the stream callback */
    char *png_path;           /* PNG: target, opened only at save (owned) */
    char *svg;                /* SVG: the document, collected for svg.c before writing */
    size_t svg_len, svg_cap;
} shapc__canvas;

/* Kind from the extension of path (case-insensitive); SHAPC_EINVAL naming the path otherwise. */
shapc_status shapc__canvas_kind_of(const char *path, shapc__canvas_kind *kind, shapc_error *err);

/* Creates a w x h point canvas (PNG: ceil(w * dpi / 72) pixels, the context scaled so user
 * units stay points), filled white. On failure everything is released. */
shapc_status shapc__canvas_open(shapc__canvas *cv, const char *path, double w, double h,
                                double dpi, shapc_error *err);
/* Finishes the surface and renames the file into place; always releases the canvas. */
shapc_status shapc__canvas_save(shapc__canvas *cv, shapc_error *err);
/* Releases without writing (removes the temporary file). Safe on a zeroed canvas. */
void shapc__canvas_abort(shapc__canvas *cv);

#endif
