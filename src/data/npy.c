/* npy.c - numpy's .npy format: reader (versions 1.0-3.0) and atomic writer (version 1.0).
 *
 * Layout (numpy/lib/format.py, NEP 1): "\x93NUMPY", major, minor, header length (u16 LE for
 * 1.0, u32 LE for 2.0/3.0), then a Python dict literal such as
 *     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and a final '\n' so the data starts at a multiple of 64 bytes, then the
 * raw elements. The reader parses the dict as a small literal grammar rather than matching
 * numpy's exact spelling, so hand-written or older headers (other key order, double quotes,
 * no trailing comma, "3L" longs) load too. */
#define _POSIX_C_SOURCE 200809L

#include "shapc/data.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "data/io_internal.h"
#include "util/alloc.h"
#include "util/atomic_file.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* numpy itself refuses headers above 10 000 bytes by default; a megabyte is clearly absurd */
#define NPY_MAX_HEADER ((size_t)1 << 20)
#define NPY_ALIGN 64
#define NPY_DESCR_MAX 32

/* ======================================================================================== */
/* header dict parser                                                                       */
/* ======================================================================================== */

typedef struct npy_header {
    char descr[NPY_DESCR_MAX];
    int fortran_order;
    size_t rank;
    size_t shape[SHAPC_MAX_RANK];
} npy_header;

typedef struct npy_parser {
    const char *start, *p, *end;
    const char *path;
    shapc_error *err;
} npy_parser;

static shapc_status parse_fail(npy_parser *ps, const char *expected)
{
    return shapc_error_set(ps->err, SHAPC_EFORMAT, "%s: bad header: expected %s at offset %zu",
                           ps->path, expected, (size_t)(ps->p - ps->start));
}

static void skip_ws(npy_parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int accept(npy_parser *ps, char c)
{
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return 1;
    }
    return 0;
}

static int accept_word(npy_parser *ps, const char *word)
{
    size_t n = strlen(word);
    skip_ws(ps);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return 1;
    }
    return 0;
}

/* A quoted string without escapes (none of the keys or descrs need them). */
static shapc_status parse_string(npy_parser *ps, char *buf, size_t cap)
{
    char quote;
    size_t n = 0;

    skip_ws(ps);
    if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"'))
        return parse_fail(ps, "a quoted string");
    quote = *ps->p++;
    while (ps->p < ps->end && *ps->p != quote) {
        if (*ps->p == '\\' || n + 1 >= cap)
            return parse_fail(ps, "a short string without escapes");
        buf[n++] = *ps->p++;
    }
    if (ps->p >= ps->end)
        return parse_fail(ps, "a closing quote");
    ps->p++;
    buf[n] = '\0';
    return SHAPC_OK;
}

static shapc_status parse_shape(npy_parser *ps, npy_header *h)
{
    if (!accept(ps, '('))
        return parse_fail(ps, "'(' starting the shape tuple");
    h->rank = 0;
    for (;;) {
        size_t v = 0;
        if (accept(ps, ')'))
            return SHAPC_OK;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return parse_fail(ps, "a non-negative integer extent");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            if (!shapc__mul_size(v, 10, &v) || !shapc__add_size(v, (size_t)(*ps->p - '0'), &v))
                return shapc_error_set(ps->err, SHAPC_ERANGE,
                                       "%s: shape extent at offset %zu overflows size_t", ps->path,
                                       (size_t)(ps->p - ps->start));
            ps->p++;
        }
        if (ps->p < ps->end && *ps->p == 'L') /* Python 2 long literal */
            ps->p++;
        if (h->rank == SHAPC_MAX_RANK)
            return shapc_error_set(ps->err, SHAPC_EUNSUPPORTED, "%s: shape has more than %d axes",
                                   ps->path, SHAPC_MAX_RANK);
        h->shape[h->rank++] = v;
        if (accept(ps, ')'))
            return SHAPC_OK;
        if (!accept(ps, ','))
            return parse_fail(ps, "',' or ')' in the shape tuple");
    }
}

static shapc_status parse_header(npy_parser *ps, npy_header *h)
{
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0;
    char key[32];
    shapc_status st;

    if (!accept(ps, '{'))
        return parse_fail(ps, "'{'");
    for (;;) {
        if (accept(ps, '}'))
            break;
        st = parse_string(ps, key, sizeof key);
        if (st != SHAPC_OK)
            return st;
        if (!accept(ps, ':'))
            return parse_fail(ps, "':'");
        if (strcmp(key, "descr") == 0 && !seen_descr) {
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == '[')
                return shapc_error_set(ps->err, SHAPC_EUNSUPPORTED,
                                       "%s: structured dtypes are not supported", ps->path);
            st = parse_string(ps, h->descr, sizeof h->descr);
            seen_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0 && !seen_fortran) {
            if (accept_word(ps, "True"))
                h->fortran_order = 1;
            else if (accept_word(ps, "False"))
                h->fortran_order = 0;
            else
                return parse_fail(ps, "True or False");
            st = SHAPC_OK;
            seen_fortran = 1;
        } else if (strcmp(key, "shape") == 0 && !seen_shape) {
            st = parse_shape(ps, h);
            seen_shape = 1;
        } else {
            /* numpy rejects headers with other or repeated keys too */
            return shapc_error_set(ps->err, SHAPC_EFORMAT, "%s: bad header: unexpected key '%s'",
                                   ps->path, key);
        }
        if (st != SHAPC_OK)
            return st;
        if (accept(ps, '}'))
            break;
        if (!accept(ps, ','))
            return parse_fail(ps, "',' or '}'");
    }
    skip_ws(ps);
    if (ps->p != ps->end)
        return parse_fail(ps, "only padding after '}'");
    if (!seen_descr || !seen_fortran || !seen_shape)
        return shapc_error_set(ps->err, SHAPC_EFORMAT, "%s: bad header: missing '%s'", ps->path,
                               !seen_descr     ? "descr"
                               : !seen_fortran ? "fortran_order"
                                               : "shape");
    return SHAPC_OK;
}

/* Maps a descr to a dtype. Only little-endian (or byte-order-free) data is accepted. */
static shapc_status descr_to_dtype(const char *path, const char *descr, shapc_dtype *dtype,
                                   shapc_error *err)
{
    static const struct {
        const char *code;
        shapc_dtype dtype;
    } types[] = {{"u1", SHAPC_U8},  {"i1", SHAPC_I8},  {"i2", SHAPC_I16},
                 {"i4", SHAPC_I32}, {"f4", SHAPC_F32}, {"f8", SHAPC_F64}};
    char order = descr[0];
    const char *code = descr;
    size_t i;

    if (order == '<' || order == '>' || order == '|' || order == '=')
        code++;
    else
        order = '=';
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(code, types[i].code) != 0)
            continue;
        if (shapc_dtype_size(types[i].dtype) > 1) {
            int little = order == '<' || (order == '=' && shapc__host_is_little_endian());
            if (!little)
                return shapc_error_set(err, SHAPC_EUNSUPPORTED,
                                       "%s: descr '%s' is not little-endian", path, descr);
        }
        *dtype = types[i].dtype;
        return SHAPC_OK;
    }
    return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: unsupported descr '%s'", path, descr);
}

/* ======================================================================================== */
/* reader                                                                                   */
/* ======================================================================================== */

shapc_status shapc_npy_read(const char *path, shapc_array **out, shapc_error *err)
{
    unsigned char pre[12];
    size_t preamble, hlen, count = 1, data_bytes, i;
    uint64_t file_size, after;
    npy_header h;
    npy_parser ps;
    shapc_array *array = NULL;
    shapc_dtype dtype = SHAPC_U8;
    shapc_status st = SHAPC_OK;
    char *text = NULL, ebuf[128];
    struct stat sb;
    FILE *fp;

    if (!out || !path)
        return shapc_error_set(err, SHAPC_EINVAL, "npy_read: NULL argument");
    *out = NULL;
    fp = fopen(path, "rb");
    if (!fp)
        return shapc_error_set(err, SHAPC_EIO, "%s: cannot open: %s", path,
                               shapc__errno_text(errno, ebuf, sizeof ebuf));
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = shapc_error_set(err, SHAPC_EIO, "%s: not a readable regular file", path);
        goto cleanup;
    }
    file_size = sb.st_size > 0 ? (uint64_t)sb.st_size : 0;

    /* ---- preamble: magic, version, header length ---- */
    if (file_size < 10) {
        st = shapc_error_set(err, SHAPC_ETRUNC,
                             "%s: truncated: %llu bytes, shorter than the "
                             "NPY preamble",
                             path, (unsigned long long)file_size);
        goto cleanup;
    }
    if (fread(pre, 1, 10, fp) != 10)
        goto read_error;
    if (memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        st = shapc_error_set(err, SHAPC_EFORMAT, "%s: bad magic (not an NPY file)", path);
        goto cleanup;
    }
    if (pre[6] == 1) {
        preamble = 10;
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        preamble = 12;
        if (file_size < preamble) {
            st = shapc_error_set(err, SHAPC_ETRUNC, "%s: truncated inside the NPY preamble", path);
            goto cleanup;
        }
        if (fread(pre + 10, 1, 2, fp) != 2)
            goto read_error;
        hlen = shapc__load_le32(pre + 8);
    } else {
        st =
            shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: NPY version %u.%u", path, pre[6], pre[7]);
        goto cleanup;
    }
    if (hlen > NPY_MAX_HEADER) {
        st = shapc_error_set(err, SHAPC_ERANGE, "%s: header length %zu is absurd", path, hlen);
        goto cleanup;
    }
    if ((uint64_t)hlen > file_size - preamble) {
        st = shapc_error_set(err, SHAPC_ETRUNC,
                             "%s: truncated: header length %zu, file has %llu after the "
                             "preamble",
                             path, hlen, (unsigned long long)(file_size - preamble));
        goto cleanup;
    }

    /* ---- header dict ---- */
    text = shapc__malloc(hlen + 1);
    if (!text) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    if (fread(text, 1, hlen, fp) != hlen)
        goto read_error;
    text[hlen] = '\0';
    if (memchr(text, '\0', hlen) != NULL) {
        st = shapc_error_set(err, SHAPC_EFORMAT, "%s: bad header: NUL byte", path);
        goto cleanup;
    }
    memset(&h, 0, sizeof h);
    ps.start = ps.p = text;
    ps.end = text + hlen;
    ps.path = path;
    ps.err = err;
    st = parse_header(&ps, &h);
    if (st != SHAPC_OK)
        goto cleanup;
    if (h.fortran_order) {
        st = shapc_error_set(err, SHAPC_EUNSUPPORTED,
                             "%s: Fortran-order arrays are not "
                             "supported",
                             path);
        goto cleanup;
    }
    st = descr_to_dtype(path, h.descr, &dtype, err);
    if (st != SHAPC_OK)
        goto cleanup;

    /* ---- data size against the file ---- */
    for (i = 0; i < h.rank; i++) {
        if (!shapc__mul_size(count, h.shape[i], &count)) {
            char txt[160];
            st = shapc_error_set(err, SHAPC_ERANGE, "%s: header shape %s: its product "
                                 "overflows the element count", path,
                                 shapc__shape_text(h.shape, h.rank, txt, sizeof txt));
            goto cleanup;
        }
    }
    if (!shapc__mul_size(count, shapc_dtype_size(dtype), &data_bytes)) {
        char txt[160];
        st = shapc_error_set(err, SHAPC_ERANGE, "%s: header shape %s %s: the data size "
                             "overflows", path,
                             shapc__shape_text(h.shape, h.rank, txt, sizeof txt),
                             shapc_dtype_name(dtype));
        goto cleanup;
    }
    after = file_size - preamble - hlen;
    if ((uint64_t)data_bytes > after) {
        st = shapc_error_set(err, SHAPC_ETRUNC,
                             "%s: truncated: header promises %zu data bytes, file has %llu "
                             "after the header",
                             path, data_bytes, (unsigned long long)after);
        goto cleanup;
    }
    if (after > (uint64_t)data_bytes) {
        st = shapc_error_set(err, SHAPC_EFORMAT,
                             "%s: %llu trailing bytes after the %zu data "
                             "bytes",
                             path, (unsigned long long)(after - data_bytes), data_bytes);
        goto cleanup;
    }

    st = shapc_array_create(dtype, h.rank, h.shape, &array, err);
    if (st != SHAPC_OK) {
        shapc_error_prefix(err, path);
        goto cleanup;
    }
    if (fread(shapc_array_data(array), 1, data_bytes, fp) != data_bytes)
        goto read_error;
    if (!shapc__host_is_little_endian())
        shapc__swap_elements(shapc_array_data(array), count, shapc_dtype_size(dtype));
    *out = array;
    array = NULL;
    goto cleanup;

read_error:
    /* sizes were checked against fstat, so a short read means an I/O error or a file that
     * shrank underneath us */
    if (ferror(fp))
        st = shapc_error_set(err, SHAPC_EIO, "%s: read error: %s", path,
                             shapc__errno_text(errno, ebuf, sizeof ebuf));
    else
        st = shapc_error_set(err, SHAPC_ETRUNC, "%s: truncated while reading", path);

cleanup:
    shapc_array_free(array);
    shapc__free(text);
    fclose(fp);
    return st;
}

/* ======================================================================================== */
/* writer                                                                                   */
/* ======================================================================================== */

static const char *dtype_descr(shapc_dtype dtype)
{
    switch (dtype) {
    case SHAPC_U8:
        return "|u1";
    case SHAPC_I8:
        return "|i1";
    case SHAPC_I16:
        return "<i2";
    case SHAPC_I32:
        return "<i4";
    case SHAPC_F32:
        return "<f4";
    case SHAPC_F64:
        return "<f8";
    }
    return NULL;
}

/* Builds preamble + padded header into buf; returns its length (a multiple of NPY_ALIGN). */
static size_t build_header(const shapc_array *array, const char *descr, unsigned char *buf,
                           size_t cap)
{
    char dict[384];
    size_t rank = shapc_array_rank(array), n, i, total, hlen;

    n = (size_t)snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                         descr);
    for (i = 0; i < rank; i++)
        n += (size_t)snprintf(dict + n, sizeof dict - n, "%s%zu", i ? ", " : "",
                              shapc_array_dim(array, i));
    n += (size_t)snprintf(dict + n, sizeof dict - n, "%s), }", rank == 1 ? "," : "");

    /* 10-byte preamble + dict + padding + '\n' is a multiple of 64; at most 8 extents of
     * 20 digits keep this far below version 1.0's 65535-byte limit and below cap */
    total = 10 + n + 1;
    total += (NPY_ALIGN - total % NPY_ALIGN) % NPY_ALIGN;
    if (total > cap)
        return 0;
    hlen = total - 10;
    memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
    buf[6] = 1;
    buf[7] = 0;
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, dict, n);
    memset(buf + 10 + n, ' ', total - 10 - n - 1);
    buf[total - 1] = '\n';
    return total;
}

shapc_status shapc_npy_write(const char *path, const shapc_array *array, shapc_error *err)
{
    unsigned char header[512];
    const unsigned char *src;
    size_t header_len, elsize, remaining;
    const char *descr;
    shapc__afile af;
    shapc_status st;
    char ebuf[128];

    if (!path || !array)
        return shapc_error_set(err, SHAPC_EINVAL, "npy_write: NULL argument");
    descr = dtype_descr(shapc_array_dtype(array));
    if (!descr)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: invalid dtype", path);
    header_len = build_header(array, descr, header, sizeof header);
    if (header_len == 0)
        return shapc_error_set(err, SHAPC_ERANGE, "%s: NPY header too long", path);

    st = shapc__afile_open(&af, path, err);
    if (st != SHAPC_OK)
        return st;
    if (fwrite(header, 1, header_len, af.fp) != header_len)
        goto write_error;

    src = shapc_array_cdata(array);
    elsize = shapc_dtype_size(shapc_array_dtype(array));
    remaining = shapc_array_size(array) * elsize; /* checked at creation */
    if (shapc__host_is_little_endian()) {
        if (fwrite(src, 1, remaining, af.fp) != remaining)
            goto write_error;
    } else {
        unsigned char chunk[16384]; /* multiple of every element size */
        while (remaining > 0) {
            size_t n = remaining < sizeof chunk ? remaining : sizeof chunk;
            memcpy(chunk, src, n);
            shapc__swap_elements(chunk, n / elsize, elsize);
            if (fwrite(chunk, 1, n, af.fp) != n)
                goto write_error;
            src += n;
            remaining -= n;
        }
    }
    return shapc__afile_commit(&af, err);

write_error:
    st = shapc_error_set(err, SHAPC_EIO, "%s: write failed: %s", path,
                         shapc__errno_text(errno, ebuf, sizeof ebuf));
    shapc__afile_abort(&af);
    return st;
}
