/* shapc.h - umbrella header: every public header of shapc, in the order data flows
 * (docs/architecture.md): data -> model -> kernel -> results -> plot. */
#ifndef SHAPC_SHAPC_H
#define SHAPC_SHAPC_H

#include "shapc/status.h"
#include "shapc/version.h"
#include "shapc/data.h"
#include "shapc/image.h"
#include "shapc/model.h"
#include "shapc/command.h"
#include "shapc/plugin.h"
#include "shapc/text.h"
#include "shapc/kernel.h"
#include "shapc/results.h"
#include "shapc/plot.h"

#endif /* SHAPC_SHAPC_H */
