/* csv.c - numeric CSV tables with a header row (data.h, shapc_csv_read).
 *
 * The grammar is RFC 4180: records end at LF or CRLF, fields are separated by commas, and a
 * field that starts with '"' is quoted: it ends at the next lone '"', may hold commas and line
 * breaks, and spells a literal quote as "". We are strict where leniency would silently shift
 * data: a quote inside an unquoted field, text after a closing quote, a wrong field count or a
 * missing value is an error naming the physical line (1-based, the line where the field
 * starts) and the column's header name. A NUL byte anywhere in a field is refused: C's
 * number parser would stop at it and read "1<NUL>5" as 1. Header names must be valid UTF-8
 * (they become player names in summary.json and plot labels); a file in Latin-1 is refused
 * with the offending column and byte rather than repaired, because any repair would rename
 * features behind the user's back. Tables are small next to what KernelSHAP can explain in
 * reasonable time, so the whole file is read into memory first. */
#define _POSIX_C_SOURCE 200809L

#include "shapc/data.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/io_internal.h"
#include "util/alloc.h"
#include "util/utf8.h"

/* ============================================================================================
 * Reading the file
 * ========================================================================================== */

static shapc_status read_whole(const char *path, char **buf, size_t *len, shapc_error *err)
{
    char ebuf[128];
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return shapc_error_set(err, SHAPC_EIO, "%s: cannot open: %s", path,
                               shapc__errno_text(errno, ebuf, sizeof ebuf));
    size_t cap = 65536, n = 0;
    char *data = shapc__malloc(cap);
    shapc_status st = SHAPC_OK;
    if (!data) {
        fclose(fp);
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (n == cap) {
            size_t ncap;
            char *nd;
            if (!shapc__mul_size(cap, 2, &ncap)) {
                st = shapc_error_set(err, SHAPC_ERANGE, "%s: file too large", path);
                break;
            }
            nd = shapc__realloc(data, ncap);
            if (!nd) {
                st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
                break;
            }
            data = nd;
            cap = ncap;
        }
        size_t got = fread(data + n, 1, cap - n, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp))
                st = shapc_error_set(err, SHAPC_EIO, "%s: read failed", path);
            break;
        }
    }
    fclose(fp);
    if (st != SHAPC_OK) {
        shapc__free(data);
        return st;
    }
    *buf = data;
    *len = n;
    return SHAPC_OK;
}

/* ============================================================================================
 * Tokenizer: one field at a time
 * ========================================================================================== */

typedef struct csv_parser {
    const char *path;
    const char *p, *end;
    size_t line; /* physical line of p */
    char *field; /* current field's text, NUL-terminated */
    size_t field_len, field_cap;
    size_t field_line; /* line where the current field starts */
    shapc_error *err;
} csv_parser;

/* How a field ended. */
enum { END_FIELD, END_RECORD, END_FILE };

static shapc_status field_push(csv_parser *ps, char c)
{
    if (ps->field_len + 1 >= ps->field_cap) {
        size_t ncap = ps->field_cap ? ps->field_cap * 2 : 64;
        char *nf = shapc__realloc(ps->field, ncap);
        if (!nf)
            return shapc_error_set(ps->err, SHAPC_ENOMEM, "%s: out of memory", ps->path);
        ps->field = nf;
        ps->field_cap = ncap;
    }
    ps->field[ps->field_len++] = c;
    ps->field[ps->field_len] = '\0';
    return SHAPC_OK;
}

/* Consumes a line break at p if there is one ("\n" or "\r\n"); returns 1 if it did. */
static int eat_newline(csv_parser *ps)
{
    if (ps->p < ps->end && *ps->p == '\n') {
        ps->p++;
        ps->line++;
        return 1;
    }
    if (ps->end - ps->p >= 2 && ps->p[0] == '\r' && ps->p[1] == '\n') {
        ps->p += 2;
        ps->line++;
        return 1;
    }
    return 0;
}

/* Reads the next field into ps->field; *how tells what followed it. */
static shapc_status next_field(csv_parser *ps, int *how)
{
    shapc_status st;
    ps->field_len = 0;
    if (ps->field)
        ps->field[0] = '\0';
    else if ((st = field_push(ps, 'x')) != SHAPC_OK)
        return st;
    ps->field_len = 0;
    ps->field[0] = '\0';
    ps->field_line = ps->line;

    if (ps->p < ps->end && *ps->p == '"') {
        ps->p++;
        for (;;) {
            if (ps->p >= ps->end)
                return shapc_error_set(ps->err, SHAPC_EFORMAT,
                                       "%s: line %zu: unterminated quoted field", ps->path,
                                       ps->field_line);
            char c = *ps->p;
            if (c == '"') {
                if (ps->p + 1 < ps->end && ps->p[1] == '"') {
                    ps->p += 2;
                    if ((st = field_push(ps, '"')) != SHAPC_OK)
                        return st;
                    continue;
                }
                ps->p++;
                break;
            }
            if (c == '\n')
                ps->line++;
            ps->p++;
            if ((st = field_push(ps, c)) != SHAPC_OK)
                return st;
        }
        if (ps->p >= ps->end) {
            *how = END_FILE;
            return SHAPC_OK;
        }
        if (*ps->p == ',') {
            ps->p++;
            *how = END_FIELD;
            return SHAPC_OK;
        }
        if (eat_newline(ps)) {
            *how = END_RECORD;
            return SHAPC_OK;
        }
        return shapc_error_set(ps->err, SHAPC_EFORMAT,
                               "%s: line %zu: text after the closing quote of a field",
                               ps->path, ps->line);
    }

    for (;;) {
        if (ps->p >= ps->end) {
            *how = END_FILE;
            return SHAPC_OK;
        }
        char c = *ps->p;
        if (c == ',') {
            ps->p++;
            *how = END_FIELD;
            return SHAPC_OK;
        }
        if (eat_newline(ps)) {
            *how = END_RECORD;
            return SHAPC_OK;
        }
        if (c == '"')
            return shapc_error_set(ps->err, SHAPC_EFORMAT,
                                   "%s: line %zu: a quote inside an unquoted field (quote the "
                                   "whole field and double the quote)", ps->path, ps->line);
        ps->p++;
        if ((st = field_push(ps, c)) != SHAPC_OK)
            return st;
    }
}

/* 1 if only spaces, tabs and line breaks remain. */
static int only_blank_left(const csv_parser *ps)
{
    for (const char *q = ps->p; q < ps->end; q++)
        if (*q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')
            return 0;
    return 1;
}

/* ============================================================================================
 * Values
 * ========================================================================================== */

/* Spellings of "no value" that tools commonly write; each is a missing value, not text. */
static int is_missing_token(const char *s)
{
    static const char *const tokens[] = {"NA", "N/A", "null", "NULL", "None", "?", "-", ".."};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++)
        if (strcmp(s, tokens[i]) == 0)
            return 1;
    return 0;
}

/* Shows a cell in a message: at most 40 bytes, and the length when it is longer, so a
 * 100,000-digit number reads as what it is. */
static const char *cell_excerpt(const char *s, char *buf, size_t cap)
{
    size_t n = strlen(s);
    if (n <= 40)
        snprintf(buf, cap, "'%s'", s);
    else
        snprintf(buf, cap, "'%.24s...' (%zu characters)", s, n);
    return buf;
}

static shapc_status parse_value(csv_parser *ps, const char *column, float *out)
{
    char *s = ps->field, ex[96];
    const char *nul = memchr(ps->field, '\0', ps->field_len);
    if (nul)
        return shapc_error_set(ps->err, SHAPC_EFORMAT,
                               "%s: line %zu, column '%s': a NUL byte inside the value (byte "
                               "%zu of the field)", ps->path, ps->field_line, column,
                               (size_t)(nul - ps->field) + 1);
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    if (n == 0)
        return shapc_error_set(ps->err, SHAPC_EFORMAT, "%s: line %zu, column '%s': missing value",
                               ps->path, ps->field_line, column);
    if (is_missing_token(s))
        return shapc_error_set(ps->err, SHAPC_EFORMAT,
                               "%s: line %zu, column '%s': missing value ('%s')", ps->path,
                               ps->field_line, column, s);
    char *endp;
    errno = 0;
    double v = strtod(s, &endp);
    if (endp == s || *endp != '\0')
        return shapc_error_set(ps->err, SHAPC_EFORMAT,
                               "%s: line %zu, column '%s': %s is not a number", ps->path,
                               ps->field_line, column, cell_excerpt(s, ex, sizeof ex));
    if (isnan(v) || (isinf(v) && errno != ERANGE))
        return shapc_error_set(ps->err, SHAPC_ENONFINITE,
                               "%s: line %zu, column '%s': %s is not a finite number",
                               ps->path, ps->field_line, column, cell_excerpt(s, ex, sizeof ex));
    if (fabs(v) > (double)FLT_MAX)
        return shapc_error_set(ps->err, SHAPC_ERANGE,
                               "%s: line %zu, column '%s': %s is outside the float32 range "
                               "(about 3.4e38)", ps->path, ps->field_line, column,
                               cell_excerpt(s, ex, sizeof ex));
    *out = (float)v;
    return SHAPC_OK;
}

/* ============================================================================================
 * shapc_csv_read
 * ========================================================================================== */

void shapc_csv_names_free(char **names, size_t n_cols)
{
    if (!names)
        return;
    for (size_t i = 0; i < n_cols; i++)
        shapc__free(names[i]);
    shapc__free(names);
}

static shapc_status read_header(csv_parser *ps, char ***names_out, size_t *n_out)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    int how = END_FIELD;
    shapc_status st = SHAPC_OK;
    while (how == END_FIELD) {
        if ((st = next_field(ps, &how)) != SHAPC_OK)
            goto fail;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16, bytes;
            char **nn;
            if (!shapc__mul_size(ncap, sizeof *names, &bytes)) {
                st = shapc_error_set(ps->err, SHAPC_ERANGE, "%s: too many columns", ps->path);
                goto fail;
            }
            nn = shapc__realloc(names, bytes);
            if (!nn) {
                st = shapc_error_set(ps->err, SHAPC_ENOMEM, "%s: out of memory", ps->path);
                goto fail;
            }
            names = nn;
            cap = ncap;
        }
        const char *s = ps->field;
        size_t len = ps->field_len;
        /* Names keep inner spaces; spaces around an unquoted name are layout. */
        while (len > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            len--;
        }
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
            len--;
        if (len == 0) {
            st = shapc_error_set(ps->err, SHAPC_EFORMAT,
                                 "%s: line %zu: header column %zu has an empty name", ps->path,
                                 ps->field_line, n + 1);
            goto fail;
        }
        {
            const char *nul = memchr(s, '\0', len), *why = NULL;
            size_t bad = 0;
            if (nul) {
                st = shapc_error_set(ps->err, SHAPC_EFORMAT,
                                     "%s: line %zu: header column %zu holds a NUL byte",
                                     ps->path, ps->field_line, n + 1);
                goto fail;
            }
            if (shapc__utf8_validate((const unsigned char *)s, len, &bad, &why) != 0) {
                st = shapc_error_set(ps->err, SHAPC_EFORMAT,
                                     "%s: line %zu: header column %zu is not valid UTF-8 (%s "
                                     "at byte %zu of the name, 0x%02x); save the file as "
                                     "UTF-8", ps->path, ps->field_line, n + 1, why, bad + 1,
                                     (unsigned)(unsigned char)s[bad]);
                goto fail;
            }
        }
        names[n] = shapc__malloc(len + 1);
        if (!names[n]) {
            st = shapc_error_set(ps->err, SHAPC_ENOMEM, "%s: out of memory", ps->path);
            goto fail;
        }
        memcpy(names[n], s, len);
        names[n][len] = '\0';
        for (size_t j = 0; j < n; j++) {
            if (strcmp(names[j], names[n]) == 0) {
                st = shapc_error_set(ps->err, SHAPC_EFORMAT,
                                     "%s: line %zu: duplicate column name '%s' (columns %zu "
                                     "and %zu)", ps->path, ps->field_line, names[n], j + 1,
                                     n + 1);
                n++;
                goto fail;
            }
        }
        n++;
    }
    *names_out = names;
    *n_out = n;
    return SHAPC_OK;
fail:
    shapc_csv_names_free(names, n);
    return st;
}

/* scikit-learn's bundled tables (wine_data.csv, breast_cancer.csv, ...) start with a metadata
 * line "n_rows,n_features,class names..." instead of column names: its first two fields are
 * whole numbers, which column names seldom are. Only used to explain a field-count error. */
static int metadata_header(char *const *names, size_t d)
{
    if (d < 2)
        return 0;
    for (size_t c = 0; c < 2; c++) {
        const char *q = names[c];
        if (!*q)
            return 0;
        for (; *q; q++)
            if (*q < '0' || *q > '9')
                return 0;
    }
    return 1;
}

shapc_status shapc_csv_read(const char *path, shapc_array **out, char ***names_out,
                            size_t *n_cols, shapc_error *err)
{
    if (!path || !out || !names_out || !n_cols)
        return shapc_error_set(err, SHAPC_EINVAL, "csv_read: NULL argument");
    char *text = NULL;
    size_t len = 0;
    shapc_status st = read_whole(path, &text, &len, err);
    if (st != SHAPC_OK)
        return st;

    csv_parser ps = {0};
    ps.path = path;
    ps.p = text;
    ps.end = text + len;
    ps.line = 1;
    ps.err = err;
    char **names = NULL;
    size_t d = 0, n_rows = 0, cap = 0;
    float *vals = NULL;
    shapc_array *arr = NULL;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        ps.p += 3;
    if (only_blank_left(&ps)) {
        st = shapc_error_set(err, SHAPC_EFORMAT, "%s: empty file (expected a header row of "
                             "feature names)", path);
        goto cleanup;
    }
    if ((st = read_header(&ps, &names, &d)) != SHAPC_OK)
        goto cleanup;

    while (!only_blank_left(&ps)) {
        size_t rec_line = ps.line, nf = 0;
        int how = END_FIELD;
        size_t need;
        if (!shapc__add_size(n_rows, 1, &need) || !shapc__mul_size(need, d, &need)) {
            st = shapc_error_set(err, SHAPC_ERANGE, "%s: too many rows", path);
            goto cleanup;
        }
        if (need > cap) {
            size_t ncap = cap ? cap : 1024, bytes;
            while (ncap < need)
                if (!shapc__mul_size(ncap, 2, &ncap))
                    break;
            float *nv;
            if (ncap < need || !shapc__mul_size(ncap, sizeof *vals, &bytes) ||
                !(nv = shapc__realloc(vals, bytes))) {
                st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory at line %zu", path,
                                     rec_line);
                goto cleanup;
            }
            vals = nv;
            cap = ncap;
        }
        while (how == END_FIELD) {
            if ((st = next_field(&ps, &how)) != SHAPC_OK)
                goto cleanup;
            if (nf < d &&
                (st = parse_value(&ps, names[nf], &vals[n_rows * d + nf])) != SHAPC_OK) {
                /* A short record reads as a missing value in its last column; say what it is. */
                if (how != END_FIELD && nf + 1 < d && ps.field_len == 0 && nf == 0)
                    st = shapc_error_set(err, SHAPC_EFORMAT,
                                         "%s: line %zu: empty line inside the table", path,
                                         rec_line);
                else if (how != END_FIELD && nf + 1 < d && ps.field_len == 0)
                    st = shapc_error_set(err, SHAPC_EFORMAT,
                                         "%s: line %zu: %zu fields, the header has %zu", path,
                                         rec_line, nf + 1, d);
                goto cleanup;
            }
            nf++;
        }
        if (nf != d && n_rows == 0 && metadata_header(names, d))
            st = shapc_error_set(err, SHAPC_EFORMAT, "%s: line %zu: %zu fields, the header has "
                                 "%zu: line 1 looks like a metadata line (rows, columns, class "
                                 "names, as scikit-learn's data files have), not column names; "
                                 "replace it by a header of %zu names", path, rec_line, nf, d,
                                 nf);
        else if (nf != d)
            st = shapc_error_set(err, SHAPC_EFORMAT, "%s: line %zu: %zu fields, the header has "
                                 "%zu", path, rec_line, nf, d);
        if (nf != d)
            goto cleanup;
        n_rows++;
    }
    if (n_rows == 0) {
        st = shapc_error_set(err, SHAPC_EFORMAT, "%s: a header row but no data rows", path);
        goto cleanup;
    }
    size_t shape[2] = {n_rows, d};
    if ((st = shapc_array_create(SHAPC_F32, 2, shape, &arr, err)) != SHAPC_OK) {
        shapc_error_prefix(err, path);
        goto cleanup;
    }
    memcpy(shapc_array_data(arr), vals, n_rows * d * sizeof *vals);
    *out = arr;
    *names_out = names;
    *n_cols = d;
    names = NULL;
cleanup:
    shapc_csv_names_free(names, d);
    shapc__free(vals);
    shapc__free(ps.field);
    shapc__free(text);
    return st;
}
