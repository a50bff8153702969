/* canvas.c - output surfaces for the plot file writers.
 *
 * The format follows the extension: PNG through an image surface (the context is scaled by
 * dpi / 72 so every plot draws in points), SVG and PDF through cairo's stream surfaces. All
 * bytes go through cairo's write-to-stream callbacks into an atomic file, so an interrupted
 * or failed plot never leaves a partial file behind (shap's "blank image" complaint). SVG is
 * collected in memory first: svg.c marks its images pixelated before it is written. */
#include "plot/canvas.h"

#include "plot/svg.h"
#include "util/alloc.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int len)
{
    shapc__canvas *cv = closure;
    if (cv->kind == SHAPC__CANVAS_SVG) {
        if (cv->svg_len + len > cv->svg_cap) {
            size_t ncap = cv->svg_cap ? cv->svg_cap : 65536;
            char *nb;
            while (ncap < cv->svg_len + len)
                if (!shapc__mul_size(ncap, 2, &ncap)) {
                    cv->write_failed = 1;
                    return CAIRO_STATUS_NO_MEMORY;
                }
            nb = shapc__realloc(cv->svg, ncap);
            if (!nb) {
                cv->write_failed = 1;
                return CAIRO_STATUS_NO_MEMORY;
            }
            cv->svg = nb;
            cv->svg_cap = ncap;
        }
        memcpy(cv->svg + cv->svg_len, data, len);
        cv->svg_len += len;
        return CAIRO_STATUS_SUCCESS;
    }
    if (!cv->af.fp || fwrite(data, 1, len, cv->af.fp) != len) {
        cv->write_failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

shapc_status shapc__canvas_kind_of(const char *path, shapc__canvas_kind *kind, shapc_error *err)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (dot && strchr(dot, '/') == NULL) {
        if (strcasecmp(dot, ".png") == 0)
            *kind = SHAPC__CANVAS_PNG;
        else if (strcasecmp(dot, ".svg") == 0)
            *kind = SHAPC__CANVAS_SVG;
        else if (strcasecmp(dot, ".pdf") == 0)
            *kind = SHAPC__CANVAS_PDF;
        else
            dot = NULL;
    } else {
        dot = NULL;
    }
    if (!dot)
        return shapc_error_set(err, SHAPC_EINVAL,
                               "%s: unknown plot format (use .png, .svg or .pdf)",
                               path ? path : "(null)");
    return SHAPC_OK;
}

void shapc__canvas_abort(shapc__canvas *cv)
{
    if (cv->cr)
        cairo_destroy(cv->cr);
    if (cv->surface) {
        /* Finishing a vector surface flushes into the stream; detach the file first. */
        cairo_surface_finish(cv->surface);
        cairo_surface_destroy(cv->surface);
    }
    shapc__afile_abort(&cv->af);
    shapc__free(cv->png_path);
    shapc__free(cv->svg);
    memset(cv, 0, sizeof *cv);
}

shapc_status shapc__canvas_open(shapc__canvas *cv, const char *path, double w, double h,
                                double dpi, shapc_error *err)
{
    shapc_status st;
    memset(cv, 0, sizeof *cv);
    st = shapc__canvas_kind_of(path, &cv->kind, err);
    if (st != SHAPC_OK)
        return st;
    if (!(w >= 1 && h >= 1 && w <= 1e5 && h <= 1e5))
        return shapc_error_set(err, SHAPC_EINVAL, "%s: plot size %gx%g pt out of range", path,
                               w, h);
    if (cv->kind == SHAPC__CANVAS_PNG) {
        double px_w, px_h;
        if (!(dpi >= 1 && dpi <= 2400))
            return shapc_error_set(err, SHAPC_EINVAL, "%s: dpi %g out of range", path, dpi);
        px_w = ceil(w * dpi / 72.0 - 1e-9);
        px_h = ceil(h * dpi / 72.0 - 1e-9);
        if (px_w > 32767 || px_h > 32767)
            return shapc_error_set(err, SHAPC_ERANGE, "%s: %gx%g pixels exceeds 32767", path,
                                   px_w, px_h);
        cv->png_path = shapc__strdup(path);
        if (!cv->png_path)
            return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
        cv->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)px_w, (int)px_h);
    } else {
        st = shapc__afile_open(&cv->af, path, err);
        if (st != SHAPC_OK)
            return st;
        if (cv->kind == SHAPC__CANVAS_SVG) {
            cv->surface = cairo_svg_surface_create_for_stream(write_cb, cv, w, h);
            cairo_svg_surface_set_document_unit(cv->surface, CAIRO_SVG_UNIT_PT);
        } else {
            cv->surface = cairo_pdf_surface_create_for_stream(write_cb, cv, w, h);
        }
    }
    if (cairo_surface_status(cv->surface) != CAIRO_STATUS_SUCCESS) {
        cairo_status_t cs = cairo_surface_status(cv->surface);
        shapc__canvas_abort(cv);
        return shapc_error_set(err, cs == CAIRO_STATUS_NO_MEMORY ? SHAPC_ENOMEM
                                                                 : SHAPC_EUNSUPPORTED,
                               "%s: cannot create surface: %s", path,
                               cairo_status_to_string(cs));
    }
    cv->cr = cairo_create(cv->surface);
    if (cairo_status(cv->cr) != CAIRO_STATUS_SUCCESS) {
        shapc__canvas_abort(cv);
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: cannot create cairo context", path);
    }
    if (cv->kind == SHAPC__CANVAS_PNG)
        cairo_scale(cv->cr, dpi / 72.0, dpi / 72.0);
    cairo_set_source_rgb(cv->cr, 1, 1, 1);
    cairo_paint(cv->cr);
    return SHAPC_OK;
}

shapc_status shapc__canvas_save(shapc__canvas *cv, shapc_error *err)
{
    cairo_status_t cs = cairo_status(cv->cr);
    const char *path;
    shapc_status st;

    if (cs != CAIRO_STATUS_SUCCESS) {
        shapc_status code = cs == CAIRO_STATUS_NO_MEMORY ? SHAPC_ENOMEM : SHAPC_EUNSUPPORTED;
        shapc_error_set(err, code, "plot: drawing failed: %s", cairo_status_to_string(cs));
        shapc__canvas_abort(cv);
        return code;
    }
    cairo_destroy(cv->cr);
    cv->cr = NULL;
    if (cv->kind == SHAPC__CANVAS_PNG) {
        cairo_surface_flush(cv->surface);
        st = shapc__afile_open(&cv->af, cv->png_path, err);
        if (st != SHAPC_OK) {
            shapc__canvas_abort(cv);
            return st;
        }
        cs = cairo_surface_write_to_png_stream(cv->surface, write_cb, cv);
    } else {
        cairo_surface_finish(cv->surface);
        cs = cairo_surface_status(cv->surface);
        if (cs == CAIRO_STATUS_SUCCESS && cv->kind == SHAPC__CANVAS_SVG && !cv->write_failed) {
            char *fixed = NULL;
            size_t n = 0;
            if (shapc__svg_pixelate(cv->svg ? cv->svg : "", cv->svg_len, &fixed, &n) != 0) {
                cs = CAIRO_STATUS_NO_MEMORY;
            } else {
                if (fwrite(fixed, 1, n, cv->af.fp) != n)
                    cv->write_failed = 1;
                shapc__free(fixed);
            }
        }
    }
    cairo_surface_destroy(cv->surface);
    cv->surface = NULL;
    path = cv->af.path;
    if (cs != CAIRO_STATUS_SUCCESS || cv->write_failed) {
        st = shapc_error_set(err, SHAPC_EIO, "%s: cannot write plot: %s", path ? path : "plot",
                             cairo_status_to_string(cs));
        shapc__canvas_abort(cv);
        return st;
    }
    st = shapc__afile_commit(&cv->af, err);
    shapc__free(cv->png_path);
    shapc__free(cv->svg);
    memset(cv, 0, sizeof *cv);
    return st;
}
