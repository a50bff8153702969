/* options.c - plot options: defaults, and reading a caller's struct by its size.
 *
 * The struct is public and grows at its end; `size` says how much of it the caller's
 * compiler knew about (the pattern of shapc_kernel_options and of Win32's cbSize). A size
 * larger than ours is refused rather than truncated: a caller built against a newer header
 * set fields this library would silently ignore. */
#include "plot/options.h"

#include <stddef.h>
#include <string.h>

shapc_plot_options shapc_plot_options_default(void)
{
    shapc_plot_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.width = 0;
    o.height = 0;
    o.dpi = 100;
    o.font_family = "DejaVu Sans";
    o.font_size = 10;
    o.max_display = 10;
    o.title = NULL;
    o.xlabel = NULL;
    o.link = 0; /* SHAPC_LINK_IDENTITY */
    return o;
}

shapc_status shapc__plot_options_read(const shapc_plot_options *in, shapc_plot_options *out,
                                      const char *what, shapc_error *err)
{
    *out = shapc_plot_options_default();
    if (!in)
        return SHAPC_OK;
    if (in->size < SHAPC__PLOT_OPTIONS_MIN_SIZE || in->size > sizeof *out)
        return shapc_error_set(err, SHAPC_EINVAL,
                               "%s: plot options of size %zu (this library takes %zu..%zu): "
                               "initialise them with shapc_plot_options_default()",
                               what, in->size, (size_t)SHAPC__PLOT_OPTIONS_MIN_SIZE,
                               sizeof *out);
    memcpy(out, in, in->size);
    out->size = sizeof *out;
    if (out->link != 0 && out->link != 1)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: plot options link %d (need 0 identity "
                               "or 1 logit)", what, out->link);
    return SHAPC_OK;
}
