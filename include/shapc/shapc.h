/* shapc.h - umbrella header: KernelSHAP explanations for black-box models. */
#ifndef SHAPC_SHAPC_H
#define SHAPC_SHAPC_H

#include "shapc/data.h"
#include "shapc/kernel.h"
#include "shapc/model.h"
#include "shapc/plot.h"
#include "shapc/status.h"
#include "shapc/version.h"

#endif /* SHAPC_SHAPC_H */
