/* onnx_model.c - an ONNX file as a shapc_model (include/shapc/model.h, docs/onnx.md).
 *
 * The graph must have one runtime input and one output, both with the batch as their
 * leading axis. A row of the model is one batch entry of the input, flattened: d = the
 * product of the other input dims, k = the product of the other output dims. NCHW image
 * inputs take shapc's channels-last (H, W, C) rows, so the input shape metadata is (H, W, C)
 * and the graph is compiled with its input stored NHWC (onnx_plan.c converts, or not at all
 * when the first operator is a convolution). int64 inputs are token ids: the float rows hold
 * ids, -1 marking an empty slot (the pad id when the file names one).
 *
 * A graph exported with a fixed batch size whose shape arithmetic cannot be generalised (a
 * Reshape to a constant "1, 784") is compiled again as is and run that many rows at a time.
 *
 * Metadata (ModelProto.metadata_props) the loader reads: "shapc.output_names" (class names,
 * one per line) and, for text models, the keys of onnx_text.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/model_bin.h"
#include "model/model_impl.h"
#include "model/onnx_model.h"
#include "model/onnx_text.h"
#include "util/alloc.h"

#define CHUNK_BYTES ((size_t)16 << 20) /* scratch a run may use: rows per run follow */
#define MAX_CHUNK 1024
#define MAX_ROW_BYTES ((size_t)256 << 20) /* scratch per row beyond which a model is refused */
#define MAX_FILE_BYTES ((size_t)2 << 30)

int shapc__onnx_sniff(const void *data, size_t len)
{
    return len >= 2 && ((const unsigned char *)data)[0] == 0x08;
}

/* Names in messages come from the file: control characters (a newline in a node name)
 * become '?', so every message stays one line. */
static shapc_status one_line(shapc_error *err, shapc_status st)
{
    if (err && st != SHAPC_OK)
        for (char *p = err->message; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
    return st;
}

static void om_free(void *user)
{
    shapc__onnx_model *om = user;
    if (!om)
        return;
    shapc__ox_graph_free(om->g);
    shapc__free(om->wt);
    shapc__free(om->bias);
    shapc__free(om->perm);
    shapc__free(om);
}

/* Elements per batch row of value v (dims linear in the batch with one batch axis). */
static size_t per_row(const shapc__ox_value *v) { return shapc__ox_count(v, 2) - shapc__ox_count(v, 1); }

static size_t esize(const shapc__ox_value *v) { return v->dtype == SHAPC__OX_I64 ? 8 : 4; }

shapc_status shapc__onnx_run_rows(const shapc__onnx_model *om, size_t start, size_t end,
                                  int bind_value, const void *in, int fetch_value, void *out,
                                  size_t n, shapc_error *err)
{
    const shapc__ox_value *bv = &om->g->values[bind_value], *fv = &om->g->values[fetch_value];
    const size_t bin = per_row(bv) * esize(bv), bout = per_row(fv) * esize(fv);
    shapc__ox_ws ws;
    shapc_status st = SHAPC_OK;
    memset(&ws, 0, sizeof ws);
    for (size_t r0 = 0; r0 < n && st == SHAPC_OK; r0 += om->chunk) {
        const size_t m = n - r0 < om->chunk ? n - r0 : om->chunk;
        shapc__ox_bind b = {bind_value, (const unsigned char *)in + r0 * bin};
        shapc__ox_fetch f = {fetch_value, (unsigned char *)out + r0 * bout};
        st = shapc__ox_execute(om->g, &ws, m, start, end, 1, &b, 1, &f, err);
    }
    shapc__ox_ws_free(&ws);
    return one_line(err, st);
}

/* Float rows of token ids -> int64, -1 becoming the pad id. */
static shapc_status to_ids(const shapc__onnx_model *om, const float *x, size_t rows,
                           size_t row0, int64_t *ids, shapc_error *err)
{
    for (size_t i = 0; i < rows * om->d; i++) {
        float v = x[i];
        if (v == -1.0f && om->pad_id >= 0) {
            ids[i] = om->pad_id;
        } else if (!(v >= 0.0f && v <= 16777216.0f) || v != floorf(v)) {
            return shapc_error_set(err, SHAPC_EMODEL, "onnx model: row %zu slot %zu holds %g, "
                                   "not a token id%s", row0 + i / om->d, i % om->d, (double)v,
                                   om->pad_id >= 0 ? " or -1" : "");
        } else {
            ids[i] = (int64_t)v;
        }
    }
    return SHAPC_OK;
}

static shapc_status onnx_predict(void *user, const float *x, size_t n, float *out,
                                 shapc_error *err)
{
    const shapc__onnx_model *om = user;
    const size_t step = om->fixed ? om->fixed : om->chunk;
    int64_t *ids = NULL;
    float *pad_in = NULL, *pad_out = NULL;
    shapc__ox_ws ws;
    shapc_status st = SHAPC_OK;
    if (!om->ids && !om->fixed)
        return shapc__onnx_run_rows(om, 0, om->g->n_order, om->in_v, x, om->out_v, out, n, err);
    memset(&ws, 0, sizeof ws);
    if ((om->ids && !(ids = shapc__malloc(step * om->d * sizeof *ids + 1))) ||
        (om->fixed && (!(pad_in = shapc__malloc(step * om->d * sizeof *pad_in + 1)) ||
                       !(pad_out = shapc__malloc(step * om->k * sizeof *pad_out + 1))))) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "onnx model: out of memory");
        goto done;
    }
    for (size_t r0 = 0; r0 < n && st == SHAPC_OK; r0 += step) {
        const size_t m = n - r0 < step ? n - r0 : step, run = om->fixed ? om->fixed : m;
        const float *rows = x + r0 * om->d;
        float *dst = out + r0 * om->k;
        if (om->fixed && m < run) {
            /* a short last batch: repeat its last row (rows of a batch never mix) */
            for (size_t r = 0; r < run; r++)
                memcpy(pad_in + r * om->d, rows + (r < m ? r : m - 1) * om->d,
                       om->d * sizeof *pad_in);
            rows = pad_in;
            dst = pad_out;
        }
        if (om->ids && (st = to_ids(om, rows, run, r0, ids, err)) != SHAPC_OK)
            break;
        shapc__ox_bind b = {om->in_v, om->ids ? (const void *)ids : (const void *)rows};
        shapc__ox_fetch f = {om->out_v, dst};
        st = shapc__ox_execute(om->g, &ws, run, 0, om->g->n_order, 1, &b, 1, &f, err);
        if (st == SHAPC_OK && dst == pad_out)
            memcpy(out + r0 * om->k, pad_out, m * om->k * sizeof *out);
    }
done:
    shapc__ox_ws_free(&ws);
    shapc__free(ids);
    shapc__free(pad_in);
    shapc__free(pad_out);
    return one_line(err, st);
}

/* ======================================================================================== */
/* loading                                                                                  */
/* ======================================================================================== */

/* dims[1..] plain numbers, dims[0] the batch (symbolic) or `fixed`; *per = their product. */
static shapc_status batch_dims(const shapc__ox_graph *g, const shapc__ox_value *v, size_t fixed,
                               const char *what, size_t *per, shapc_error *err)
{
    size_t p = 1;
    if (v->rank == 0 || (fixed ? !shapc__sd_is(v->dim[0], (int64_t)fixed)
                               : !(v->dim[0].a == 1 && v->dim[0].b == 0)))
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: %s '%s' does not have the batch "
                               "as its first dimension", g->path, what, v->name);
    for (size_t r = 1; r < v->rank; r++) {
        if (v->dim[r].a != 0 || v->dim[r].b <= 0 || !shapc__mul_size(p, (size_t)v->dim[r].b, &p))
            return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: %s '%s' dimension %zu is %s",
                                   g->path, what, v->name, r,
                                   v->dim[r].a ? "the batch size again" : "empty");
    }
    if (p > (size_t)SHAPC__OX_MAX_ELEMS)
        return shapc_error_set(err, SHAPC_ERANGE, "%s: %s '%s' has more than 2^28 values per "
                               "row", g->path, what, v->name);
    *per = p;
    return SHAPC_OK;
}

/* Parses and compiles; a fixed-batch graph whose compilation with a symbolic batch fails is
 * compiled again with its own batch size (*fixed set). */
static shapc_status build_graph(const void *data, size_t len, const char *name,
                                shapc__ox_graph **out, size_t *fixed, shapc_error *err)
{
    shapc__ox_graph *g = NULL;
    shapc_status st;
    int64_t declared;
    shapc__ox_compile_opts o = {1, 0};
    *out = NULL;
    *fixed = 0;
    if ((st = shapc__ox_parse(data, len, name, &g, err)) != SHAPC_OK)
        return st;
    if (g->n_inputs != 1 || g->n_outputs != 1) {
        st = shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: the graph has %zu runtime inputs "
                             "and %zu outputs: shapc explains models with one of each", name,
                             g->n_inputs, g->n_outputs);
        shapc__ox_graph_free(g);
        return st;
    }
    const shapc__ox_value *in = &g->values[g->inputs[0]];
    declared = in->rank ? in->dim[0].b : -1;
    o.input_nhwc = in->rank == 4 && in->dtype == SHAPC__OX_F32;
    if ((st = shapc__ox_compile(g, &o, err)) == SHAPC_OK) {
        *out = g;
        return SHAPC_OK;
    }
    shapc__ox_graph_free(g);
    if (declared < 1 || st == SHAPC_ENOMEM)
        return st;
    if ((st = shapc__ox_parse(data, len, name, &g, err)) != SHAPC_OK)
        return st;
    o.batch_symbolic = 0;
    if ((st = shapc__ox_compile(g, &o, err)) != SHAPC_OK) {
        shapc__ox_graph_free(g);
        return st;
    }
    *fixed = (size_t)declared;
    *out = g;
    return SHAPC_OK;
}

/* Output names from "shapc.output_names": k lines. */
static shapc_status set_names(shapc_model *m, const shapc__onnx_model *om, shapc_error *err)
{
    const char *meta = shapc__ox_meta(om->g, "shapc.output_names");
    char *copy, **names, *p;
    size_t n = 0;
    shapc_status st;
    if (!meta)
        return SHAPC_OK;
    if (!(copy = shapc__strdup(meta)) || !(names = shapc__calloc(om->k + 1, sizeof *names))) {
        shapc__free(copy);
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", om->g->path);
    }
    for (p = copy; n <= om->k; n++) {
        names[n] = p;
        if (!(p = strchr(p, '\n'))) {
            n++;
            break;
        }
        *p++ = '\0';
    }
    if (n != om->k)
        st = shapc_error_set(err, SHAPC_EFORMAT, "%s: metadata shapc.output_names has %zu "
                             "names for %zu outputs", om->g->path, n, om->k);
    else if ((st = shapc_model_set_output_names(m, (const char *const *)names, err)) != SHAPC_OK)
        shapc_error_prefix(err, om->g->path);
    shapc__free(names);
    shapc__free(copy);
    return st;
}

/* Input shape metadata: (H, W, C) for NCHW images, (a, b) for rank 3, else (d). */
static shapc_status set_shape(shapc_model *m, const shapc__onnx_model *om, shapc_error *err)
{
    const shapc__ox_value *v = &om->g->values[om->in_v];
    size_t shape[3];
    if (v->rank == 4 && !om->ids) {
        shape[0] = (size_t)v->dim[2].b;
        shape[1] = (size_t)v->dim[3].b;
        shape[2] = (size_t)v->dim[1].b;
        return shapc_model_set_input_shape(m, 3, shape, err);
    }
    if (v->rank == 3 && !om->ids) {
        shape[0] = (size_t)v->dim[1].b;
        shape[1] = (size_t)v->dim[2].b;
        return shapc_model_set_input_shape(m, 2, shape, err);
    }
    return SHAPC_OK; /* (d) is the default */
}

static shapc_status finish_model(shapc_model *m, shapc__onnx_model *om, shapc_error *err)
{
    char label[96];
    shapc__first_stage stage;
    shapc_status st;
    int found;
    if ((st = set_shape(m, om, err)) != SHAPC_OK) {
        shapc_error_prefix(err, om->g->path);
        return st;
    }
    if ((st = set_names(m, om, err)) != SHAPC_OK)
        return st;
    snprintf(label, sizeof label, "onnx opset %lld, %zu nodes%s", (long long)om->g->opset,
             om->g->n_order, om->fixed ? ", fixed batch" : "");
    if (shapc__model_set_kind_label(m, label) != SHAPC_OK)
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", om->g->path);
    if (!om->fixed && !om->ids) {
        if ((found = shapc__onnx_stage_detect(om, &stage)) < 0)
            return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", om->g->path);
        if (found && (st = shapc__model_set_first_stage(m, &stage, err)) != SHAPC_OK) {
            shapc_error_prefix(err, om->g->path);
            return st;
        }
    }
    return SHAPC_OK;
}

shapc_status shapc__onnx_model_load_mem(const void *data, size_t len, const char *name,
                                        shapc_model **out, shapc_error *err)
{
    shapc__onnx_model *om;
    shapc_model *m = NULL;
    shapc_status st;
    size_t a1, a2, row;
    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_load_onnx: out is NULL");
    *out = NULL;
    if (!name)
        name = "<memory>";
    if (!data && len > 0)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: data is NULL", name);
    if (len > MAX_FILE_BYTES)
        return shapc_error_set(err, SHAPC_ERANGE, "%s: %zu bytes exceeds the 2 GiB model limit",
                               name, len);
    if (!(om = shapc__calloc(1, sizeof *om)))
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", name);
    om->act_pos = -1;
    om->pad_id = -1;
    if ((st = build_graph(data, len, name, &om->g, &om->fixed, err)) != SHAPC_OK)
        goto fail;
    om->in_v = om->g->inputs[0];
    om->out_v = om->g->outputs[0];
    om->ids = om->g->values[om->in_v].dtype == SHAPC__OX_I64;
    if ((st = batch_dims(om->g, &om->g->values[om->in_v], om->fixed, "input", &om->d, err)) !=
            SHAPC_OK ||
        (st = batch_dims(om->g, &om->g->values[om->out_v], om->fixed, "output", &om->k, err)) !=
            SHAPC_OK)
        goto fail;
    if (om->g->values[om->out_v].dtype != SHAPC__OX_F32) {
        st = shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: output '%s' is not FLOAT", name,
                             om->g->values[om->out_v].name);
        goto fail;
    }
    /* scratch per row, measured on the plan: refused before anything of that size exists */
    a1 = shapc__ox_arena_bytes(om->g, om->fixed ? om->fixed : 1, 0);
    a2 = om->fixed ? a1 : shapc__ox_arena_bytes(om->g, 2, 0);
    row = a2 >= a1 ? a2 - a1 : a1;
    if (a1 == SIZE_MAX || a2 == SIZE_MAX || row > MAX_ROW_BYTES || a1 > MAX_ROW_BYTES) {
        st = shapc_error_set(err, SHAPC_ERANGE, "%s: the graph needs more than 256 MiB of scratch "
                             "per row", name);
        goto fail;
    }
    om->chunk = om->fixed ? om->fixed : (row ? CHUNK_BYTES / row : MAX_CHUNK);
    om->chunk = om->chunk < 1 ? 1 : om->chunk > MAX_CHUNK ? MAX_CHUNK : om->chunk;
    if ((st = shapc__onnx_text_setup(om, err)) != SHAPC_OK)
        goto fail;
    if ((st = shapc_model_create(om->d, om->k, onnx_predict, om, om_free, &m, err)) != SHAPC_OK) {
        shapc_error_prefix(err, name);
        goto fail;
    }
    if ((st = finish_model(m, om, err)) != SHAPC_OK) {
        shapc_model_free(m);
        return one_line(err, st);
    }
    if ((st = shapc__onnx_text_wrap(&m, err)) != SHAPC_OK)
        return one_line(err, st);
    *out = m;
    return SHAPC_OK;
fail:
    om_free(om);
    return one_line(err, st);
}

shapc_status shapc_model_load_onnx(const char *path, shapc_model **out, shapc_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    shapc_status st;
    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_load_onnx: out is NULL");
    *out = NULL;
    if (!path)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_load_onnx: path is NULL");
    if ((st = shapc__model_read_file(path, &buf, &len, err)) != SHAPC_OK)
        return st;
    st = shapc__onnx_model_load_mem(buf, len, path, out, err);
    shapc__free(buf);
    return st;
}
