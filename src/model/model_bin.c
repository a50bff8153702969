/* model_bin.c - reading and writing model.bin, the native model format (docs/model-format.md).
 *
 * Loading reads the whole file (at most MAX_FILE_BYTES), checks magic and version (so a wrong
 * or newer file gets the precise complaint rather than "checksum mismatch"), verifies the
 * CRC-32 over everything before the trailing checksum, and only then parses with a
 * bounds-checked cursor: every count is multiplied out (overflow-checked) and compared with the
 * bytes that remain BEFORE anything is allocated, so a forged "n_out = 4294967295" costs
 * nothing. The parsed parts become a shapc_model_spec and go through shapc_model_from_spec,
 * the same validation as models built in memory.
 *
 * Saving validates the spec first (a file this library writes always loads), then streams the
 * fields through an atomic file while accumulating the CRC. All integers and floats are
 * little-endian, assembled byte by byte so the code is independent of host byte order. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "model/conv.h"
#include "model/model_bin.h"
#include "model/native.h"
#include "model/onnx_model.h"
#include "model/text_model.h"
#include "shapc/model.h"
#include "util/alloc.h"
#include "util/atomic_file.h"

#define MAX_FILE_BYTES ((size_t)2 << 30) /* 2 GiB */
#define NAME_MAX_BYTES 4096u
#define SECTION_REQUIRED 1u /* extension section flag: a reader that does not know it must fail */


static const char *errno_text(int errnum, char *buf, size_t cap)
{
    if (strerror_r(errnum, buf, cap) != 0)
        snprintf(buf, cap, "error %d", errnum);
    return buf;
}

/* zlib's crc32 takes a uInt length: feed large buffers in slices. */
uint32_t shapc__model_bin_crc(uint32_t crc, const unsigned char *p, size_t n)
{
    uLong c = crc;
    while (n > 0) {
        uInt take = n > 0x40000000u ? 0x40000000u : (uInt)n;
        c = crc32(c, p, take);
        p += take;
        n -= take;
    }
    return (uint32_t)c;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float get_f32(const unsigned char *p)
{
    uint32_t u = get_u32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ======================================================================================== */
/* loading: the bounds-checked cursor                                                       */
/* ======================================================================================== */

typedef struct cursor {
    const unsigned char *buf;
    size_t end; /* parse limit: the file length minus the 4-byte checksum */
    size_t pos;
    const char *path;
    shapc_error *err;
} cursor;

/* Fails with SHAPC_ETRUNC unless n more bytes remain. `what` names the part being read. */
static shapc_status need(cursor *c, size_t n, const char *what)
{
    if (n > c->end - c->pos)
        return shapc_error_set(c->err, SHAPC_ETRUNC,
                               "%s: truncated at byte %zu reading %s (needs %zu bytes, %zu left)",
                               c->path, c->pos, what, n, c->end - c->pos);
    return SHAPC_OK;
}

/* Like need() for count elements of elsize bytes: SHAPC_ERANGE if the product overflows. */
static shapc_status need_array(cursor *c, size_t count, size_t elsize, const char *what)
{
    size_t n;
    if (!shapc__mul_size(count, elsize, &n))
        return shapc_error_set(c->err, SHAPC_ERANGE,
                               "%s: %s at byte %zu: %zu elements overflow the address space",
                               c->path, what, c->pos, count);
    return need(c, n, what);
}

static shapc_status read_u32(cursor *c, uint32_t *v, const char *what)
{
    shapc_status st = need(c, 4, what);
    if (st != SHAPC_OK)
        return st;
    *v = get_u32(c->buf + c->pos);
    c->pos += 4;
    return SHAPC_OK;
}

static shapc_status read_u64(cursor *c, uint64_t *v, const char *what)
{
    shapc_status st = need(c, 8, what);
    if (st != SHAPC_OK)
        return st;
    *v = (uint64_t)get_u32(c->buf + c->pos) | (uint64_t)get_u32(c->buf + c->pos + 4) << 32;
    c->pos += 8;
    return SHAPC_OK;
}

/* A 0/1 presence byte. */
static shapc_status read_flag(cursor *c, int *v, const char *what)
{
    shapc_status st = need(c, 1, what);
    if (st != SHAPC_OK)
        return st;
    if (c->buf[c->pos] > 1)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: %s at byte %zu is %u, not 0 or 1",
                               c->path, what, c->pos, (unsigned)c->buf[c->pos]);
    *v = c->buf[c->pos];
    c->pos += 1;
    return SHAPC_OK;
}

/* Reads count finite floats into a new array (*out owned by the caller). The size is checked
 * against the remaining bytes before allocating. */
static shapc_status read_f32s(cursor *c, size_t count, const char *what, float **out)
{
    shapc_status st = need_array(c, count, 4, what);
    float *v;
    *out = NULL;
    if (st != SHAPC_OK)
        return st;
    v = shapc__malloc(count * sizeof *v);
    if (!v)
        return shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory reading %s", c->path,
                               what);
    for (size_t i = 0; i < count; i++) {
        v[i] = get_f32(c->buf + c->pos + 4 * i);
        if (!isfinite(v[i])) {
            const char *kind = isnan(v[i]) ? "NaN" : "infinite";
            shapc__free(v);
            return shapc_error_set(c->err, SHAPC_ENONFINITE, "%s: %s value %zu at byte %zu is %s",
                                   c->path, what, i, c->pos + 4 * i, kind);
        }
    }
    c->pos += count * 4;
    *out = v;
    return SHAPC_OK;
}

/* ======================================================================================== */
/* loading: the parts                                                                       */
/* ======================================================================================== */

/* Everything parsed from the file, owned, plus the spec that views it. */
typedef struct parsed {
    shapc_model_spec spec;
    float *offset, *divisor;
    shapc_layer_spec *layers; /* weights and bias owned (cast away const on release) */
    shapc_layer_geometry *geometry; /* (n_layers_alloc) owned */
    size_t n_layers_alloc;
    char **names;
    size_t n_names;
    float *background, *bg_weights;
    int has_text;             /* a TEXT section (text_model.c) was found: where its payload is */
    size_t text_at, text_len;
} parsed;

static void parsed_free(parsed *p)
{
    shapc__free(p->offset);
    shapc__free(p->divisor);
    for (size_t l = 0; l < p->n_layers_alloc; l++) {
        shapc__free((void *)(uintptr_t)p->layers[l].weights);
        shapc__free((void *)(uintptr_t)p->layers[l].bias);
    }
    shapc__free(p->layers);
    shapc__free(p->geometry);
    for (size_t i = 0; i < p->n_names; i++)
        shapc__free(p->names[i]);
    shapc__free(p->names);
    shapc__free(p->background);
    shapc__free(p->bg_weights);
}

static shapc_status parse_input(cursor *c, parsed *p, size_t *d_out)
{
    uint32_t rank, dim;
    size_t d = 1;
    int has = 0;
    float *scale = NULL;
    shapc_status st;
    if ((st = read_u32(c, &rank, "input rank")) != SHAPC_OK)
        return st;
    if (rank < 1 || rank > 4)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: input rank %u at byte %zu is not "
                               "in 1..4", c->path, (unsigned)rank, c->pos - 4);
    p->spec.input_rank = rank;
    for (uint32_t i = 0; i < rank; i++) {
        if ((st = read_u32(c, &dim, "input shape")) != SHAPC_OK)
            return st;
        if (dim == 0)
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: input dimension %u at byte %zu "
                                   "is 0", c->path, (unsigned)i, c->pos - 4);
        if (!shapc__mul_size(d, dim, &d) || d > SHAPC__NATIVE_MAX_DIM)
            return shapc_error_set(c->err, SHAPC_ERANGE, "%s: input shape at byte %zu is too "
                                   "large", c->path, c->pos - 4);
        p->spec.input_shape[i] = dim;
    }
    if ((st = read_f32s(c, 1, "input scale", &scale)) != SHAPC_OK)
        return st;
    p->spec.input_scale = scale[0];
    shapc__free(scale);
    if ((st = read_flag(c, &has, "input offset flag")) != SHAPC_OK)
        return st;
    if (has && (st = read_f32s(c, d, "input offset", &p->offset)) != SHAPC_OK)
        return st;
    if ((st = read_flag(c, &has, "input divisor flag")) != SHAPC_OK)
        return st;
    if (has) {
        size_t at = c->pos;
        if ((st = read_f32s(c, d, "input divisor", &p->divisor)) != SHAPC_OK)
            return st;
        for (size_t i = 0; i < d; i++)
            if (p->divisor[i] == 0.0f)
                return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: input divisor %zu at byte "
                                       "%zu is 0", c->path, i, at + 4 * i);
    }
    p->spec.input_offset = p->offset;
    p->spec.input_divisor = p->divisor;
    *d_out = d;
    return SHAPC_OK;
}

/* Conv2d and pooling layers carry 8 u32 of geometry after the layer header (in_h, in_w, in_c,
 * out_c, kernel_h, kernel_w, stride, padding); every kind's fields are then checked with the
 * same rules as an in-memory spec, but as SHAPC_EFORMAT naming the layer. */
static shapc_status parse_geometry(cursor *c, uint32_t l, const shapc_layer_spec *ly,
                                   shapc_layer_geometry *geo, shapc__geom *g)
{
    const size_t at = c->pos;
    uint32_t v[8];
    char what[64], why[160];
    shapc_status st;
    if (ly->kind == SHAPC_LAYER_CONV2D || ly->kind == SHAPC_LAYER_MAXPOOL ||
        ly->kind == SHAPC_LAYER_AVGPOOL || ly->kind == SHAPC_LAYER_GLOBAL_AVGPOOL) {
        snprintf(what, sizeof what, "layer %u geometry", (unsigned)l);
        for (size_t i = 0; i < 8; i++)
            if ((st = read_u32(c, &v[i], what)) != SHAPC_OK)
                return st;
        if (v[7] > SHAPC_PAD_SAME)
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: layer %u (%s) at byte %zu has "
                                   "unknown padding %u", c->path, (unsigned)l,
                                   shapc__layer_kind_name(ly->kind), at, (unsigned)v[7]);
        geo->in_h = v[0];
        geo->in_w = v[1];
        geo->in_c = v[2];
        geo->out_c = v[3];
        geo->kernel_h = v[4];
        geo->kernel_w = v[5];
        geo->stride = v[6];
        geo->padding = (shapc_padding)v[7];
    }
    if (!shapc__layer_check(ly, geo, g, why, sizeof why))
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: layer %u (%s) at byte %zu: %s",
                               c->path, (unsigned)l, shapc__layer_kind_name(ly->kind), at, why);
    return SHAPC_OK;
}

static shapc_status parse_layers(cursor *c, parsed *p, size_t d, size_t *k_out)
{
    uint32_t n_layers;
    size_t prev = d;
    char what[64];
    shapc_status st;
    if ((st = read_u32(c, &n_layers, "layer count")) != SHAPC_OK)
        return st;
    if (n_layers == 0)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: layer count at byte %zu is 0",
                               c->path, c->pos - 4);
    /* Each layer has a 16-byte header: prove they fit before allocating the table. */
    if ((st = need_array(c, n_layers, 16, "layer headers")) != SHAPC_OK)
        return st;
    p->layers = shapc__calloc(n_layers, sizeof *p->layers);
    p->geometry = shapc__calloc(n_layers, sizeof *p->geometry);
    if (!p->layers || !p->geometry)
        return shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory", c->path);
    p->n_layers_alloc = n_layers;
    for (uint32_t l = 0; l < n_layers; l++) {
        shapc_layer_spec *ly = &p->layers[l];
        uint32_t kind, n_in, n_out, act;
        size_t at = c->pos;
        shapc__geom g;
        float *w = NULL, *b = NULL;
        snprintf(what, sizeof what, "layer %u header", (unsigned)l);
        if ((st = read_u32(c, &kind, what)) != SHAPC_OK ||
            (st = read_u32(c, &n_in, what)) != SHAPC_OK ||
            (st = read_u32(c, &n_out, what)) != SHAPC_OK ||
            (st = read_u32(c, &act, what)) != SHAPC_OK)
            return st;
        if (kind < SHAPC_LAYER_DENSE || kind > SHAPC_LAYER_FLATTEN)
            return shapc_error_set(c->err, SHAPC_EUNSUPPORTED, "%s: layer %u at byte %zu has "
                                   "unknown kind %u (this library knows 1..6)",
                                   c->path, (unsigned)l, at, (unsigned)kind);
        if (n_in == 0 || n_out == 0)
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: layer %u at byte %zu has size "
                                   "%u x %u", c->path, (unsigned)l, at, (unsigned)n_out,
                                   (unsigned)n_in);
        if (n_in > SHAPC__NATIVE_MAX_DIM || n_out > SHAPC__NATIVE_MAX_DIM)
            return shapc_error_set(c->err, SHAPC_ERANGE, "%s: layer %u at byte %zu: size %u x "
                                   "%u is too large", c->path, (unsigned)l, at,
                                   (unsigned)n_out, (unsigned)n_in);
        if (n_in != prev)
            return shapc_error_set(c->err, SHAPC_EFORMAT,
                                   "%s: layer %u at byte %zu takes %u inputs but %s %zu",
                                   c->path, (unsigned)l, at, (unsigned)n_in,
                                   l == 0 ? "the input shape has" : "the previous layer gives",
                                   prev);
        if (act > SHAPC_ACT_SOFTMAX)
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: layer %u at byte %zu has unknown "
                                   "activation %u", c->path, (unsigned)l, at, (unsigned)act);
        ly->kind = (shapc_layer_kind)kind;
        ly->n_in = n_in;
        ly->n_out = n_out;
        ly->activation = (shapc_activation)act;
        if ((st = parse_geometry(c, l, ly, &p->geometry[l], &g)) != SHAPC_OK)
            return st;
        prev = n_out;
        if (!shapc__layer_has_weights(ly->kind))
            continue;
        snprintf(what, sizeof what, "layer %u weights", (unsigned)l);
        if ((st = read_f32s(c, shapc__layer_n_weights(ly, &g), what, &w)) != SHAPC_OK)
            return st;
        ly->weights = w;
        snprintf(what, sizeof what, "layer %u bias", (unsigned)l);
        if ((st = read_f32s(c, shapc__layer_n_bias(ly, &g), what, &b)) != SHAPC_OK)
            return st;
        ly->bias = b;
    }
    p->spec.n_layers = n_layers;
    p->spec.layers = p->layers;
    p->spec.layer_geometry = p->geometry;
    *k_out = prev;
    return SHAPC_OK;
}

static shapc_status parse_names(cursor *c, parsed *p, size_t k)
{
    uint32_t n, len;
    char what[64];
    shapc_status st;
    if ((st = read_u32(c, &n, "output name count")) != SHAPC_OK)
        return st;
    if (n == 0)
        return SHAPC_OK;
    if (n != k)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: %u output names at byte %zu for %zu "
                               "outputs", c->path, (unsigned)n, c->pos - 4, k);
    if ((st = need_array(c, n, 4, "output names")) != SHAPC_OK)
        return st;
    p->names = shapc__calloc(n, sizeof *p->names);
    if (!p->names)
        return shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory", c->path);
    p->n_names = n;
    for (uint32_t i = 0; i < n; i++) {
        snprintf(what, sizeof what, "output name %u", (unsigned)i);
        if ((st = read_u32(c, &len, what)) != SHAPC_OK)
            return st;
        if (len > NAME_MAX_BYTES)
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: output name %u at byte %zu is "
                                   "%u bytes (at most %u)", c->path, (unsigned)i, c->pos - 4,
                                   (unsigned)len, NAME_MAX_BYTES);
        if ((st = need(c, len, what)) != SHAPC_OK)
            return st;
        if (memchr(c->buf + c->pos, '\0', len))
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: output name %u at byte %zu "
                                   "contains a NUL byte", c->path, (unsigned)i, c->pos);
        p->names[i] = shapc__malloc((size_t)len + 1);
        if (!p->names[i])
            return shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory", c->path);
        memcpy(p->names[i], c->buf + c->pos, len);
        p->names[i][len] = '\0';
        c->pos += len;
    }
    p->spec.output_names = (const char *const *)p->names;
    return SHAPC_OK;
}

static shapc_status parse_background(cursor *c, parsed *p, size_t d)
{
    uint32_t n;
    size_t total, at;
    int has = 0;
    double sum = 0.0;
    shapc_status st;
    if ((st = read_u32(c, &n, "background row count")) != SHAPC_OK)
        return st;
    if (!shapc__mul_size(n, d, &total))
        return shapc_error_set(c->err, SHAPC_ERANGE, "%s: background of %u rows at byte %zu is "
                               "too large", c->path, (unsigned)n, c->pos - 4);
    if (n > 0 && (st = read_f32s(c, total, "background", &p->background)) != SHAPC_OK)
        return st;
    if ((st = read_flag(c, &has, "background weights flag")) != SHAPC_OK)
        return st;
    if (has && n == 0)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: background weights at byte %zu "
                               "without a background", c->path, c->pos - 1);
    at = c->pos;
    if (has && (st = read_f32s(c, n, "background weights", &p->bg_weights)) != SHAPC_OK)
        return st;
    for (size_t i = 0; has && i < n; i++) {
        if (p->bg_weights[i] < 0.0f)
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: background weight %zu at byte "
                                   "%zu is negative", c->path, i, at + 4 * i);
        sum += (double)p->bg_weights[i];
    }
    if (has && !(sum > 0.0))
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: background weights at byte %zu sum "
                               "to 0", c->path, at);
    p->spec.n_background = n;
    p->spec.background = p->background;
    p->spec.background_weights = p->bg_weights;
    return SHAPC_OK;
}

/* Extension sections: TEXT (the tokenizer, vocabulary and embedding of a text model) is
 * recorded for text_model.c; other optional ones are skipped, other required ones are
 * SHAPC_EUNSUPPORTED. */
static shapc_status parse_sections(cursor *c, parsed *p)
{
    uint32_t n, tag, flags;
    uint64_t len;
    char what[64];
    shapc_status st;
    if ((st = read_u32(c, &n, "section count")) != SHAPC_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        size_t at = c->pos;
        snprintf(what, sizeof what, "section %u header", (unsigned)i);
        if ((st = read_u32(c, &tag, what)) != SHAPC_OK ||
            (st = read_u32(c, &flags, what)) != SHAPC_OK ||
            (st = read_u64(c, &len, what)) != SHAPC_OK)
            return st;
        if (tag == SHAPC__SECTION_TAG_TEXT) {
            if (p->has_text)
                return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: section %u at byte %zu is a "
                                       "second TEXT section", c->path, (unsigned)i, at);
            if (len > SIZE_MAX || (st = need(c, (size_t)len, "TEXT section")) != SHAPC_OK)
                return len > SIZE_MAX ? shapc_error_set(c->err, SHAPC_ERANGE, "%s: TEXT section "
                                                        "is too large", c->path) : st;
            p->has_text = 1;
            p->text_at = c->pos;
            p->text_len = (size_t)len;
            c->pos += (size_t)len;
            continue;
        }
        if (flags & SECTION_REQUIRED)
            return shapc_error_set(c->err, SHAPC_EUNSUPPORTED, "%s: section %u at byte %zu has "
                                   "unknown required tag 0x%08x", c->path, (unsigned)i, at,
                                   (unsigned)tag);
        snprintf(what, sizeof what, "section %u payload", (unsigned)i);
        if (len > SIZE_MAX)
            return shapc_error_set(c->err, SHAPC_ERANGE, "%s: %s is too large", c->path, what);
        if ((st = need(c, (size_t)len, what)) != SHAPC_OK)
            return st;
        c->pos += (size_t)len;
    }
    return SHAPC_OK;
}

/* Reads the whole file into an owned buffer (model_bin.h). */
shapc_status shapc__model_read_file(const char *path, unsigned char **out, size_t *len,
                                    shapc_error *err)
{
    char ebuf[128];
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    struct stat sb;
    long size;
    shapc_status st = SHAPC_OK;
    *out = NULL;
    if (!f)
        return shapc_error_set(err, SHAPC_EIO, "%s: cannot open: %s", path,
                               errno_text(errno, ebuf, sizeof ebuf));
    if (fstat(fileno(f), &sb) != 0) {
        st = shapc_error_set(err, SHAPC_EIO, "%s: cannot stat: %s", path,
                             errno_text(errno, ebuf, sizeof ebuf));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = shapc_error_set(err, SHAPC_EIO, "%s: not a regular file", path);
        goto done;
    }
    if (sb.st_size < 0 || (unsigned long long)sb.st_size > MAX_FILE_BYTES) {
        st = shapc_error_set(err, SHAPC_ERANGE, "%s: %lld bytes exceeds the 2 GiB model limit",
                             path, (long long)sb.st_size);
        goto done;
    }
    size = (long)sb.st_size;
    buf = shapc__malloc((size_t)size);
    if (!buf) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory for %ld bytes", path, size);
        goto done;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        st = shapc_error_set(err, SHAPC_EIO, "%s: read failed: %s", path,
                             ferror(f) ? errno_text(errno, ebuf, sizeof ebuf) : "short read");
        shapc__free(buf);
        buf = NULL;
        goto done;
    }
    *out = buf;
    *len = (size_t)size;
done:
    fclose(f);
    return st;
}

/* Magic, version, flags and checksum: everything that must hold before parsing. */
static shapc_status check_envelope(const unsigned char *buf, size_t len, const char *path,
                                   shapc_error *err)
{
    uint32_t version, flags, stored, computed;
    if (len < 8)
        return shapc_error_set(err, SHAPC_ETRUNC, "%s: truncated at byte %zu reading magic",
                               path, len);
    if (memcmp(buf, SHAPC__MODEL_BIN_MAGIC, SHAPC__MODEL_BIN_MAGIC_LEN) != 0)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: not a shapc model (bad magic) nor an "
                               "ONNX model", path);
    if (len < 12)
        return shapc_error_set(err, SHAPC_ETRUNC, "%s: truncated at byte %zu reading version",
                               path, len);
    version = get_u32(buf + 8);
    if (version == 0)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: format version 0 is invalid", path);
    if (version > SHAPC__MODEL_BIN_VERSION)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: format version %u is newer than "
                               "this library supports (%u)", path, (unsigned)version,
                               SHAPC__MODEL_BIN_VERSION);
    if (len < 20)
        return shapc_error_set(err, SHAPC_ETRUNC, "%s: truncated at byte %zu reading header",
                               path, len);
    stored = get_u32(buf + len - 4);
    computed = shapc__model_bin_crc(0, buf, len - 4);
    if (stored != computed)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: checksum mismatch (stored 0x%08x, "
                               "computed 0x%08x): the file is corrupt or truncated", path,
                               (unsigned)stored, (unsigned)computed);
    flags = get_u32(buf + 12);
    if (flags != 0)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: unknown header flags 0x%08x",
                               path, (unsigned)flags);
    return SHAPC_OK;
}

/* Checks the envelope of buf[0, len) and parses every field into p (which the caller
 * releases with parsed_free whatever the outcome). `name` starts every message. */
static shapc_status parse_buffer(const unsigned char *buf, size_t len, const char *name,
                                 parsed *p, shapc_error *err)
{
    size_t d = 0, k = 0;
    cursor c;
    shapc_status st;
    if ((st = check_envelope(buf, len, name, err)) != SHAPC_OK)
        return st;
    c.buf = buf;
    c.end = len - 4;
    c.pos = 16;
    c.path = name;
    c.err = err;
    if ((st = parse_input(&c, p, &d)) != SHAPC_OK ||
        (st = parse_layers(&c, p, d, &k)) != SHAPC_OK ||
        (st = parse_names(&c, p, k)) != SHAPC_OK ||
        (st = parse_background(&c, p, d)) != SHAPC_OK || (st = parse_sections(&c, p)) != SHAPC_OK)
        return st;
    if (c.pos != c.end)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: %zu unexpected bytes at byte %zu before "
                               "the checksum", name, c.end - c.pos, c.pos);
    return SHAPC_OK;
}

shapc_status shapc_model_load(const char *path, shapc_model **out, shapc_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    parsed p;
    shapc_status st;
    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_load: out is NULL");
    *out = NULL;
    if (!path)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_load: path is NULL");
    memset(&p, 0, sizeof p);
    p.spec = shapc_model_spec_default();
    if ((st = shapc__model_read_file(path, &buf, &len, err)) != SHAPC_OK)
        return st;
    if (len >= SHAPC__MODEL_BIN_MAGIC_LEN &&
        memcmp(buf, SHAPC__MODEL_BIN_MAGIC, SHAPC__MODEL_BIN_MAGIC_LEN) != 0 &&
        shapc__onnx_sniff(buf, len)) {
        /* chosen by content, whatever the file is called (onnx_model.h) */
        st = shapc__onnx_model_load_mem(buf, len, path, out, err);
        shapc__free(buf);
        return st;
    }
    st = parse_buffer(buf, len, path, &p, err);
    if (st == SHAPC_OK && (st = shapc_model_from_spec(&p.spec, out, err)) != SHAPC_OK)
        shapc_error_prefix(err, path);
    if (st == SHAPC_OK && p.has_text)
        st = shapc__text_model_wrap(out, buf + p.text_at, p.text_len, p.text_at, path, err);
    shapc__free(buf);
    parsed_free(&p);
    return st;
}

shapc_status shapc__model_load_mem(const void *data, size_t len, const char *name,
                                   shapc_model **out, shapc_error *err)
{
    parsed p;
    shapc_status st;
    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc__model_load_mem: out is NULL");
    *out = NULL;
    if (!data && len > 0)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc__model_load_mem: data is NULL");
    if (!name)
        name = "<memory>";
    if (len > MAX_FILE_BYTES)
        return shapc_error_set(err, SHAPC_ERANGE, "%s: %zu bytes exceeds the 2 GiB model limit",
                               name, len);
    memset(&p, 0, sizeof p);
    p.spec = shapc_model_spec_default();
    st = parse_buffer(data, len, name, &p, err);
    if (st == SHAPC_OK && (st = shapc_model_from_spec(&p.spec, out, err)) != SHAPC_OK)
        shapc_error_prefix(err, name);
    if (st == SHAPC_OK && p.has_text)
        st = shapc__text_model_wrap(out, (const unsigned char *)data + p.text_at, p.text_len,
                                    p.text_at, name, err);
    parsed_free(&p);
    return st;
}
