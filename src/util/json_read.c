/* json_read.c - the JSON reader of util/json.h: recursive descent over the RFC 8259 grammar. */
#include "util/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

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
    out = shapc__malloc(p->pos - start + 1);
    if (!out) {
        fail(p, "out of memory");
        return NULL;
    }
    p->pos = start;
    while (p->s[p->pos] != '"') {
        char c = p->s[p->pos++];
        if ((unsigned char)c < 0x20) {
            shapc__free(out);
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
                shapc__free(out);
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
            shapc__free(out);
            fail(p, "bad escape");
            return NULL;
        }
    }
    p->pos++;
    out[n] = 0;
    return out;
}

static int value(jp *p, shapc__jv *v, int depth);

static int push(jp *p, shapc__jv *v, size_t *cap)
{
    if (v->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        shapc__jv *ni = shapc__realloc(v->items, nc * sizeof *ni);
        if (!ni) {
            fail(p, "out of memory");
            return 0;
        }
        v->items = ni;
        if (v->type == SHAPC__JOBJ) {
            char **nk = shapc__realloc(v->keys, nc * sizeof *nk);
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

static int container(jp *p, shapc__jv *v, int depth, char close)
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
        if (v->type == SHAPC__JOBJ) {
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
                shapc__free(v->keys[v->n]);
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

static int value(jp *p, shapc__jv *v, int depth)
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
        v->type = c == '{' ? SHAPC__JOBJ : SHAPC__JARR;
        return container(p, v, depth, c == '{' ? '}' : ']');
    }
    if (c == '"') {
        p->pos++;
        v->type = SHAPC__JSTR;
        v->str = string(p);
        return v->str != NULL;
    }
    if (lit(p, "true") || lit(p, "false")) {
        v->type = SHAPC__JBOOL;
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
        v->type = SHAPC__JNUM;
        v->num = strtod(buf, &end);
        if (*end != 0) {
            fail(p, "bad number");
            return 0;
        }
        if (strspn(buf, "0123456789") == n && n <= 20) {
            uint64_t u = 0;
            int ok = 1;
            for (size_t i = 0; i < n && ok; i++) {
                const unsigned digit = (unsigned)(buf[i] - '0');
                ok = u <= (UINT64_MAX - digit) / 10;
                u = u * 10 + digit;
            }
            v->is_uint = ok;
            v->u = ok ? u : 0;
        }
        return 1;
    }
    fail(p, "unexpected character");
    return 0;
}

static void jv_clear(shapc__jv *v)
{
    size_t i;
    for (i = 0; i < v->n; i++) {
        jv_clear(&v->items[i]);
        if (v->keys)
            shapc__free(v->keys[i]);
    }
    shapc__free(v->items);
    shapc__free(v->keys);
    shapc__free(v->str);
}

void shapc__jv_free(shapc__jv *v)
{
    if (!v)
        return;
    jv_clear(v);
    shapc__free(v);
}

shapc__jv *shapc__json_parse(const char *text, size_t len, char *why, size_t why_cap)
{
    jp p = {text, len, 0, why, why_cap, 0};
    shapc__jv *v = shapc__calloc(1, sizeof *v);
    if (!v) {
        if (why)
            snprintf(why, why_cap, "out of memory");
        return NULL;
    }
    if (!value(&p, v, 0)) {
        shapc__jv_free(v);
        return NULL;
    }
    ws(&p);
    if (p.pos != len) {
        fail(&p, "trailing characters");
        shapc__jv_free(v);
        return NULL;
    }
    return v;
}

const shapc__jv *shapc__jv_get(const shapc__jv *v, const char *key)
{
    size_t i;
    if (!v || v->type != SHAPC__JOBJ)
        return NULL;
    for (i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return &v->items[i];
    return NULL;
}

const shapc__jv *shapc__jv_at(const shapc__jv *v, size_t i)
{
    if (!v || v->type != SHAPC__JARR || i >= v->n)
        return NULL;
    return &v->items[i];
}

const char *shapc__jv_str(const shapc__jv *v)
{
    return v && v->type == SHAPC__JSTR ? v->str : NULL;
}

double shapc__jv_num(const shapc__jv *v, double dflt)
{
    return v && (v->type == SHAPC__JNUM || v->type == SHAPC__JBOOL) ? v->num : dflt;
}
