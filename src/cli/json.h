/* json.h - a tiny JSON writer into a growable buffer (summary.json).
 *
 * Commas and nesting are tracked by the writer, so callers only say what comes next:
 *     shapc_cli_json_begin_object(j); shapc_cli_json_key(j, "rows"); shapc_cli_json_int(j, 3);
 * Strings are escaped per RFC 8259 (quote, backslash, control characters; invalid UTF-8 bytes
 * become U+FFFD so the output is always valid JSON). Non-finite numbers are written as null.
 * Containers up to depth `pretty_depth` put each element on its own indented line; deeper ones
 * stay on one line, which keeps number arrays compact. Allocation failure is sticky: the
 * writer stops appending and shapc_cli_json_failed() reports it. */
#ifndef SHAPC_CLI_JSON_H
#define SHAPC_CLI_JSON_H

#include <stddef.h>

#define SHAPC_CLI_JSON_MAX_DEPTH 32

typedef struct shapc_cli_json {
    char *buf; /* NUL-terminated; owned, released by shapc_cli_json_free */
    size_t len, cap;
    int failed;
    int depth;
    int pretty_depth;
    int count[SHAPC_CLI_JSON_MAX_DEPTH]; /* elements written at each open level */
    int after_key;
} shapc_cli_json;

void shapc_cli_json_init(shapc_cli_json *j, int pretty_depth);
void shapc_cli_json_free(shapc_cli_json *j);
/* 1 after an allocation failure or misuse (too deep, unbalanced). */
int shapc_cli_json_failed(const shapc_cli_json *j);

void shapc_cli_json_begin_object(shapc_cli_json *j);
void shapc_cli_json_end_object(shapc_cli_json *j);
void shapc_cli_json_begin_array(shapc_cli_json *j);
void shapc_cli_json_end_array(shapc_cli_json *j);
void shapc_cli_json_key(shapc_cli_json *j, const char *key);
void shapc_cli_json_string(shapc_cli_json *j, const char *s); /* NULL writes null */
void shapc_cli_json_number(shapc_cli_json *j, double v);      /* %.9g: round-trips float32 */
void shapc_cli_json_int(shapc_cli_json *j, long long v);
void shapc_cli_json_uint(shapc_cli_json *j, unsigned long long v); /* exact, e.g. 64-bit seeds */
void shapc_cli_json_bool(shapc_cli_json *j, int v);
void shapc_cli_json_null(shapc_cli_json *j);

#endif
