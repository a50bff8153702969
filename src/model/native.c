/* native.c - native networks: spec validation, construction and the batched forward pass.
 *
 * The forward pass handles rows in chunks (at most CHUNK_ROWS, fewer for very wide layers) so
 * scratch stays bounded whatever n the explainer asks for; each dense layer of a chunk is one
 * cblas_sgemm, Y = X W^T with X (rows, n_in) and W (n_out, n_in) both row-major; conv2d and
 * pooling layers run image by image through conv.c. Scratch is
 * allocated per call, so a network may be evaluated from several threads at once. */
#include "model/native.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "model/first_stage.h"
#include "util/alloc.h"

#define CHUNK_ROWS 256
#define SCRATCH_FLOATS_MAX ((size_t)1 << 22) /* per ping-pong buffer: 16 MiB */
#define NAME_MAX_BYTES 4096                  /* output names, as in model.bin */

/* ---- validation ---- */

static const char *nonfinite_word(float v) { return isnan(v) ? "NaN" : "infinite"; }

/* First index of a non-finite value in v[0..n), or n. */
static size_t find_nonfinite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return i;
    return n;
}

static shapc_status validate_layers(const shapc_model_spec *spec, size_t d, shapc_error *err)
{
    size_t prev = d;
    if (spec->n_layers == 0 || !spec->layers)
        return shapc_error_set(err, SHAPC_EINVAL, "model spec: a native model needs >= 1 layer");
    for (size_t l = 0; l < spec->n_layers; l++) {
        const shapc_layer_spec *ly = &spec->layers[l];
        size_t nw, nb, bad;
        shapc__geom g;
        char why[160];
        if (!shapc__layer_kind_name(ly->kind))
            return shapc_error_set(err, SHAPC_EUNSUPPORTED,
                                   "model spec: layer %zu has unsupported kind %d", l,
                                   (int)ly->kind);
        if (ly->n_in == 0 || ly->n_out == 0)
            return shapc_error_set(err, SHAPC_EINVAL, "model spec: layer %zu has size %zu x %zu",
                                   l, ly->n_out, ly->n_in);
        if (ly->n_in > SHAPC__NATIVE_MAX_DIM || ly->n_out > SHAPC__NATIVE_MAX_DIM ||
            !shapc__mul_size(ly->n_in, ly->n_out, &nw) || nw > SIZE_MAX / sizeof(float))
            return shapc_error_set(err, SHAPC_ERANGE,
                                   "model spec: layer %zu size %zu x %zu is too large", l,
                                   ly->n_out, ly->n_in);
        if (ly->n_in != prev) {
            if (l == 0)
                return shapc_error_set(err, SHAPC_ESHAPE,
                                       "model spec: layer 0 takes %zu inputs but the input "
                                       "shape has %zu",
                                       ly->n_in, prev);
            return shapc_error_set(err, SHAPC_ESHAPE,
                                   "model spec: layer %zu takes %zu inputs but layer %zu "
                                   "produces %zu",
                                   l, ly->n_in, l - 1, prev);
        }
        if (!shapc__activation_name(ly->activation))
            return shapc_error_set(err, SHAPC_EINVAL, "model spec: layer %zu has unknown "
                                   "activation %d", l, (int)ly->activation);
        if (!shapc__layer_check(ly, spec->layer_geometry ? &spec->layer_geometry[l] : NULL, &g,
                                why, sizeof why))
            return shapc_error_set(err, SHAPC_EINVAL, "model spec: layer %zu (%s): %s", l,
                                   shapc__layer_kind_name(ly->kind), why);
        prev = ly->n_out;
        if (!shapc__layer_has_weights(ly->kind))
            continue;
        nw = shapc__layer_n_weights(ly, &g);
        nb = shapc__layer_n_bias(ly, &g);
        if (!ly->weights || !ly->bias)
            return shapc_error_set(err, SHAPC_EINVAL, "model spec: layer %zu has no %s", l,
                                   ly->weights ? "bias" : "weights");
        if ((bad = find_nonfinite(ly->weights, nw)) < nw)
            return shapc_error_set(err, SHAPC_ENONFINITE,
                                   "model spec: layer %zu weight [%zu, %zu] is %s", l,
                                   bad / (nw / nb), bad % (nw / nb),
                                   nonfinite_word(ly->weights[bad]));
        if ((bad = find_nonfinite(ly->bias, nb)) < nb)
            return shapc_error_set(err, SHAPC_ENONFINITE, "model spec: layer %zu bias [%zu] is %s",
                                   l, bad, nonfinite_word(ly->bias[bad]));
    }
    return SHAPC_OK;
}

static shapc_status validate_background(const shapc_model_spec *spec, size_t d, shapc_error *err)
{
    size_t n = spec->n_background, total, bad;
    double sum = 0.0;
    if (n == 0)
        return SHAPC_OK;
    if (n > 0xffffffffu || !shapc__mul_size(n, d, &total) || total > SIZE_MAX / sizeof(float))
        return shapc_error_set(err, SHAPC_ERANGE, "model spec: background of %zu rows is too "
                               "large", n);
    if (!spec->background)
        return shapc_error_set(err, SHAPC_EINVAL, "model spec: n_background is %zu but "
                               "background is NULL", n);
    if ((bad = find_nonfinite(spec->background, total)) < total)
        return shapc_error_set(err, SHAPC_ENONFINITE,
                               "model spec: background row %zu, column %zu is %s", bad / d,
                               bad % d, nonfinite_word(spec->background[bad]));
    if (!spec->background_weights)
        return SHAPC_OK;
    for (size_t i = 0; i < n; i++) {
        float w = spec->background_weights[i];
        if (!isfinite(w))
            return shapc_error_set(err, SHAPC_ENONFINITE,
                                   "model spec: background weight %zu is %s", i,
                                   nonfinite_word(w));
        if (w < 0.0f)
            return shapc_error_set(err, SHAPC_EINVAL,
                                   "model spec: background weight %zu is negative (%g)", i,
                                   (double)w);
        sum += (double)w;
    }
    if (!(sum > 0.0))
        return shapc_error_set(err, SHAPC_EINVAL, "model spec: background weights sum to 0");
    return SHAPC_OK;
}

shapc_status shapc__native_validate_spec(const shapc_model_spec *spec, size_t *d_out,
                                         shapc_error *err)
{
    size_t d = 1, k, bad;
    shapc_status st;
    if (!spec)
        return shapc_error_set(err, SHAPC_EINVAL, "model spec is NULL");
    if (spec->size != sizeof *spec)
        return shapc_error_set(err, SHAPC_EINVAL, "model spec of size %zu: initialise it with "
                               "shapc_model_spec_default()", spec->size);
    if (spec->input_rank < 1 || spec->input_rank > 4)
        return shapc_error_set(err, SHAPC_EINVAL, "model spec: input rank %zu is not in 1..4",
                               spec->input_rank);
    for (size_t i = 0; i < spec->input_rank; i++) {
        if (spec->input_shape[i] == 0)
            return shapc_error_set(err, SHAPC_EINVAL, "model spec: input dimension %zu is 0", i);
        if (!shapc__mul_size(d, spec->input_shape[i], &d) || d > SHAPC__NATIVE_MAX_DIM)
            return shapc_error_set(err, SHAPC_ERANGE, "model spec: input shape is too large");
    }
    if (!isfinite(spec->input_scale))
        return shapc_error_set(err, SHAPC_ENONFINITE, "model spec: input_scale is %s",
                               nonfinite_word(spec->input_scale));
    if (spec->input_offset && (bad = find_nonfinite(spec->input_offset, d)) < d)
        return shapc_error_set(err, SHAPC_ENONFINITE, "model spec: input_offset[%zu] is %s", bad,
                               nonfinite_word(spec->input_offset[bad]));
    if (spec->input_divisor) {
        for (size_t i = 0; i < d; i++) {
            float v = spec->input_divisor[i];
            if (!isfinite(v))
                return shapc_error_set(err, SHAPC_ENONFINITE,
                                       "model spec: input_divisor[%zu] is %s", i,
                                       nonfinite_word(v));
            if (v == 0.0f)
                return shapc_error_set(err, SHAPC_EINVAL, "model spec: input_divisor[%zu] is 0",
                                       i);
        }
    }
    if ((st = validate_layers(spec, d, err)) != SHAPC_OK)
        return st;
    k = spec->layers[spec->n_layers - 1].n_out;
    if (spec->output_names) {
        for (size_t i = 0; i < k; i++) {
            if (!spec->output_names[i])
                return shapc_error_set(err, SHAPC_EINVAL, "model spec: output name %zu is NULL",
                                       i);
            if (strlen(spec->output_names[i]) > NAME_MAX_BYTES)
                return shapc_error_set(err, SHAPC_EINVAL,
                                       "model spec: output name %zu is longer than %d bytes", i,
                                       NAME_MAX_BYTES);
        }
    }
    if ((st = validate_background(spec, d, err)) != SHAPC_OK)
        return st;
    if (d_out)
        *d_out = d;
    return SHAPC_OK;
}

/* ---- construction ---- */

static float *dup_floats(const float *src, size_t n)
{
    float *p = shapc__malloc(n * sizeof *p); /* n * 4 checked by validation */
    if (p)
        memcpy(p, src, n * sizeof *p);
    return p;
}

void shapc__native_net_free(void *p)
{
    shapc__native_net *net = p;
    if (!net)
        return;
    if (net->layers) {
        for (size_t l = 0; l < net->n_layers; l++) {
            shapc__free(net->layers[l].weights);
            shapc__free(net->layers[l].bias);
        }
    }
    shapc__free(net->layers);
    shapc__free(net->w1t);
    shapc__free(net->input_offset);
    shapc__free(net->input_divisor);
    shapc__free(net);
}

shapc_status shapc__native_net_create(const shapc_model_spec *spec, shapc__native_net **out,
                                      shapc_error *err)
{
    shapc__native_net *net;
    size_t d = spec->layers[0].n_in;
    *out = NULL;
    net = shapc__calloc(1, sizeof *net);
    if (!net)
        goto nomem;
    net->d = d;
    net->k = spec->layers[spec->n_layers - 1].n_out;
    net->input_scale = spec->input_scale;
    net->max_width = d;
    if (spec->input_offset && !(net->input_offset = dup_floats(spec->input_offset, d)))
        goto nomem;
    if (spec->input_divisor && !(net->input_divisor = dup_floats(spec->input_divisor, d)))
        goto nomem;
    net->layers = shapc__calloc(spec->n_layers, sizeof *net->layers);
    if (!net->layers)
        goto nomem;
    net->n_layers = spec->n_layers;
    for (size_t l = 0; l < spec->n_layers; l++) {
        const shapc_layer_spec *src = &spec->layers[l];
        shapc__dense_layer *dst = &net->layers[l];
        char why[160];
        dst->n_in = src->n_in;
        dst->n_out = src->n_out;
        dst->activation = src->activation;
        dst->kind = src->kind;
        /* validated already: this only fills geom */
        (void)shapc__layer_check(src, spec->layer_geometry ? &spec->layer_geometry[l] : NULL,
                                 &dst->geom, why, sizeof why);
        if (shapc__layer_has_weights(src->kind)) {
            dst->weights = dup_floats(src->weights, shapc__layer_n_weights(src, &dst->geom));
            dst->bias = dup_floats(src->bias, shapc__layer_n_bias(src, &dst->geom));
            if (!dst->weights || !dst->bias)
                goto nomem;
        }
        if (src->kind == SHAPC_LAYER_CONV2D && shapc__conv_col_floats(&dst->geom) >
                                                   net->col_floats)
            net->col_floats = shapc__conv_col_floats(&dst->geom);
        if (src->n_out > net->max_width)
            net->max_width = src->n_out;
    }
    /* W1^T (d, h1): row f is feature f's contribution to the first layer, contiguous for the
     * masked-evaluation fast path - which only exists for a dense first layer. */
    const shapc__dense_layer *first = &net->layers[0];
    if (first->kind != SHAPC_LAYER_DENSE) {
        *out = net;
        return SHAPC_OK;
    }
    net->w1t = shapc__malloc(first->n_in * first->n_out * sizeof *net->w1t);
    if (!net->w1t)
        goto nomem;
    for (size_t o = 0; o < first->n_out; o++)
        for (size_t i = 0; i < first->n_in; i++)
            net->w1t[i * first->n_out + o] = first->weights[o * first->n_in + i];
    *out = net;
    return SHAPC_OK;
nomem:
    shapc__native_net_free(net);
    return shapc_error_set(err, SHAPC_ENOMEM, "native model: out of memory copying the network");
}

/* ---- forward pass ---- */

/* dst (rows, n_out) = cur W^T + bias for a dense layer. dst starts as the bias and the GEMM
 * adds to it (beta = 1): with beta = 0 OpenBLAS first clears dst column by column of its
 * column-major view - one memset per row, of 40 bytes for a 10-class output - and the bias
 * would take another pass. */
static void dense_affine(const shapc__dense_layer *ly, const float *cur, size_t rows, float *dst)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < ly->n_out; j++)
            dst[r * ly->n_out + j] = ly->bias[j];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)ly->n_out,
                (int)ly->n_in, 1.0f, cur, (int)ly->n_in, ly->weights, (int)ly->n_in, 1.0f, dst,
                (int)ly->n_out);
}

/* One layer over rows: cur (rows, n_in) -> dst (rows, n_out), activation included; col holds
 * net->col_floats floats for conv2d. */
static void run_layer(const shapc__dense_layer *ly, const float *cur, size_t rows, float *dst,
                      float *col)
{
    const shapc__geom *g = &ly->geom;
    switch (ly->kind) {
    case SHAPC_LAYER_DENSE:
        dense_affine(ly, cur, rows, dst);
        shapc__activate_rows(ly->activation, dst, rows, ly->n_out);
        return;
    case SHAPC_LAYER_CONV2D:
        for (size_t r = 0; r < rows; r++)
            shapc__conv2d_image(g, ly->weights, ly->bias, cur + r * ly->n_in,
                                dst + r * ly->n_out, col);
        shapc__activate_rows(ly->activation, dst, rows, ly->n_out);
        return;
    case SHAPC_LAYER_MAXPOOL:
        for (size_t r = 0; r < rows; r++)
            shapc__maxpool_image(g, cur + r * ly->n_in, dst + r * ly->n_out);
        return;
    case SHAPC_LAYER_AVGPOOL:
        for (size_t r = 0; r < rows; r++)
            shapc__avgpool_image(g, cur + r * ly->n_in, dst + r * ly->n_out);
        return;
    case SHAPC_LAYER_GLOBAL_AVGPOOL:
        for (size_t r = 0; r < rows; r++)
            shapc__global_avgpool_image(g, cur + r * ly->n_in, dst + r * ly->n_out);
        return;
    case SHAPC_LAYER_FLATTEN:
        if (dst != cur)
            memcpy(dst, cur, rows * ly->n_in * sizeof *dst);
        return;
    }
}

void shapc__native_preprocess(const shapc__native_net *net, const float *x, size_t rows,
                              float *dst)
{
    const size_t d = net->d;
    for (size_t r = 0; r < rows; r++) {
        const float *xi = x + r * d;
        float *yi = dst + r * d;
        for (size_t i = 0; i < d; i++) {
            float v = xi[i] * net->input_scale;
            if (net->input_offset)
                v -= net->input_offset[i];
            if (net->input_divisor)
                v /= net->input_divisor[i];
            yi[i] = v;
        }
    }
}

shapc_status shapc__native_predict(void *user, const float *x, size_t n, float *out,
                                   shapc_error *err)
{
    const shapc__native_net *net = user;
    size_t chunk = CHUNK_ROWS, floats;
    float *buf_a, *buf_b, *col = NULL;
    if (n == 0)
        return SHAPC_OK;
    if (net->max_width > SCRATCH_FLOATS_MAX / chunk) {
        chunk = SCRATCH_FLOATS_MAX / net->max_width;
        if (chunk == 0)
            chunk = 1;
    }
    if (chunk > n)
        chunk = n;
    floats = chunk * net->max_width; /* <= max(SCRATCH_FLOATS_MAX, max_width) */
    buf_a = shapc__malloc(floats * sizeof *buf_a);
    buf_b = shapc__malloc(floats * sizeof *buf_b);
    if (net->col_floats > 0)
        col = shapc__malloc(net->col_floats * sizeof *col);
    if (!buf_a || !buf_b || (net->col_floats > 0 && !col)) {
        shapc__free(buf_a);
        shapc__free(buf_b);
        shapc__free(col);
        return shapc_error_set(err, SHAPC_ENOMEM, "native model: out of memory for scratch");
    }
    for (size_t r0 = 0; r0 < n; r0 += chunk) {
        const size_t rows = n - r0 < chunk ? n - r0 : chunk;
        const float *cur = buf_a;
        shapc__native_preprocess(net, x + r0 * net->d, rows, buf_a);
        for (size_t l = 0; l < net->n_layers; l++) {
            const shapc__dense_layer *ly = &net->layers[l];
            /* The last layer writes straight into the caller's rows. */
            float *dst = l + 1 == net->n_layers ? out + r0 * net->k
                                                : (cur == buf_a ? buf_b : buf_a);
            run_layer(ly, cur, rows, dst, col);
            cur = dst;
        }
    }
    shapc__free(buf_a);
    shapc__free(buf_b);
    shapc__free(col);
    return SHAPC_OK;
}

/* ---- pieces for masked evaluation (see native.h) ---- */

void shapc__native_first_preact(const shapc__native_net *net, const float *xp, size_t rows,
                                float *pre)
{
    dense_affine(&net->layers[0], xp, rows, pre);
}

size_t shapc__native_tail_scratch(const shapc__native_net *net)
{
    size_t w = 0;
    for (size_t l = 1; l < net->n_layers; l++)
        if (net->layers[l].n_out > w)
            w = net->layers[l].n_out;
    return 2 * w + net->col_floats;
}

void shapc__native_activate_first(const shapc__native_net *net, float *pre, size_t rows)
{
    shapc__activate_rows(net->layers[0].activation, pre, rows, net->layers[0].n_out);
}

void shapc__native_forward_from_hidden(const shapc__native_net *net, const float *hid,
                                       size_t rows, float *out, float *scratch)
{
    if (net->n_layers == 1) {
        memcpy(out, hid, rows * net->k * sizeof *out);
        return;
    }
    const size_t half = (shapc__native_tail_scratch(net) - net->col_floats) / 2 * rows;
    float *bufs[2] = {scratch, scratch + half};
    float *col = scratch + 2 * half;
    const float *cur = hid;
    for (size_t l = 1; l < net->n_layers; l++) {
        const shapc__dense_layer *ly = &net->layers[l];
        float *dst = l + 1 == net->n_layers ? out : bufs[l % 2];
        run_layer(ly, cur, rows, dst, col);
        cur = dst;
    }
}

void shapc__native_forward_from_preact(const shapc__native_net *net, float *pre, size_t rows,
                                       float *out, float *scratch)
{
    shapc__native_activate_first(net, pre, rows);
    shapc__native_forward_from_hidden(net, pre, rows, out, scratch);
}

/* ---- the first-stage capability (first_stage.h) ---- */

static void stage_preprocess(const void *ctx, const float *x, size_t rows, float *xp)
{
    shapc__native_preprocess(ctx, x, rows, xp);
}

static void stage_preact(const void *ctx, const float *xp, size_t rows, float *pre)
{
    shapc__native_first_preact(ctx, xp, rows, pre);
}

static void stage_activate(const void *ctx, float *pre, size_t rows)
{
    shapc__native_activate_first(ctx, pre, rows);
}

static shapc_status stage_finish(const void *ctx, const float *hid, size_t rows, float *out,
                                 float *scratch, shapc_error *err)
{
    (void)err;
    shapc__native_forward_from_hidden(ctx, hid, rows, out, scratch);
    return SHAPC_OK;
}

int shapc__native_first_stage(const shapc__native_net *net, shapc__first_stage *out)
{
    if (net->layers[0].kind != SHAPC_LAYER_DENSE || !net->w1t)
        return 0;
    shapc__first_stage s = {
        .d = net->d,
        .h = net->layers[0].n_out,
        .wt = net->w1t,
        .relu = net->layers[0].activation == SHAPC_ACT_RELU,
        .tail_scratch = shapc__native_tail_scratch(net),
        .ctx = net,
        .preprocess = stage_preprocess,
        .preact = stage_preact,
        .activate = stage_activate,
        .finish = stage_finish,
    };
    *out = s;
    return 1;
}
