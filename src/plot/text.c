/* text.c - text through pango, so any UTF-8 (CJK included) is shaped correctly and every label
 * can be measured before the plot gives it room.
 *
 * Hinting of metrics is switched off: glyph advances then do not depend on the device scale,
 * so a plot lays out identically as PNG at any dpi, as SVG and as PDF. */
#include "plot/text.h"

shapc__font shapc__font_make(const shapc_plot_options *o, double scale, int bold)
{
    shapc__font f;
    f.family = o && o->font_family && o->font_family[0] ? o->font_family : "DejaVu Sans";
    f.size = (o && o->font_size > 0 ? o->font_size : 10.0) * scale;
    f.bold = bold;
    return f;
}

PangoLayout *shapc__text_layout(cairo_t *cr, const shapc__font *f, const char *s, double wrap_w,
                                int max_lines, PangoAlignment align)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *desc = pango_font_description_new();
    cairo_font_options_t *fo = cairo_font_options_create();

    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(pango_layout_get_context(layout), fo);
    cairo_font_options_destroy(fo);
    pango_layout_context_changed(layout);

    pango_font_description_set_family(desc, f->family);
    pango_font_description_set_absolute_size(desc, f->size * PANGO_SCALE);
    pango_font_description_set_weight(desc, f->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout, desc);
    pango_font_description_free(desc);

    if (wrap_w > 0) {
        pango_layout_set_width(layout, (int)(wrap_w * PANGO_SCALE));
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
        if (max_lines > 0) {
            pango_layout_set_height(layout, -max_lines);
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
        }
    }
    pango_layout_set_alignment(layout, align);
    pango_layout_set_text(layout, s ? s : "", -1);
    return layout;
}

void shapc__text_extent(PangoLayout *layout, double *w, double *h)
{
    PangoRectangle logical;
    pango_layout_get_extents(layout, NULL, &logical);
    if (w)
        *w = (double)logical.width / PANGO_SCALE;
    if (h)
        *h = (double)logical.height / PANGO_SCALE;
}

void shapc__text_show(cairo_t *cr, PangoLayout *layout, double x, double y, double ax, double ay)
{
    PangoRectangle logical;
    pango_layout_get_extents(layout, NULL, &logical);
    /* Logical x may be non-zero for aligned, width-constrained layouts. */
    x -= (double)logical.x / PANGO_SCALE + ax * logical.width / PANGO_SCALE;
    y -= (double)logical.y / PANGO_SCALE + ay * logical.height / PANGO_SCALE;
    cairo_move_to(cr, x, y);
    pango_cairo_update_layout(cr, layout);
    pango_cairo_show_layout(cr, layout);
    cairo_new_path(cr);
}

void shapc__text_measure(cairo_t *cr, const shapc__font *f, const char *s, double *w, double *h)
{
    PangoLayout *layout = shapc__text_layout(cr, f, s, 0, 0, PANGO_ALIGN_LEFT);
    shapc__text_extent(layout, w, h);
    g_object_unref(layout);
}

void shapc__text_draw(cairo_t *cr, const shapc__font *f, const char *s, double x, double y,
                      double ax, double ay)
{
    PangoLayout *layout = shapc__text_layout(cr, f, s, 0, 0, PANGO_ALIGN_LEFT);
    shapc__text_show(cr, layout, x, y, ax, ay);
    g_object_unref(layout);
}

void shapc__text_draw_vertical(cairo_t *cr, const shapc__font *f, const char *s, double x,
                               double y)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -1.57079632679489661923);
    {
        PangoLayout *layout = shapc__text_layout(cr, f, s, 0, 0, PANGO_ALIGN_LEFT);
        shapc__text_show(cr, layout, 0, 0, 0.5, 0.5);
        g_object_unref(layout);
    }
    cairo_restore(cr);
}

cairo_t *shapc__text_scratch(void)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t *cr = cairo_create(s);
    cairo_surface_destroy(s); /* the context keeps a reference */
    return cr;
}
