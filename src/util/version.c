/* version.c - the linked library's version string. */
#include "shapc/version.h"

#define SHAPC_STR2_(x) #x
#define SHAPC_STR_(x) SHAPC_STR2_(x)

const char *shapc_version_string(void)
{
    return SHAPC_STR_(SHAPC_VERSION_MAJOR) "." SHAPC_STR_(SHAPC_VERSION_MINOR) "." SHAPC_STR_(
        SHAPC_VERSION_PATCH);
}
