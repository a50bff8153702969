/* options.c - plot options defaults. */
#include "shapc/plot.h"

shapc_plot_options shapc_plot_options_default(void)
{
    shapc_plot_options o;
    o.width = 0;
    o.height = 0;
    o.dpi = 100;
    o.font_family = "DejaVu Sans";
    o.font_size = 10;
    o.max_display = 10;
    o.title = NULL;
    o.xlabel = NULL;
    return o;
}
