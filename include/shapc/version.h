/* version.h - library version. */
#ifndef SHAPC_VERSION_H
#define SHAPC_VERSION_H

#include "shapc/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SHAPC_VERSION_MAJOR 0
#define SHAPC_VERSION_MINOR 1
#define SHAPC_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH" of the library actually linked (may differ from the header's macros). */
SHAPC_API const char *shapc_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_VERSION_H */
