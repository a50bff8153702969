/* status.h - status codes and the caller-supplied error record.
 *
 * Every fallible shapc function returns a shapc_status (SHAPC_OK == 0) and, when the caller
 * passes a shapc_error, fills it with a one-line message naming the file or object and the
 * reason ("model.bin: truncated at byte 812 (layer 2 weights)"). There is no global error
 * state: the record belongs to the caller, so distinct threads use distinct records. */
#ifndef SHAPC_STATUS_H
#define SHAPC_STATUS_H

#include <stddef.h>

#include "shapc/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One list generates the enum, shapc_status_name() and shapc_strerror() (libuv's UV_ERRNO_MAP). */
#define SHAPC_STATUS_MAP(X)                                                                \
    X(OK, "success")                                                                       \
    X(EINVAL, "invalid argument")                                                          \
    X(ENOMEM, "out of memory")                                                             \
    X(EIO, "input/output error")                                                           \
    X(EFORMAT, "malformed file")                                                           \
    X(ETRUNC, "truncated file")                                                            \
    X(ESHAPE, "shape mismatch")                                                            \
    X(ERANGE, "size out of range")                                                         \
    X(ENONFINITE, "non-finite value")                                                      \
    X(EMODEL, "model evaluation failed")                                                   \
    X(ELINALG, "linear algebra failure")                                                   \
    X(EUNSUPPORTED, "unsupported feature")                                                 \
    X(ECANCELED, "canceled")

typedef enum shapc_status {
#define SHAPC_STATUS_ENUM_(name, text) SHAPC_##name,
    SHAPC_STATUS_MAP(SHAPC_STATUS_ENUM_)
#undef SHAPC_STATUS_ENUM_
    SHAPC_STATUS_COUNT_
} shapc_status;

/* Detailed error: the status and a NUL-terminated one-line message. Zero-initialise it
 * (shapc_error e = {0};) or let the first failing call fill it. */
#define SHAPC_ERROR_MESSAGE_MAX 512
typedef struct shapc_error {
    shapc_status status;
    char message[SHAPC_ERROR_MESSAGE_MAX];
} shapc_error;

/* "SHAPC_EFORMAT"-style symbolic name; "SHAPC_UNKNOWN" for values outside the enum. */
SHAPC_API const char *shapc_status_name(shapc_status status);

/* Short human description ("malformed file"); never NULL. */
SHAPC_API const char *shapc_strerror(shapc_status status);

/* Records status and a printf-style message into err (which may be NULL) and returns status,
 * so a failure path reads `return shapc_error_set(err, SHAPC_EIO, "%s: %s", path, why);`.
 * Model callbacks use it to report their own failures. Truncates overlong messages. */
SHAPC_API shapc_status shapc_error_set(shapc_error *err, shapc_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prepends "prefix: " to an already-set message (e.g. the CLI adds the file name). */
SHAPC_API void shapc_error_prefix(shapc_error *err, const char *prefix);

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_STATUS_H */
