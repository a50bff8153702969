/* png.c - PNG images through libpng (data.h, shapc_png_read / shapc_png_write).
 *
 * Reading normalises every PNG colour type to grey or RGB samples at 8 or 16 bits: palettes
 * are expanded, 1/2/4-bit grey is widened to 8 bits, and alpha (or palette transparency) is
 * dropped because models see colour channels only. Samples keep their raw integer scale
 * (0..255 or 0..65535) so a file round-trips exactly; a model's input_scale maps them.
 *
 * libpng reports errors by longjmp. Everything the jump can skip over lives in one context
 * struct whose address outlives the setjmp, and the error callback writes the message into
 * the caller's error record, so no state is global and the function is reentrant. */
#define _POSIX_C_SOURCE 200809L

#include "shapc/data.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <png.h>

#include "data/io_internal.h"
#include "util/alloc.h"

/* Larger images are certainly not model inputs; the cap keeps sizes far from overflow. */
#define PNG_MAX_SIDE ((png_uint_32)1 << 24)
#define PNG_MAX_BYTES ((size_t)1 << 32)

typedef struct png_ctx {
    const char *path;
    shapc_error *err;
    shapc_status status; /* set by the callbacks before they jump */
    FILE *fp;
    int truncated;
    /* writer: the encoded bytes */
    unsigned char *buf;
    size_t len, cap;
} png_ctx;

static void on_error(png_structp png, png_const_charp msg)
{
    png_ctx *c = png_get_error_ptr(png);
    if (c->status == SHAPC_OK) {
        if (c->truncated)
            c->status = shapc_error_set(c->err, SHAPC_ETRUNC, "%s: truncated PNG", c->path);
        else
            c->status = shapc_error_set(c->err, SHAPC_EFORMAT, "%s: corrupt PNG: %s", c->path,
                                        msg);
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png; /* warnings (e.g. unknown chunks, bad sRGB profiles) do not affect samples */
    (void)msg;
}

static void read_fn(png_structp png, png_bytep data, size_t len)
{
    png_ctx *c = png_get_io_ptr(png);
    if (fread(data, 1, len, c->fp) != len) {
        c->truncated = !ferror(c->fp);
        if (!c->truncated && c->status == SHAPC_OK)
            c->status = shapc_error_set(c->err, SHAPC_EIO, "%s: read failed", c->path);
        png_error(png, "read");
    }
}

/* ============================================================================================
 * Reading
 * ========================================================================================== */

/* Decodes the pixels; its own jump target keeps the caller's locals out of longjmp's way
 * and lets the caller free the row pointers. Returns 0, or 1 after an error. */
static int read_rows(png_structp png, png_bytep *rows)
{
    if (setjmp(png_jmpbuf(png)))
        return 1;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    return 0;
}

/* The part of the read that libpng may jump out of. Returns 0, or 1 after an error. */
static int decode(png_structp png, png_infop info, png_ctx *c, shapc_array **out,
                  unsigned char **rows_buf)
{
    if (setjmp(png_jmpbuf(png)))
        return 1;
    png_set_read_fn(png, c, read_fn);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, PNG_MAX_SIDE, PNG_MAX_SIDE);
    png_read_info(png, info);

    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    /* Transparency becomes an alpha channel, which the copy below drops. */
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE)
        (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t channels = png_get_channels(png, info);
    int out_depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    size_t keep = (channels == 2 || channels == 4) ? channels - 1 : channels;
    size_t total, npix, bytes_per = out_depth == 16 ? 2 : 1;
    if (!shapc__mul_size(rowbytes, h, &total) || total > PNG_MAX_BYTES ||
        !shapc__mul_size((size_t)w, (size_t)h, &npix) || rowbytes < (size_t)w * channels *
                                                                     bytes_per) {
        c->status = shapc_error_set(c->err, SHAPC_ERANGE, "%s: %ux%u image is too large",
                                    c->path, (unsigned)w, (unsigned)h);
        return 1;
    }
    *rows_buf = shapc__malloc(total ? total : 1);
    png_bytep *rows = shapc__malloc((size_t)h * sizeof *rows + 1);
    size_t shape[3] = {h, w, keep};
    shapc_status st = shapc_array_create(SHAPC_F32, 3, shape, out, c->err);
    if (!*rows_buf || !rows || st != SHAPC_OK) {
        shapc__free(rows);
        c->status = st != SHAPC_OK ? st
                                   : shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory",
                                                     c->path);
        return 1;
    }
    for (png_uint_32 y = 0; y < h; y++)
        rows[y] = *rows_buf + (size_t)y * rowbytes;
    int failed = read_rows(png, rows);
    shapc__free(rows);
    if (failed)
        return 1;

    float *dst = shapc_array_data(*out);
    for (size_t y = 0; y < h; y++) {
        const unsigned char *src = *rows_buf + y * rowbytes;
        for (size_t x = 0; x < w; x++)
            for (size_t k = 0; k < keep; k++) {
                const unsigned char *s = src + (x * channels + k) * bytes_per;
                /* PNG stores 16-bit samples big-endian. */
                unsigned v = bytes_per == 2 ? (unsigned)s[0] << 8 | s[1] : s[0];
                dst[(y * w + x) * keep + k] = (float)v;
            }
    }
    return 0;
}

shapc_status shapc_png_read(const char *path, shapc_array **out, shapc_error *err)
{
    if (!path || !out)
        return shapc_error_set(err, SHAPC_EINVAL, "png_read: NULL argument");
    char ebuf[128];
    png_ctx c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.err = err;
    c.fp = fopen(path, "rb");
    if (!c.fp)
        return shapc_error_set(err, SHAPC_EIO, "%s: cannot open: %s", path,
                               shapc__errno_text(errno, ebuf, sizeof ebuf));
    unsigned char sig[8];
    size_t got = fread(sig, 1, sizeof sig, c.fp);
    if (got < sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0) {
        fclose(c.fp);
        if (got < sizeof sig && got > 0 && png_sig_cmp(sig, 0, got) == 0)
            return shapc_error_set(err, SHAPC_ETRUNC, "%s: truncated PNG", path);
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: not a PNG file (bad signature)", path);
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        fclose(c.fp);
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
    }
    shapc_array *img = NULL;
    unsigned char *rows_buf = NULL;
    int failed = decode(png, info, &c, &img, &rows_buf);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(c.fp);
    shapc__free(rows_buf);
    if (failed) {
        shapc_array_free(img);
        return c.status != SHAPC_OK ? c.status
                                    : shapc_error_set(err, SHAPC_EFORMAT, "%s: corrupt PNG",
                                                      path);
    }
    *out = img;
    return SHAPC_OK;
}

/* ============================================================================================
 * Writing: encode to memory, then one atomic file write
 * ========================================================================================== */

static void write_fn(png_structp png, png_bytep data, size_t len)
{
    png_ctx *c = png_get_io_ptr(png);
    if (len > c->cap - c->len) {
        size_t ncap = c->cap ? c->cap : 4096;
        while (ncap - c->len < len)
            if (!shapc__mul_size(ncap, 2, &ncap))
                break;
        unsigned char *nb = ncap - c->len >= len ? shapc__realloc(c->buf, ncap) : NULL;
        if (!nb) {
            c->status = shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory", c->path);
            png_error(png, "out of memory");
        }
        c->buf = nb;
        c->cap = ncap;
    }
    memcpy(c->buf + c->len, data, len);
    c->len += len;
}

static void flush_fn(png_structp png)
{
    (void)png;
}

static int encode(png_structp png, png_infop info, png_ctx *c, const shapc_array *image,
                  int depth, unsigned char *packed, png_bytep *rows)
{
    if (setjmp(png_jmpbuf(png)))
        return 1;
    size_t h = shapc_array_dim(image, 0), w = shapc_array_dim(image, 1);
    size_t ch = shapc_array_dim(image, 2), bpp = (size_t)depth / 8;
    static const int types[4] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                 PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_write_fn(png, c, write_fn, flush_fn);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, types[ch - 1],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (size_t y = 0; y < h; y++)
        rows[y] = packed + y * w * ch * bpp;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    return 0;
}

shapc_status shapc_png_write(const char *path, const shapc_array *image, int bit_depth,
                             shapc_error *err)
{
    if (!path || !image)
        return shapc_error_set(err, SHAPC_EINVAL, "png_write: NULL argument");
    size_t h = shapc_array_dim(image, 0), w = shapc_array_dim(image, 1);
    size_t ch = shapc_array_dim(image, 2);
    if (shapc_array_rank(image) != 3 || ch < 1 || ch > 4 || h == 0 || w == 0 ||
        h > PNG_MAX_SIDE || w > PNG_MAX_SIDE)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: a PNG needs a (H, W, C) array with "
                               "C in 1..4 and H, W >= 1", path);
    if (bit_depth != 8 && bit_depth != 16)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: PNG bit depth %d is not 8 or 16", path,
                               bit_depth);
    shapc_array *f = NULL;
    shapc_status st = shapc_array_convert(image, SHAPC_F64, &f, err);
    if (st != SHAPC_OK)
        return st;
    size_t n = shapc_array_size(image), bpp = (size_t)bit_depth / 8, bytes;
    unsigned char *packed = NULL;
    png_bytep *rows = NULL;
    if (shapc__mul_size(n, bpp, &bytes)) {
        packed = shapc__malloc(bytes);
        rows = shapc__malloc(h * sizeof *rows);
    }
    if (!packed || !rows) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    const double *v = shapc_array_cdata(f);
    double top = bit_depth == 16 ? 65535.0 : 255.0;
    for (size_t i = 0; i < n; i++) {
        double x = v[i] != v[i] ? 0.0 : floor(v[i] + 0.5);
        unsigned u = (unsigned)(x < 0.0 ? 0.0 : x > top ? top : x);
        if (bpp == 2) {
            packed[2 * i] = (unsigned char)(u >> 8);
            packed[2 * i + 1] = (unsigned char)u;
        } else {
            packed[i] = (unsigned char)u;
        }
    }

    png_ctx c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.err = err;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(png ? &png : NULL, NULL);
        st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    int failed = encode(png, info, &c, image, bit_depth, packed, rows);
    png_destroy_write_struct(&png, &info);
    if (failed)
        st = c.status != SHAPC_OK ? c.status
                                  : shapc_error_set(err, SHAPC_EIO, "%s: PNG encoding failed",
                                                    path);
    else
        st = shapc_file_write_atomic(path, c.buf, c.len, err);
    shapc__free(c.buf);
cleanup:
    shapc__free(rows);
    shapc__free(packed);
    shapc_array_free(f);
    return st;
}
