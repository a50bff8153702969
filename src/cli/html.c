/* html.c - the HTML buffer of `shapc report` (html.h). */
#include "html.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/data.h>

void shapc_cli_html_put_n(shapc_cli_html *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        char *ns;
        while (nc < b->len + n + 1)
            nc *= 2;
        ns = realloc(b->s, nc);
        if (!ns) {
            b->failed = 1;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void shapc_cli_html_put(shapc_cli_html *b, const char *s)
{
    shapc_cli_html_put_n(b, s, strlen(s));
}

void shapc_cli_html_putf(shapc_cli_html *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        shapc_cli_html_put_n(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void shapc_cli_html_esc_n(shapc_cli_html *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<':
            shapc_cli_html_put(b, "&lt;");
            break;
        case '>':
            shapc_cli_html_put(b, "&gt;");
            break;
        case '&':
            shapc_cli_html_put(b, "&amp;");
            break;
        case '"':
            shapc_cli_html_put(b, "&quot;");
            break;
        default:
            shapc_cli_html_put_n(b, s + i, 1);
        }
    }
}

void shapc_cli_html_esc(shapc_cli_html *b, const char *s)
{
    if (s)
        shapc_cli_html_esc_n(b, s, strlen(s));
}

static void put_base64(shapc_cli_html *b, const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    char q[4];
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        q[0] = tab[v >> 18];
        q[1] = tab[(v >> 12) & 63];
        q[2] = tab[(v >> 6) & 63];
        q[3] = tab[v & 63];
        shapc_cli_html_put_n(b, q, 4);
    }
    if (i < n) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0);
        q[0] = tab[v >> 18];
        q[1] = tab[(v >> 12) & 63];
        q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        q[3] = '=';
        shapc_cli_html_put_n(b, q, 4);
    }
}

int shapc_cli_html_file_exists(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* <img> with the PNG inlined; a note instead when the file is missing. */
void shapc_cli_html_png(shapc_cli_html *b, const char *dir, const char *name, const char *alt)
{
    char path[4096];
    size_t len = 0;
    char *d = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (shapc_file_read(path, 0, &d, &len, NULL) != SHAPC_OK) {
        shapc_cli_html_putf(b, "<p class=\"note\">(%s not available)</p>\n", name);
        return;
    }
    shapc_cli_html_put(b, "<img alt=\"");
    shapc_cli_html_esc(b, alt);
    shapc_cli_html_put(b, "\" src=\"data:image/png;base64,");
    put_base64(b, (const unsigned char *)d, len);
    shapc_cli_html_put(b, "\">\n");
    free(d);
}

/* One argument as a POSIX shell reads it back (XCU 2.2.3: nothing is special inside single
 * quotes but the quote itself, written '\''), HTML-escaped, so the command line under the
 * title can be copied and rerun. Words of safe characters only are left bare. */
void shapc_cli_html_shell_word(shapc_cli_html *b, const char *s)
{
    const char *safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                       "_@%+=:,./-";
    if (*s && strspn(s, safe) == strlen(s)) {
        shapc_cli_html_esc(b, s);
        return;
    }
    shapc_cli_html_put(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            shapc_cli_html_put(b, "'\\''");
        else
            shapc_cli_html_esc_n(b, s, 1);
    }
    shapc_cli_html_put(b, "'");
}

/* Seconds rounded for a reader: 3 significant digits at most, minutes and hours past 60 s. */
void shapc_cli_html_seconds(shapc_cli_html *b, double s)
{
    if (!(s >= 0) || !isfinite(s))
        shapc_cli_html_put(b, "&mdash;");
    else if (s >= 3600)
        shapc_cli_html_putf(b, "%.0f h %02.0f min", floor(s / 3600), floor(fmod(s, 3600) / 60));
    else if (s >= 60)
        shapc_cli_html_putf(b, "%.0f min %02.0f s", floor(s / 60), floor(fmod(s, 60)));
    else if (s >= 10)
        shapc_cli_html_putf(b, "%.1f s", s);
    else if (s >= 1)
        shapc_cli_html_putf(b, "%.2f s", s);
    else if (s >= 0.01)
        shapc_cli_html_putf(b, "%.0f ms", s * 1e3);
    else if (s >= 0.0001)
        shapc_cli_html_putf(b, "%.1f ms", s * 1e3);
    else
        shapc_cli_html_put(b, "&lt; 0.1 ms");
}
