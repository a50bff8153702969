/* svg.c - marks the SVG's raster images as pixelated.
 *
 * Every raster in our plots is data drawn pixel for pixel (the image plot's panels, scaled
 * with CAIRO_FILTER_NEAREST), but cairo 1.16 (Debian 12) writes <image> elements without
 * image-rendering, so browsers and Inkscape smooth a 28x28 panel into a blur. The SVG 1.1
 * presentation attribute image-rendering="optimizeSpeed" is what librsvg and Inkscape
 * honour; the CSS value "pixelated" (CSS Images 3) is what browsers honour, and a CSS
 * declaration overrides the presentation attribute where it is understood. An element that
 * already states image-rendering (a later cairo may write it) is left alone, and a style
 * attribute is never duplicated, so the output stays well-formed XML. */
#include "plot/svg.h"

#include <string.h>

#include "util/alloc.h"

static const char ATTR[] = " image-rendering=\"optimizeSpeed\"";
static const char STYLE[] = " style=\"image-rendering:pixelated\"";

/* The end of the tag starting at p (the '>'), or NULL. The attributes cairo writes on an
 * <image> (id, sizes, a base64 data URI) hold no '>', so the first one ends the tag. */
static const char *tag_end(const char *p, const char *end)
{
    const char *q = memchr(p, '>', (size_t)(end - p));
    return q;
}

static int tag_has(const char *p, const char *q, const char *needle)
{
    size_t n = strlen(needle);
    for (; p + n <= q; p++)
        if (memcmp(p, needle, n) == 0)
            return 1;
    return 0;
}

int shapc__svg_pixelate(const char *svg, size_t len, char **out, size_t *out_len)
{
    const char *p = svg, *end = svg + len;
    size_t images = 0, cap, used = 0;
    char *buf;
    /* Count first, so the copy is one allocation. */
    for (p = svg; p + 7 <= end; p++)
        if (memcmp(p, "<image ", 7) == 0)
            images++;
    cap = len + images * (sizeof ATTR + sizeof STYLE) + 1;
    buf = shapc__malloc(cap);
    if (!buf)
        return -1;
    p = svg;
    while (p < end) {
        const char *hit = NULL, *q;
        const char *scan;
        for (scan = p; scan + 7 <= end; scan++)
            if (memcmp(scan, "<image ", 7) == 0) {
                hit = scan;
                break;
            }
        if (!hit) {
            memcpy(buf + used, p, (size_t)(end - p));
            used += (size_t)(end - p);
            break;
        }
        q = tag_end(hit, end);
        memcpy(buf + used, p, (size_t)(hit - p) + 6); /* up to and including "<image" */
        used += (size_t)(hit - p) + 6;
        if (q && !tag_has(hit, q, "image-rendering")) {
            memcpy(buf + used, ATTR, sizeof ATTR - 1);
            used += sizeof ATTR - 1;
            if (!tag_has(hit, q, " style=")) {
                memcpy(buf + used, STYLE, sizeof STYLE - 1);
                used += sizeof STYLE - 1;
            }
        }
        p = hit + 6;
    }
    buf[used] = '\0';
    *out = buf;
    *out_len = used;
    return 0;
}
