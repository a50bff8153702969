/* svg.h - what cairo's SVG writer leaves out: pixelated images. */
#ifndef SHAPC_PLOT_SVG_H
#define SHAPC_PLOT_SVG_H

#include <stddef.h>

/* Copies the SVG document (len bytes) into a new buffer (*out, *out_len; free with
 * shapc__free) in which every <image> element that states no image-rendering of its own
 * gets image-rendering="optimizeSpeed" and, unless it has a style attribute already,
 * style="image-rendering:pixelated". Returns 0, or -1 when out of memory. */
int shapc__svg_pixelate(const char *svg, size_t len, char **out, size_t *out_len);

#endif
