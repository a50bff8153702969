/* rng.h - the explainer's random numbers: the generator moved to util/rng.h when the data
 * module's background helpers needed it too; this header keeps the kernel's includes. */
#ifndef SHAPC_KERNEL_RNG_H
#define SHAPC_KERNEL_RNG_H

#include "util/rng.h"

#endif /* SHAPC_KERNEL_RNG_H */
