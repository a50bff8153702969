/* status.c - status names, descriptions and the caller-owned error record. */
#include "shapc/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *shapc_status_name(shapc_status status)
{
    switch (status) {
#define SHAPC_STATUS_NAME_(name, text)                                                     \
    case SHAPC_##name:                                                                     \
        return "SHAPC_" #name;
        SHAPC_STATUS_MAP(SHAPC_STATUS_NAME_)
#undef SHAPC_STATUS_NAME_
    default:
        return "SHAPC_UNKNOWN";
    }
}

const char *shapc_strerror(shapc_status status)
{
    switch (status) {
#define SHAPC_STATUS_TEXT_(name, text)                                                     \
    case SHAPC_##name:                                                                     \
        return text;
        SHAPC_STATUS_MAP(SHAPC_STATUS_TEXT_)
#undef SHAPC_STATUS_TEXT_
    default:
        return "unknown status";
    }
}

shapc_status shapc_error_set(shapc_error *err, shapc_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = status;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void shapc_error_prefix(shapc_error *err, const char *prefix)
{
    char tmp[SHAPC_ERROR_MESSAGE_MAX];
    if (!err || !prefix)
        return;
    /* Truncation keeps the prefix, which names the file - the most useful part. */
    size_t n = (size_t)snprintf(tmp, sizeof tmp, "%s: ", prefix);
    for (size_t i = 0; n + 1 < sizeof tmp && err->message[i] != '\0'; i++)
        tmp[n++] = err->message[i];
    tmp[n < sizeof tmp ? n : sizeof tmp - 1] = '\0';
    memcpy(err->message, tmp, sizeof tmp);
}
