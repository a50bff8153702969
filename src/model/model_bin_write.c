/* model_bin_write.c - the model.bin writer (shapc_model_save, docs/model-format.md): the
 * spec validated exactly as loading will check it, then streamed with a running CRC-32 into a
 * temporary file that replaces the target only when complete. The reader is model_bin.c. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/conv.h"
#include "model/model_bin.h"
#include "model/native.h"
#include "shapc/model.h"
#include "util/atomic_file.h"

/* ======================================================================================== */
/* saving                                                                                   */
/* ======================================================================================== */

typedef struct writer {
    FILE *fp;
    uint32_t crc;
    int failed;
} writer;

static void put_bytes(writer *w, const void *p, size_t n)
{
    if (w->failed || n == 0)
        return;
    w->crc = shapc__model_bin_crc(w->crc, p, n);
    if (fwrite(p, 1, n, w->fp) != n)
        w->failed = 1;
}

static void encode_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void put_u32(writer *w, uint32_t v)
{
    unsigned char b[4];
    encode_u32(b, v);
    put_bytes(w, b, 4);
}

static void put_u8(writer *w, unsigned v)
{
    unsigned char b = (unsigned char)v;
    put_bytes(w, &b, 1);
}

/* Floats go out through a staging buffer so conversion to little-endian is host-independent. */
static void put_f32s(writer *w, const float *v, size_t n)
{
    unsigned char stage[4096];
    while (n > 0) {
        size_t take = n < sizeof stage / 4 ? n : sizeof stage / 4;
        for (size_t i = 0; i < take; i++) {
            uint32_t u;
            memcpy(&u, &v[i], 4);
            encode_u32(stage + 4 * i, u);
        }
        put_bytes(w, stage, take * 4);
        v += take;
        n -= take;
    }
}

/* Geometry (conv2d, pooling: the resolved out_c) and weights of a validated layer. */
static void write_layer_payload(writer *w, const shapc_layer_spec *ly,
                                const shapc_layer_geometry *geo)
{
    shapc__geom g;
    char why[160];
    (void)shapc__layer_check(ly, geo, &g, why, sizeof why); /* validated: fills g */
    if (ly->kind != SHAPC_LAYER_DENSE && ly->kind != SHAPC_LAYER_FLATTEN) {
        put_u32(w, (uint32_t)g.in_h);
        put_u32(w, (uint32_t)g.in_w);
        put_u32(w, (uint32_t)g.in_c);
        put_u32(w, (uint32_t)g.out_c);
        put_u32(w, (uint32_t)g.kh);
        put_u32(w, (uint32_t)g.kw);
        put_u32(w, (uint32_t)g.stride);
        put_u32(w, ly->kind == SHAPC_LAYER_GLOBAL_AVGPOOL ? 0u : (uint32_t)geo->padding);
    }
    if (shapc__layer_has_weights(ly->kind)) {
        put_f32s(w, ly->weights, shapc__layer_n_weights(ly, &g));
        put_f32s(w, ly->bias, shapc__layer_n_bias(ly, &g));
    }
}

static void write_spec(writer *w, const shapc_model_spec *spec, size_t d,
                       const shapc__model_section *sections, size_t n_sections)
{
    const size_t k = spec->layers[spec->n_layers - 1].n_out;
    put_bytes(w, SHAPC__MODEL_BIN_MAGIC, SHAPC__MODEL_BIN_MAGIC_LEN);
    put_u32(w, SHAPC__MODEL_BIN_VERSION);
    put_u32(w, 0); /* header flags */
    put_u32(w, (uint32_t)spec->input_rank);
    for (size_t i = 0; i < spec->input_rank; i++)
        put_u32(w, (uint32_t)spec->input_shape[i]);
    put_f32s(w, &spec->input_scale, 1);
    put_u8(w, spec->input_offset != NULL);
    if (spec->input_offset)
        put_f32s(w, spec->input_offset, d);
    put_u8(w, spec->input_divisor != NULL);
    if (spec->input_divisor)
        put_f32s(w, spec->input_divisor, d);
    put_u32(w, (uint32_t)spec->n_layers);
    for (size_t l = 0; l < spec->n_layers; l++) {
        const shapc_layer_spec *ly = &spec->layers[l];
        put_u32(w, (uint32_t)ly->kind);
        put_u32(w, (uint32_t)ly->n_in);
        put_u32(w, (uint32_t)ly->n_out);
        put_u32(w, (uint32_t)ly->activation);
        write_layer_payload(w, ly, spec->layer_geometry ? &spec->layer_geometry[l] : NULL);
    }
    put_u32(w, spec->output_names ? (uint32_t)k : 0);
    for (size_t i = 0; spec->output_names && i < k; i++) {
        size_t len = strlen(spec->output_names[i]);
        put_u32(w, (uint32_t)len);
        put_bytes(w, spec->output_names[i], len);
    }
    put_u32(w, (uint32_t)spec->n_background);
    if (spec->n_background > 0)
        put_f32s(w, spec->background, spec->n_background * d);
    put_u8(w, spec->n_background > 0 && spec->background_weights != NULL);
    if (spec->n_background > 0 && spec->background_weights)
        put_f32s(w, spec->background_weights, spec->n_background);
    put_u32(w, (uint32_t)n_sections);
    for (size_t i = 0; i < n_sections; i++) {
        uint64_t len = sections[i].len;
        put_u32(w, sections[i].tag);
        put_u32(w, sections[i].flags);
        put_u32(w, (uint32_t)len);
        put_u32(w, (uint32_t)(len >> 32));
        put_bytes(w, sections[i].payload, sections[i].len);
    }
}

shapc_status shapc_model_save(const char *path, const shapc_model_spec *spec, shapc_error *err)
{
    return shapc__model_save_sections(path, spec, NULL, 0, err);
}

shapc_status shapc__model_save_sections(const char *path, const shapc_model_spec *spec,
                                        const shapc__model_section *sections, size_t n_sections,
                                        shapc_error *err)
{
    shapc__afile af = {0};
    writer w = {0};
    size_t d;
    shapc_status st;
    unsigned char crc[4];
    if (!path)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_save: path is NULL");
    if ((st = shapc__native_validate_spec(spec, &d, err)) != SHAPC_OK) {
        shapc_error_prefix(err, path);
        return st;
    }
    if (n_sections > UINT32_MAX || (n_sections > 0 && !sections))
        return shapc_error_set(err, SHAPC_EINVAL, "%s: invalid extension sections", path);
    if ((st = shapc__afile_open(&af, path, err)) != SHAPC_OK)
        return st;
    w.fp = af.fp;
    write_spec(&w, spec, d, sections, n_sections);
    encode_u32(crc, w.crc);
    if (!w.failed && fwrite(crc, 1, 4, af.fp) != 4)
        w.failed = 1;
    if (w.failed) {
        char ebuf[128];
        int e = errno;
        shapc__afile_abort(&af);
        if (strerror_r(e, ebuf, sizeof ebuf) != 0)
            snprintf(ebuf, sizeof ebuf, "error %d", e);
        return shapc_error_set(err, SHAPC_EIO, "%s: write failed: %s", path, ebuf);
    }
    return shapc__afile_commit(&af, err);
}
