/* json_read.c - see json_read.h. Recursive descent over the RFC 8259 grammar. */
#include "json_read.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jp {
    const char *s;
    size_t len, pos;
    char *why;
    size_t why_cap;
    int failed;
} jp;

static void fail(jp *p, const char *msg)
{
    if (!p->failed && p->why)
        snprintf(p->why, p->why_cap, "byte %zu: %s", p->pos, msg);
    p->failed = 1;
}

static void ws(jp *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static int lit(jp *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0) {
        p->pos += n;
        return 1;
    }
    return 0;
}

static int hex4(jp *p, unsigned *out)
{
    unsigned v = 0;
    int i;
    if (p->len - p->pos < 4)
        return 0;
    for (i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

static size_t put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 63));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xe0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 63));
        d[2] = (char)(0x80 | (cp & 63));
        return 3;
    }
    d[0] = (char)(0xf0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 63));
    d[2] = (char)(0x80 | ((cp >> 6) & 63));
    d[3] = (char)(0x80 | (cp & 63));
    return 4;
}

/* After the opening quote; an escape never grows the text beyond 4 bytes per 6 input. */
static char *string(jp *p)
{
    size_t start = p->pos, n = 0;
    char *out;
    while (p->pos < p->len && p->s[p->pos] != '"') {
        if (p->s[p->pos] == '\\')
            p->pos++;
        p->pos++;
    }
    if (p->pos >= p->len) {
        fail(p, "unterminated string");
        return NULL;
    }
    out = malloc(p->pos - start + 1);
    if (!out) {
        fail(p, "out of memory");
        return NULL;
    }
    p->pos = start;
    while (p->s[p->pos] != '"') {
        char c = p->s[p->pos++];
        if ((unsigned char)c < 0x20) {
            free(out);
            fail(p, "control character in string");
            return NULL;
        }
        if (c != '\\') {
            out[n++] = c;
            continue;
        }
        c = p->s[p->pos++];
        switch (c) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (!hex4(p, &cp)) {
                free(out);
                fail(p, "bad \\u escape");
                return NULL;
            }
            if (cp >= 0xd800 && cp < 0xdc00 && lit(p, "\\u") && hex4(p, &lo) && lo >= 0xdc00 &&
                lo < 0xe000)
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            else if (cp >= 0xd800 && cp < 0xe000)
                cp = 0xfffd;
            n += put_utf8(out + n, cp);
            break;
        }
        default:
            free(out);
            fail(p, "bad escape");
            return NULL;
        }
    }
    p->pos++;
    out[n] = 0;
    return out;
}

static int value(jp *p, shapc_cli_jv *v, int depth);

static int push(jp *p, shapc_cli_jv *v, size_t *cap)
{
    if (v->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        shapc_cli_jv *ni = realloc(v->items, nc * sizeof *ni);
        if (!ni) {
            fail(p, "out of memory");
            return 0;
        }
        v->items = ni;
        if (v->type == SHAPC_CLI_JOBJ) {
            char **nk = realloc(v->keys, nc * sizeof *nk);
            if (!nk) {
                fail(p, "out of memory");
                return 0;
            }
            v->keys = nk;
        }
        *cap = nc;
    }
    memset(&v->items[v->n], 0, sizeof v->items[0]);
    return 1;
}

static int container(jp *p, shapc_cli_jv *v, int depth, char close)
{
    size_t cap = 0;
    ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return 1;
    }
    for (;;) {
        if (!push(p, v, &cap))
            return 0;
        if (v->type == SHAPC_CLI_JOBJ) {
            ws(p);
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail(p, "expected a key");
                return 0;
            }
            p->pos++;
            v->keys[v->n] = string(p);
            if (!v->keys[v->n])
                return 0;
            ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(v->keys[v->n]);
                fail(p, "expected ':'");
                return 0;
            }
            p->pos++;
        }
        v->n++;
        if (!value(p, &v->items[v->n - 1], depth + 1))
            return 0;
        ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return 1;
        }
        fail(p, "expected ',' or a closing bracket");
        return 0;
    }
}

static int value(jp *p, shapc_cli_jv *v, int depth)
{
    char c;
    memset(v, 0, sizeof *v);
    if (depth > 64) {
        fail(p, "nested too deeply");
        return 0;
    }
    ws(p);
    if (p->pos >= p->len) {
        fail(p, "unexpected end");
        return 0;
    }
    c = p->s[p->pos];
    if (c == '{' || c == '[') {
        p->pos++;
        v->type = c == '{' ? SHAPC_CLI_JOBJ : SHAPC_CLI_JARR;
        return container(p, v, depth, c == '{' ? '}' : ']');
    }
    if (c == '"') {
        p->pos++;
        v->type = SHAPC_CLI_JSTR;
        v->str = string(p);
        return v->str != NULL;
    }
    if (lit(p, "true") || lit(p, "false")) {
        v->type = SHAPC_CLI_JBOOL;
        v->num = p->s[p->pos - 1] == 'e' && p->s[p->pos - 2] == 'u';
        return 1;
    }
    if (lit(p, "null"))
        return 1;
    if (c == '-' || (c >= '0' && c <= '9')) {
        char buf[64];
        size_t n = 0;
        char *end;
        while (p->pos < p->len && n < sizeof buf - 1 &&
               strchr("+-0123456789.eE", p->s[p->pos]))
            buf[n++] = p->s[p->pos++];
        buf[n] = 0;
        v->type = SHAPC_CLI_JNUM;
        v->num = strtod(buf, &end);
        if (*end != 0) {
            fail(p, "bad number");
            return 0;
        }
        return 1;
    }
    fail(p, "unexpected character");
    return 0;
}

static void jv_clear(shapc_cli_jv *v)
{
    size_t i;
    for (i = 0; i < v->n; i++) {
        jv_clear(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

void shapc_cli_jv_free(shapc_cli_jv *v)
{
    if (!v)
        return;
    jv_clear(v);
    free(v);
}

shapc_cli_jv *shapc_cli_json_parse(const char *text, size_t len, char *why, size_t why_cap)
{
    jp p = {text, len, 0, why, why_cap, 0};
    shapc_cli_jv *v = calloc(1, sizeof *v);
    if (!v) {
        if (why)
            snprintf(why, why_cap, "out of memory");
        return NULL;
    }
    if (!value(&p, v, 0)) {
        shapc_cli_jv_free(v);
        return NULL;
    }
    ws(&p);
    if (p.pos != len) {
        fail(&p, "trailing characters");
        shapc_cli_jv_free(v);
        return NULL;
    }
    return v;
}

const shapc_cli_jv *shapc_cli_jv_get(const shapc_cli_jv *v, const char *key)
{
    size_t i;
    if (!v || v->type != SHAPC_CLI_JOBJ)
        return NULL;
    for (i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return &v->items[i];
    return NULL;
}

const shapc_cli_jv *shapc_cli_jv_at(const shapc_cli_jv *v, size_t i)
{
    if (!v || v->type != SHAPC_CLI_JARR || i >= v->n)
        return NULL;
    return &v->items[i];
}

const char *shapc_cli_jv_str(const shapc_cli_jv *v)
{
    return v && v->type == SHAPC_CLI_JSTR ? v->str : NULL;
}

double shapc_cli_jv_num(const shapc_cli_jv *v, double dflt)
{
    return v && (v->type == SHAPC_CLI_JNUM || v->type == SHAPC_CLI_JBOOL) ? v->num : dflt;
}
