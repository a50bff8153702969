/* idx.c - LeCun's IDX format (MNIST, Fashion-MNIST): reader and atomic writer.
 *
 * Layout: magic 00 00 <type> <rank>, then rank big-endian u32 extents, then the elements in
 * row-major order, big-endian. Types: 08 u8, 09 i8, 0B i16, 0C i32, 0D f32, 0E f64.
 *
 * Reading goes through zlib's gz* API, which inflates gzip files and passes plain files
 * through unchanged, so both look the same here. What differs is how the header's promise is
 * checked before allocating: a plain file's length is known (stat), so it must match exactly;
 * a gzip file's decoded length is not, so the promise is capped (max_bytes, default 4 GiB) and
 * bounded by deflate's maximum expansion (1032:1), and truncation is caught while inflating. */
#define _POSIX_C_SOURCE 200809L

#include "shapc/data.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data/io_internal.h"
#include "util/alloc.h"
#include "util/atomic_file.h"

#define IDX_GZ_DEFAULT_CAP ((uint64_t)4 << 30)
/* Deflate emits at least 2 bits per 258-byte match, so it can never expand more than this
 * (zlib's technical notes); plus slack for gzip headers and tiny files. */
#define DEFLATE_MAX_RATIO 1032u
#define DEFLATE_SLACK 1024u
/* I/O chunk: gzread/gzwrite take unsigned lengths and return int, so stay far below INT_MAX */
#define IDX_READ_CHUNK ((size_t)1 << 24)
#define IDX_WRITE_CHUNK 16384

static int dtype_from_code(unsigned code, shapc_dtype *dtype)
{
    switch (code) {
    case 0x08:
        *dtype = SHAPC_U8;
        return 1;
    case 0x09:
        *dtype = SHAPC_I8;
        return 1;
    case 0x0B:
        *dtype = SHAPC_I16;
        return 1;
    case 0x0C:
        *dtype = SHAPC_I32;
        return 1;
    case 0x0D:
        *dtype = SHAPC_F32;
        return 1;
    case 0x0E:
        *dtype = SHAPC_F64;
        return 1;
    }
    return 0;
}

static unsigned code_from_dtype(shapc_dtype dtype)
{
    switch (dtype) {
    case SHAPC_U8:
        return 0x08;
    case SHAPC_I8:
        return 0x09;
    case SHAPC_I16:
        return 0x0B;
    case SHAPC_I32:
        return 0x0C;
    case SHAPC_F32:
        return 0x0D;
    case SHAPC_F64:
        return 0x0E;
    }
    return 0;
}

/* ======================================================================================== */
/* reader                                                                                   */
/* ======================================================================================== */

/* Maps a failed or short gzread to a status. A clean end of input or zlib's "unexpected end
 * of file" (Z_BUF_ERROR) is truncation, described by `trunc_what`; anything else carries
 * zlib's own message. */
static shapc_status gz_failure(gzFile gz, const char *path, const char *trunc_what,
                               shapc_error *err)
{
    int errnum = Z_OK;
    const char *msg = gzerror(gz, &errnum);

    switch (errnum) {
    case Z_OK:
        return shapc_error_set(err, SHAPC_ETRUNC, "%s: truncated: %s", path, trunc_what);
    case Z_BUF_ERROR:
        return shapc_error_set(err, SHAPC_ETRUNC, "%s: truncated: %s (zlib: %s)", path, trunc_what,
                               msg);
    case Z_MEM_ERROR:
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory in zlib", path);
    case Z_ERRNO:
        return shapc_error_set(err, SHAPC_EIO, "%s: read error: %s", path, msg);
    default:
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: corrupt gzip stream (zlib: %s)", path, msg);
    }
}

/* Reads exactly len bytes (len small: header fields). */
static shapc_status read_header_bytes(gzFile gz, const char *path, void *buf, unsigned len,
                                      const char *field, shapc_error *err)
{
    char what[96];
    int n = gzread(gz, buf, len);
    if (n == (int)len)
        return SHAPC_OK;
    snprintf(what, sizeof what, "file ends inside the header (%s)", field);
    return gz_failure(gz, path, what, err);
}

/* Reads the element block in chunks; detects truncation and trailing bytes. */
static shapc_status read_data(gzFile gz, const char *path, unsigned char *dst, size_t nbytes,
                              shapc_error *err)
{
    char what[160];
    size_t done = 0;
    unsigned char extra;
    int n;

    while (done < nbytes) {
        size_t want = nbytes - done < IDX_READ_CHUNK ? nbytes - done : IDX_READ_CHUNK;
        n = gzread(gz, dst + done, (unsigned)want);
        if (n <= 0) {
            snprintf(what, sizeof what,
                     "header promises %zu data bytes, stream ended after at most %zu", nbytes,
                     done);
            return gz_failure(gz, path, what, err);
        }
        done += (size_t)n;
    }
    /* One more byte: anything left is garbage, and for gzip this also runs the CRC check. */
    n = gzread(gz, &extra, 1);
    if (n == 1)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: trailing bytes after the %zu data bytes",
                               path, nbytes);
    if (n == 0) {
        int errnum = Z_OK;
        gzerror(gz, &errnum);
        if (errnum == Z_OK)
            return SHAPC_OK;
    }
    snprintf(what, sizeof what, "gzip stream ends before its trailer (%zu data bytes read)",
             nbytes);
    return gz_failure(gz, path, what, err);
}

/* Checks the header's promise against what the file can hold, before anything is allocated. */
static shapc_status check_promise(const char *path, int direct, const struct stat *sb,
                                  size_t header_bytes, size_t data_bytes, size_t max_bytes,
                                  const char *shape_txt, shapc_error *err)
{
    uint64_t file_size = sb->st_size > 0 ? (uint64_t)sb->st_size : 0;

    if (max_bytes != 0 && data_bytes > max_bytes)
        return shapc_error_set(err, SHAPC_ERANGE,
                               "%s: header promises %s = %zu data bytes, above the limit of "
                               "%zu", path, shape_txt, data_bytes, max_bytes);
    if (direct) {
        uint64_t after = file_size > header_bytes ? file_size - header_bytes : 0;
        if ((uint64_t)data_bytes > after)
            return shapc_error_set(err, SHAPC_ETRUNC,
                                   "%s: truncated: header promises %s = %zu data bytes, file "
                                   "has %llu after the header",
                                   path, shape_txt, data_bytes, (unsigned long long)after);
        if (after > (uint64_t)data_bytes)
            return shapc_error_set(err, SHAPC_EFORMAT,
                                   "%s: %llu trailing bytes after the %zu data bytes promised "
                                   "by the header",
                                   path, (unsigned long long)(after - data_bytes), data_bytes);
    } else {
        uint64_t bound;
        if (max_bytes == 0 && (uint64_t)data_bytes > IDX_GZ_DEFAULT_CAP)
            return shapc_error_set(err, SHAPC_ERANGE,
                                   "%s: header promises %s = %zu data bytes, above the 4 GiB "
                                   "limit for gzip input",
                                   path, shape_txt, data_bytes);
        bound = file_size > (UINT64_MAX - DEFLATE_SLACK) / DEFLATE_MAX_RATIO
                    ? UINT64_MAX
                    : file_size * DEFLATE_MAX_RATIO + DEFLATE_SLACK;
        if ((uint64_t)data_bytes > bound)
            return shapc_error_set(err, SHAPC_ETRUNC,
                                   "%s: truncated: header promises %s = %zu data bytes, more "
                                   "than a %llu-byte gzip file can hold",
                                   path, shape_txt, data_bytes, (unsigned long long)file_size);
    }
    return SHAPC_OK;
}

shapc_status shapc_idx_read(const char *path, size_t max_bytes, shapc_array **out, shapc_error *err)
{
    unsigned char magic[4], dims_be[4 * SHAPC_MAX_RANK];
    char shape_txt[160];
    size_t shape[SHAPC_MAX_RANK], rank, count = 1, data_bytes, header_bytes, i;
    shapc_array *array = NULL;
    shapc_dtype dtype = SHAPC_U8;
    shapc_status st;
    struct stat sb;
    gzFile gz = NULL;
    char ebuf[128];
    int fd, direct;

    if (!out || !path)
        return shapc_error_set(err, SHAPC_EINVAL, "idx_read: NULL argument");
    *out = NULL;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return shapc_error_set(err, SHAPC_EIO, "%s: cannot open: %s", path,
                               shapc__errno_text(errno, ebuf, sizeof ebuf));
    if (fstat(fd, &sb) != 0) {
        int errnum = errno;
        close(fd);
        return shapc_error_set(err, SHAPC_EIO, "%s: cannot stat: %s", path,
                               shapc__errno_text(errnum, ebuf, sizeof ebuf));
    }
    if (!S_ISREG(sb.st_mode)) {
        /* the size checks below rely on a regular file's length */
        close(fd);
        return shapc_error_set(err, SHAPC_EIO, "%s: not a regular file", path);
    }
    gz = gzdopen(fd, "rb"); /* owns fd from here on */
    if (!gz) {
        close(fd);
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory opening zlib stream", path);
    }
    gzbuffer(gz, 1u << 17);

    st = read_header_bytes(gz, path, magic, sizeof magic, "magic", err);
    if (st != SHAPC_OK)
        goto cleanup;
    direct = gzdirect(gz);
    if (magic[0] != 0 || magic[1] != 0) {
        st = shapc_error_set(err, SHAPC_EFORMAT,
                             "%s: bad magic %02x %02x %02x %02x (expected 00 00 type rank)", path,
                             magic[0], magic[1], magic[2], magic[3]);
        goto cleanup;
    }
    if (!dtype_from_code(magic[2], &dtype)) {
        st = shapc_error_set(err, SHAPC_EFORMAT, "%s: unknown element type 0x%02x", path, magic[2]);
        goto cleanup;
    }
    rank = magic[3];
    if (rank == 0 || rank > SHAPC_MAX_RANK) {
        st = shapc_error_set(err, SHAPC_EFORMAT, "%s: rank %zu outside 1..%d", path, rank,
                             SHAPC_MAX_RANK);
        goto cleanup;
    }
    st = read_header_bytes(gz, path, dims_be, (unsigned)(4 * rank), "dimensions", err);
    if (st != SHAPC_OK)
        goto cleanup;
    for (i = 0; i < rank; i++)
        shape[i] = shapc__load_be32(dims_be + 4 * i);
    shapc__shape_text(shape, rank, shape_txt, sizeof shape_txt);
    for (i = 0; i < rank; i++) {
        if (!shapc__mul_size(count, shape[i], &count)) {
            st = shapc_error_set(err, SHAPC_ERANGE, "%s: header dimensions %s %s: their product "
                                 "overflows the element count", path, shape_txt,
                                 shapc_dtype_name(dtype));
            goto cleanup;
        }
    }
    if (!shapc__mul_size(count, shapc_dtype_size(dtype), &data_bytes)) {
        st = shapc_error_set(err, SHAPC_ERANGE, "%s: header dimensions %s %s: the data size "
                             "overflows", path, shape_txt, shapc_dtype_name(dtype));
        goto cleanup;
    }
    header_bytes = 4 + 4 * rank;
    st = check_promise(path, direct, &sb, header_bytes, data_bytes, max_bytes, shape_txt, err);
    if (st != SHAPC_OK)
        goto cleanup;

    st = shapc_array_create(dtype, rank, shape, &array, err);
    if (st != SHAPC_OK) {
        shapc_error_prefix(err, path);
        goto cleanup;
    }
    st = read_data(gz, path, shapc_array_data(array), data_bytes, err);
    if (st != SHAPC_OK)
        goto cleanup;
    if (shapc__host_is_little_endian())
        shapc__swap_elements(shapc_array_data(array), count, shapc_dtype_size(dtype));
    *out = array;
    array = NULL;

cleanup:
    shapc_array_free(array);
    gzclose(gz);
    return st;
}

/* ======================================================================================== */
/* writer                                                                                   */
/* ======================================================================================== */

static int ends_with_gz(const char *path)
{
    size_t n = strlen(path);
    return n >= 3 && strcmp(path + n - 3, ".gz") == 0;
}

/* Sink: either the atomic file's stdio stream or a gzip stream on a dup of its descriptor. */
typedef struct idx_sink {
    FILE *fp;
    gzFile gz;
} idx_sink;

static int sink_write(idx_sink *s, const void *buf, size_t len)
{
    if (s->gz)
        return gzwrite(s->gz, buf, (unsigned)len) == (int)len;
    return fwrite(buf, 1, len, s->fp) == len;
}

static shapc_status write_body(idx_sink *s, const char *path, const unsigned char *header,
                               size_t header_len, const shapc_array *array, shapc_error *err)
{
    unsigned char chunk[IDX_WRITE_CHUNK];
    const unsigned char *src = shapc_array_cdata(array);
    size_t elsize = shapc_dtype_size(shapc_array_dtype(array));
    size_t remaining = shapc_array_size(array) * elsize; /* fits: checked at creation */
    int swap = shapc__host_is_little_endian();

    if (!sink_write(s, header, header_len))
        goto fail;
    while (remaining > 0) {
        size_t n = remaining < sizeof chunk ? remaining : sizeof chunk; /* multiple of elsize */
        memcpy(chunk, src, n);
        if (swap)
            shapc__swap_elements(chunk, n / elsize, elsize);
        if (!sink_write(s, chunk, n))
            goto fail;
        src += n;
        remaining -= n;
    }
    return SHAPC_OK;

fail:
    if (s->gz) {
        int errnum;
        const char *msg = gzerror(s->gz, &errnum);
        return shapc_error_set(err, SHAPC_EIO, "%s: write failed (zlib: %s)", path, msg);
    } else {
        char ebuf[128];
        return shapc_error_set(err, SHAPC_EIO, "%s: write failed: %s", path,
                               shapc__errno_text(errno, ebuf, sizeof ebuf));
    }
}

shapc_status shapc_idx_write(const char *path, const shapc_array *array, shapc_error *err)
{
    unsigned char header[4 + 4 * SHAPC_MAX_RANK];
    size_t rank, i, header_len;
    shapc__afile af;
    idx_sink sink = {NULL, NULL};
    shapc_status st;
    unsigned code;

    if (!path || !array)
        return shapc_error_set(err, SHAPC_EINVAL, "idx_write: NULL argument");
    rank = shapc_array_rank(array);
    code = code_from_dtype(shapc_array_dtype(array));
    if (rank == 0)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED,
                               "%s: IDX cannot hold a rank-0 array (reshape to (1,))", path);
    if (code == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: invalid dtype", path);
    header[0] = 0;
    header[1] = 0;
    header[2] = (unsigned char)code;
    header[3] = (unsigned char)rank;
    for (i = 0; i < rank; i++) {
        size_t d = shapc_array_dim(array, i);
        if (d > UINT32_MAX)
            return shapc_error_set(err, SHAPC_ERANGE,
                                   "%s: extent %zu of axis %zu does not fit IDX's u32", path, d, i);
        shapc__store_be32(header + 4 + 4 * i, (uint32_t)d);
    }
    header_len = 4 + 4 * rank;

    st = shapc__afile_open(&af, path, err);
    if (st != SHAPC_OK)
        return st;
    sink.fp = af.fp;
    if (ends_with_gz(path)) {
        /* gzclose closes its descriptor, so give zlib a duplicate and keep af's for fsync */
        int fd = dup(fileno(af.fp));
        if (fd >= 0)
            sink.gz = gzdopen(fd, "wb");
        if (!sink.gz) {
            char ebuf[128];
            if (fd >= 0)
                close(fd);
            shapc__afile_abort(&af);
            return shapc_error_set(
                err, fd >= 0 ? SHAPC_ENOMEM : SHAPC_EIO, "%s: cannot start gzip stream: %s", path,
                fd >= 0 ? "out of memory" : shapc__errno_text(errno, ebuf, sizeof ebuf));
        }
    }

    st = write_body(&sink, path, header, header_len, array, err);
    if (sink.gz) {
        int rc = gzclose(sink.gz); /* flushes the deflate stream and the gzip trailer */
        if (rc != Z_OK && st == SHAPC_OK)
            st = shapc_error_set(err, SHAPC_EIO, "%s: finishing gzip stream failed (zlib %d)", path,
                                 rc);
    }
    if (st != SHAPC_OK) {
        shapc__afile_abort(&af);
        return st;
    }
    return shapc__afile_commit(&af, err);
}
