/* options.h - reading a caller's shapc_plot_options by its size field. */
#ifndef SHAPC_PLOT_OPTIONS_H
#define SHAPC_PLOT_OPTIONS_H

#include "shapc/plot.h"

/* The smallest size a caller may pass: the struct as it was when `size` was introduced
 * (fields through xlabel). Fields appended later are read only when the caller's size
 * covers them. */
#define SHAPC__PLOT_OPTIONS_MIN_SIZE                                                        \
    (offsetof(shapc_plot_options, xlabel) + sizeof(((shapc_plot_options *)0)->xlabel))

/* *out = the defaults overwritten by the first in->size bytes of *in (in NULL: defaults);
 * out->size is this library's size. `what` names the caller in the error ("bar").
 * SHAPC_EINVAL for a size below SHAPC__PLOT_OPTIONS_MIN_SIZE or above sizeof *out. */
shapc_status shapc__plot_options_read(const shapc_plot_options *in, shapc_plot_options *out,
                                      const char *what, shapc_error *err);

#endif
