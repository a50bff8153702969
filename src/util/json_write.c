/* json_write.c - the streaming JSON writer of util/json.h. */
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void shapc__json_init(shapc__json *j, int pretty_depth)
{
    memset(j, 0, sizeof *j);
    j->pretty_depth = pretty_depth;
}

void shapc__json_free(shapc__json *j)
{
    shapc__free(j->buf);
    j->buf = NULL;
    j->len = j->cap = 0;
}

int shapc__json_failed(const shapc__json *j)
{
    return j->failed || j->depth != 0;
}

static void append(shapc__json *j, const char *s, size_t n)
{
    if (j->failed)
        return;
    if (j->cap - j->len <= n) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap - j->len <= n) {
            if (cap > ((size_t)-1) / 2) {
                j->failed = 1;
                return;
            }
            cap *= 2;
        }
        char *p = shapc__realloc(j->buf, cap);
        if (!p) {
            j->failed = 1;
            return;
        }
        j->buf = p;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void append_str(shapc__json *j, const char *s)
{
    append(j, s, strlen(s));
}

static void newline_indent(shapc__json *j, int level)
{
    append(j, "\n", 1);
    for (int i = 0; i < level; i++)
        append(j, "  ", 2);
}

/* Emits the separator before a value or key in the current container. */
static void before_value(shapc__json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth == 0)
        return;
    if (j->count[j->depth - 1]++ > 0)
        append(j, ",", 1);
    if (j->depth <= j->pretty_depth)
        newline_indent(j, j->depth);
    else if (j->count[j->depth - 1] > 1)
        append(j, " ", 1);
}

static void begin(shapc__json *j, const char *open)
{
    before_value(j);
    if (j->depth >= SHAPC__JSON_MAX_DEPTH) {
        j->failed = 1;
        return;
    }
    append_str(j, open);
    j->count[j->depth++] = 0;
}

static void end(shapc__json *j, const char *close)
{
    if (j->depth == 0) {
        j->failed = 1;
        return;
    }
    int had = j->count[j->depth - 1];
    j->depth--;
    if (had && j->depth < j->pretty_depth)
        newline_indent(j, j->depth);
    append_str(j, close);
    if (j->depth == 0)
        append(j, "\n", 1);
}

void shapc__json_begin_object(shapc__json *j) { begin(j, "{"); }
void shapc__json_end_object(shapc__json *j) { end(j, "}"); }
void shapc__json_begin_array(shapc__json *j) { begin(j, "["); }
void shapc__json_end_array(shapc__json *j) { end(j, "]"); }

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not valid (overlong forms,
 * surrogates and code points above U+10FFFF included). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned min;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static void write_string(shapc__json *j, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    append(j, "\"", 1);
    while (*s) {
        unsigned char c = *s;
        char esc[8];
        switch (c) {
        case '"': append(j, "\\\"", 2); s++; continue;
        case '\\': append(j, "\\\\", 2); s++; continue;
        case '\n': append(j, "\\n", 2); s++; continue;
        case '\r': append(j, "\\r", 2); s++; continue;
        case '\t': append(j, "\\t", 2); s++; continue;
        case '\b': append(j, "\\b", 2); s++; continue;
        case '\f': append(j, "\\f", 2); s++; continue;
        default: break;
        }
        if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            append_str(j, esc);
            s++;
            continue;
        }
        size_t n = utf8_len(s);
        if (n == 0) {
            append_str(j, "\\ufffd");
            s++;
        } else {
            append(j, (const char *)s, n);
            s += n;
        }
    }
    append(j, "\"", 1);
}

void shapc__json_key(shapc__json *j, const char *key)
{
    before_value(j);
    write_string(j, key);
    append(j, ": ", 2);
    j->after_key = 1;
}

void shapc__json_string(shapc__json *j, const char *s)
{
    if (!s) {
        shapc__json_null(j);
        return;
    }
    before_value(j);
    write_string(j, s);
}

void shapc__json_number(shapc__json *j, double v)
{
    if (!isfinite(v)) {
        shapc__json_null(j);
        return;
    }
    char buf[40];
    snprintf(buf, sizeof buf, "%.9g", v);
    before_value(j);
    append_str(j, buf);
}

void shapc__json_number_exact(shapc__json *j, double v)
{
    if (!isfinite(v)) {
        shapc__json_null(j);
        return;
    }
    /* The fewest digits from 9 to 17 (every double) that read back to v. */
    char buf[40];
    for (int digits = 9; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    before_value(j);
    append_str(j, buf);
}

void shapc__json_int(shapc__json *j, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    before_value(j);
    append_str(j, buf);
}

void shapc__json_uint(shapc__json *j, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", v);
    before_value(j);
    append_str(j, buf);
}

void shapc__json_bool(shapc__json *j, int v)
{
    before_value(j);
    append_str(j, v ? "true" : "false");
}

void shapc__json_null(shapc__json *j)
{
    before_value(j);
    append_str(j, "null");
}
