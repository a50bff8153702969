/* json_read.h - a small JSON reader (RFC 8259) for summary.json: parses a whole document into
 * a tree the plot and report commands query by key. Not a streaming parser; documents are
 * small. Depth is limited to 64; \u escapes (with surrogate pairs) become UTF-8. */
#ifndef SHAPC_CLI_JSON_READ_H
#define SHAPC_CLI_JSON_READ_H

#include <stddef.h>

typedef enum shapc_cli_jtype {
    SHAPC_CLI_JNULL = 0,
    SHAPC_CLI_JBOOL,
    SHAPC_CLI_JNUM,
    SHAPC_CLI_JSTR,
    SHAPC_CLI_JARR,
    SHAPC_CLI_JOBJ
} shapc_cli_jtype;

typedef struct shapc_cli_jv {
    shapc_cli_jtype type;
    double num;                 /* JNUM, JBOOL (0/1) */
    char *str;                  /* JSTR (owned, NUL-terminated) */
    size_t n;                   /* JARR/JOBJ element count */
    struct shapc_cli_jv *items; /* (n) values (owned) */
    char **keys;                /* JOBJ: (n) keys (owned) */
} shapc_cli_jv;

/* Parses text (len bytes). Returns the tree (free with shapc_cli_jv_free) or NULL with a
 * one-line reason in why ("byte 812: expected ','"). */
shapc_cli_jv *shapc_cli_json_parse(const char *text, size_t len, char *why, size_t why_cap);
void shapc_cli_jv_free(shapc_cli_jv *v);

/* Member of an object (NULL if v is not an object or has no such key). */
const shapc_cli_jv *shapc_cli_jv_get(const shapc_cli_jv *v, const char *key);
/* Element i of an array (NULL if out of range or not an array). */
const shapc_cli_jv *shapc_cli_jv_at(const shapc_cli_jv *v, size_t i);
/* The string, or NULL if v is not a string. */
const char *shapc_cli_jv_str(const shapc_cli_jv *v);
/* The number, or dflt if v is not a number/bool. */
double shapc_cli_jv_num(const shapc_cli_jv *v, double dflt);

#endif
