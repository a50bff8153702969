/* json.h - the library's private JSON: a writer into a growable buffer and a small reader
 * (RFC 8259) that parses a whole document into a tree. They carry the results directory's
 * summary.json, text_values.json and vocab_importance.json (src/results/) and groups.json
 * (src/data/groups.c); no public header mentions JSON.
 *
 * Writer: commas and nesting are tracked, so callers only say what comes next:
 *     shapc__json_begin_object(j); shapc__json_key(j, "rows"); shapc__json_int(j, 3);
 * Strings are escaped (quote, backslash, control characters; invalid UTF-8 bytes become U+FFFD
 * so the output is always valid JSON). Numbers are written with 9 significant digits, which
 * read back to the same float32; shapc__json_number_exact writes the fewest digits (9 to 17)
 * that read back to the same double. Non-finite numbers are written as null. Containers up to depth
 * `pretty_depth` put each element on its own indented line; deeper ones stay on one line.
 * Allocation failure is sticky: the writer stops appending and shapc__json_failed() says so.
 *
 * Reader: depth is limited to 64; \u escapes (with surrogate pairs) become UTF-8. */
#ifndef SHAPC_UTIL_JSON_H
#define SHAPC_UTIL_JSON_H

#include <stddef.h>
#include <stdint.h>

/* ---- writer ---- */

#define SHAPC__JSON_MAX_DEPTH 32

typedef struct shapc__json {
    char *buf; /* NUL-terminated; owned, released by shapc__json_free */
    size_t len, cap;
    int failed;
    int depth;
    int pretty_depth;
    int count[SHAPC__JSON_MAX_DEPTH]; /* elements written at each open level */
    int after_key;
} shapc__json;

void shapc__json_init(shapc__json *j, int pretty_depth);
void shapc__json_free(shapc__json *j);
/* 1 after an allocation failure or misuse (too deep, unbalanced). */
int shapc__json_failed(const shapc__json *j);

void shapc__json_begin_object(shapc__json *j);
void shapc__json_end_object(shapc__json *j);
void shapc__json_begin_array(shapc__json *j);
void shapc__json_end_array(shapc__json *j);
void shapc__json_key(shapc__json *j, const char *key);
void shapc__json_string(shapc__json *j, const char *s); /* NULL writes null */
void shapc__json_number(shapc__json *j, double v);      /* %.9g: round-trips float32 */
void shapc__json_number_exact(shapc__json *j, double v); /* round-trips the double */
void shapc__json_int(shapc__json *j, long long v);
void shapc__json_uint(shapc__json *j, unsigned long long v); /* exact, e.g. 64-bit seeds */
void shapc__json_bool(shapc__json *j, int v);
void shapc__json_null(shapc__json *j);

/* ---- reader ---- */

typedef enum shapc__jtype {
    SHAPC__JNULL = 0,
    SHAPC__JBOOL,
    SHAPC__JNUM,
    SHAPC__JSTR,
    SHAPC__JARR,
    SHAPC__JOBJ
} shapc__jtype;

typedef struct shapc__jv {
    shapc__jtype type;
    double num;                 /* JNUM, JBOOL (0/1) */
    uint64_t u;                 /* JNUM written as plain digits that fit: the exact value */
    int is_uint;                /* 1 when u holds it (seeds beyond 2^53 survive) */
    char *str;                  /* JSTR (owned, NUL-terminated) */
    size_t n;                   /* JARR/JOBJ element count */
    struct shapc__jv *items; /* (n) values (owned) */
    char **keys;                /* JOBJ: (n) keys (owned) */
} shapc__jv;

/* Parses text (len bytes). Returns the tree (free with shapc__jv_free) or NULL with a
 * one-line reason in why ("byte 812: expected ','"). */
shapc__jv *shapc__json_parse(const char *text, size_t len, char *why, size_t why_cap);
void shapc__jv_free(shapc__jv *v);

/* Member of an object (NULL if v is not an object or has no such key). */
const shapc__jv *shapc__jv_get(const shapc__jv *v, const char *key);
/* Element i of an array (NULL if out of range or not an array). */
const shapc__jv *shapc__jv_at(const shapc__jv *v, size_t i);
/* The string, or NULL if v is not a string. */
const char *shapc__jv_str(const shapc__jv *v);
/* The number, or dflt if v is not a number/bool. */
double shapc__jv_num(const shapc__jv *v, double dflt);

#endif /* SHAPC_UTIL_JSON_H */
