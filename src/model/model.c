/* model.c - the model adapter: callback wrapping, the guarded predict, metadata (input shape,
 * output names, embedded background), descriptions, and native models built from a spec.
 *
 * shapc_model_predict is the single gate between the explainer and any model: it checks the
 * arguments, runs the callback with a private error record (so an empty message can be told
 * apart and replaced by a generic one) and rejects NaN/Inf outputs, which would otherwise
 * poison the least-squares fit silently. */
#include "model/model_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/conv.h"
#include "model/first_stage.h"
#include "model/native.h"
#include "util/alloc.h"

/* ---- small growable string for descriptions ---- */

typedef struct strbuf {
    char *s;
    size_t len, cap;
    int failed;
} strbuf;

static void sb_printf(strbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (sb->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->failed = 1;
        return;
    }
    if (sb->len + (size_t)n + 1 > sb->cap) {
        size_t cap = (sb->len + (size_t)n + 1) * 2;
        char *p = shapc__realloc(sb->s, cap);
        if (!p) {
            sb->failed = 1;
            return;
        }
        sb->s = p;
        sb->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

/* "native: 28x28x1 -> dense 128 relu -> dense 10 softmax" or "callback: 5 -> 2". NULL on
 * out-of-memory. */
static char *build_describe(const shapc_model *m, size_t rank, const size_t *shape)
{
    strbuf sb = {0};
    sb_printf(&sb, "%s: ", m->kind_label ? m->kind_label : m->native ? "native" : "callback");
    for (size_t i = 0; i < rank; i++)
        sb_printf(&sb, i ? "x%zu" : "%zu", shape[i]);
    if (m->native) {
        for (size_t l = 0; l < m->native->n_layers; l++) {
            const shapc__dense_layer *ly = &m->native->layers[l];
            sb_printf(&sb, " -> %s %zu %s", shapc__layer_kind_name(ly->kind), ly->n_out,
                      shapc__activation_name(ly->activation));
        }
    } else {
        sb_printf(&sb, " -> %zu", m->k);
    }
    if (sb.failed) {
        shapc__free(sb.s);
        return NULL;
    }
    return sb.s;
}

shapc_status shapc__model_set_kind_label(shapc_model *model, const char *label)
{
    char *copy = shapc__strdup(label), *old = model->kind_label;
    if (!copy)
        return SHAPC_ENOMEM;
    model->kind_label = copy;
    char *desc = build_describe(model, model->input_rank, model->input_shape);
    if (!desc) {
        model->kind_label = old;
        shapc__free(copy);
        return SHAPC_ENOMEM;
    }
    shapc__free(old);
    shapc__free(model->describe);
    model->describe = desc;
    return SHAPC_OK;
}

/* ---- output names ---- */

static void free_names(char **names, size_t k)
{
    if (!names)
        return;
    for (size_t i = 0; i < k; i++)
        shapc__free(names[i]);
    shapc__free(names);
}

/* k owned copies of names, or "0", "1", ... when names is NULL. NULL on out-of-memory. */
static char **make_names(const char *const *names, size_t k)
{
    char **out = shapc__calloc(k, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < k; i++) {
        if (names) {
            out[i] = shapc__strdup(names[i]);
        } else {
            char tmp[32];
            snprintf(tmp, sizeof tmp, "%zu", i);
            out[i] = shapc__strdup(tmp);
        }
        if (!out[i]) {
            free_names(out, k);
            return NULL;
        }
    }
    return out;
}

/* ---- life cycle ---- */

shapc_status shapc_model_create(size_t d, size_t k, shapc_predict_fn predict, void *user,
                                void (*user_free)(void *), shapc_model **out, shapc_error *err)
{
    shapc_model *m;
    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_create: out is NULL");
    *out = NULL;
    if (d == 0 || k == 0)
        return shapc_error_set(err, SHAPC_EINVAL,
                               "shapc_model_create: d and k must be >= 1 (got %zu, %zu)", d, k);
    if (!predict)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_create: predict is NULL");
    if (k > SIZE_MAX / sizeof(char *))
        return shapc_error_set(err, SHAPC_ERANGE, "shapc_model_create: k = %zu is too large", k);
    m = shapc__calloc(1, sizeof *m);
    if (!m)
        return shapc_error_set(err, SHAPC_ENOMEM, "shapc_model_create: out of memory");
    m->d = d;
    m->k = k;
    m->predict = predict;
    m->input_rank = 1;
    m->input_shape[0] = d;
    m->output_names = make_names(NULL, k);
    m->describe = build_describe(m, m->input_rank, m->input_shape);
    if (!m->output_names || !m->describe) {
        shapc_model_free(m); /* user not yet attached: the caller keeps it */
        return shapc_error_set(err, SHAPC_ENOMEM, "shapc_model_create: out of memory");
    }
    m->user = user;
    m->user_free = user_free;
    *out = m;
    return SHAPC_OK;
}

void shapc_model_free(shapc_model *model)
{
    if (!model)
        return;
    if (model->user_free)
        model->user_free(model->user);
    free_names(model->output_names, model->k);
    shapc_array_free(model->background);
    shapc__free(model->background_weights);
    shapc__free(model->describe);
    shapc__free(model->kind_label);
    shapc__free(model->first_stage);
    shapc__free(model);
}

/* ---- prediction ---- */

shapc_status shapc_model_predict(const shapc_model *model, const float *x, size_t n, float *out,
                                 shapc_error *err)
{
    shapc_error cb = {SHAPC_OK, {0}};
    shapc_status st;
    size_t total;
    if (!model)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_predict: model is NULL");
    if (n == 0)
        return SHAPC_OK;
    if (!x || !out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_predict: %s is NULL",
                               x ? "out" : "x");
    if (!shapc__mul_size(n, model->d, &total) || !shapc__mul_size(n, model->k, &total))
        return shapc_error_set(err, SHAPC_ERANGE, "shapc_model_predict: %zu rows overflow", n);
    st = model->predict(model->user, x, n, out, &cb);
    if (st != SHAPC_OK) {
        if ((int)st < 0 || st >= SHAPC_STATUS_COUNT_)
            st = SHAPC_EMODEL;
        if (cb.message[0] == '\0')
            return shapc_error_set(err, st, "model callback failed with %s (%s)",
                                   shapc_status_name(st), shapc_strerror(st));
        return shapc_error_set(err, st, "%s", cb.message);
    }
    for (size_t i = 0; i < total; i++) {
        if (!isfinite(out[i]))
            return shapc_error_set(err, SHAPC_ENONFINITE, "model output row %zu, column %zu is %s",
                                   i / model->k, i % model->k,
                                   isnan(out[i]) ? "NaN" : "infinite");
    }
    return SHAPC_OK;
}

/* ---- metadata ---- */

size_t shapc_model_n_inputs(const shapc_model *model) { return model ? model->d : 0; }
size_t shapc_model_n_outputs(const shapc_model *model) { return model ? model->k : 0; }

shapc_status shapc_model_set_input_shape(shapc_model *model, size_t rank, const size_t *shape,
                                         shapc_error *err)
{
    size_t prod = 1;
    char *desc;
    if (!model || !shape)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_set_input_shape: %s is NULL",
                               model ? "shape" : "model");
    if (rank < 1 || rank > SHAPC__MODEL_MAX_RANK)
        return shapc_error_set(err, SHAPC_EINVAL,
                               "shapc_model_set_input_shape: rank %zu is not in 1..%d", rank,
                               SHAPC__MODEL_MAX_RANK);
    for (size_t i = 0; i < rank; i++) {
        if (shape[i] == 0 || !shapc__mul_size(prod, shape[i], &prod) || prod > model->d)
            return shapc_error_set(err, SHAPC_ESHAPE,
                                   "shapc_model_set_input_shape: shape does not have %zu "
                                   "elements",
                                   model->d);
    }
    if (prod != model->d)
        return shapc_error_set(err, SHAPC_ESHAPE,
                               "shapc_model_set_input_shape: shape has %zu elements, the model "
                               "takes %zu",
                               prod, model->d);
    desc = build_describe(model, rank, shape);
    if (!desc)
        return shapc_error_set(err, SHAPC_ENOMEM, "shapc_model_set_input_shape: out of memory");
    shapc__free(model->describe);
    model->describe = desc;
    model->input_rank = rank;
    memset(model->input_shape, 0, sizeof model->input_shape);
    memcpy(model->input_shape, shape, rank * sizeof *shape);
    return SHAPC_OK;
}

size_t shapc_model_input_rank(const shapc_model *model) { return model ? model->input_rank : 0; }

const size_t *shapc_model_input_shape(const shapc_model *model)
{
    return model ? model->input_shape : NULL;
}

shapc_status shapc_model_set_output_names(shapc_model *model, const char *const *names,
                                          shapc_error *err)
{
    char **copy;
    if (!model)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_set_output_names: model is NULL");
    if (names) {
        for (size_t i = 0; i < model->k; i++)
            if (!names[i])
                return shapc_error_set(err, SHAPC_EINVAL,
                                       "shapc_model_set_output_names: name %zu is NULL", i);
    }
    copy = make_names(names, model->k);
    if (!copy)
        return shapc_error_set(err, SHAPC_ENOMEM, "shapc_model_set_output_names: out of memory");
    free_names(model->output_names, model->k);
    model->output_names = copy;
    return SHAPC_OK;
}

const char *shapc_model_output_name(const shapc_model *model, size_t i)
{
    if (!model || i >= model->k)
        return NULL;
    return model->output_names[i];
}

const float *shapc_model_background(const shapc_model *model, size_t *n_rows)
{
    const shapc_array *bg = model ? model->background : NULL;
    if (n_rows)
        *n_rows = bg ? shapc_array_dim(bg, 0) : 0;
    return bg ? shapc_array_cdata(bg) : NULL;
}

const float *shapc_model_background_weights(const shapc_model *model)
{
    return model ? model->background_weights : NULL;
}

const char *shapc_model_describe(const shapc_model *model)
{
    return model ? model->describe : "(null model)";
}

/* ---- internal hooks (model_impl.h) ---- */

const shapc__first_stage *shapc__model_first_stage(const shapc_model *model)
{
    return model ? model->first_stage : NULL;
}

shapc_status shapc__model_set_first_stage(shapc_model *model, const shapc__first_stage *stage,
                                          shapc_error *err)
{
    shapc__first_stage *copy = shapc__malloc(sizeof *copy);
    if (!copy)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    *copy = *stage;
    shapc__free(model->first_stage);
    model->first_stage = copy;
    return SHAPC_OK;
}

void shapc__model_take_background(shapc_model *model, shapc_array *background, float *weights)
{
    shapc_array_free(model->background);
    shapc__free(model->background_weights);
    model->background = background;
    model->background_weights = weights;
}

/* ---- native models from a spec ---- */

shapc_model_spec shapc_model_spec_default(void)
{
    shapc_model_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.size = sizeof spec;
    spec.input_scale = 1.0f;
    return spec;
}

/* Copies the spec's background into an owned array and normalised weights. */
static shapc_status copy_background(const shapc_model_spec *spec, size_t d, shapc_array **bg,
                                    float **weights, shapc_error *err)
{
    const size_t shape[2] = {spec->n_background, d};
    shapc_status st;
    *bg = NULL;
    *weights = NULL;
    st = shapc_array_create(SHAPC_F32, 2, shape, bg, err);
    if (st != SHAPC_OK)
        return st;
    memcpy(shapc_array_data(*bg), spec->background, spec->n_background * d * sizeof(float));
    if (spec->background_weights) {
        double sum = 0.0;
        for (size_t i = 0; i < spec->n_background; i++)
            sum += (double)spec->background_weights[i];
        *weights = shapc__malloc(spec->n_background * sizeof **weights);
        if (!*weights) {
            shapc_array_free(*bg);
            *bg = NULL;
            return shapc_error_set(err, SHAPC_ENOMEM, "model spec: out of memory");
        }
        /* Stored summing to 1 (model.h's contract); validation guaranteed sum > 0. */
        for (size_t i = 0; i < spec->n_background; i++)
            (*weights)[i] = (float)((double)spec->background_weights[i] / sum);
    }
    return SHAPC_OK;
}

shapc_status shapc_model_from_spec(const shapc_model_spec *spec, shapc_model **out,
                                   shapc_error *err)
{
    shapc__native_net *net = NULL;
    shapc_model *m = NULL;
    shapc_status st;
    size_t d;
    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_from_spec: out is NULL");
    *out = NULL;
    if ((st = shapc__native_validate_spec(spec, &d, err)) != SHAPC_OK)
        return st;
    if ((st = shapc__native_net_create(spec, &net, err)) != SHAPC_OK)
        return st;
    st = shapc_model_create(net->d, net->k, shapc__native_predict, net, shapc__native_net_free,
                            &m, err);
    if (st != SHAPC_OK) {
        shapc__native_net_free(net);
        return st;
    }
    m->native = net;
    shapc__first_stage stage;
    if (shapc__native_first_stage(net, &stage))
        st = shapc__model_set_first_stage(m, &stage, err);
    if (st != SHAPC_OK) {
        shapc_model_free(m);
        return st;
    }
    st = shapc_model_set_input_shape(m, spec->input_rank, spec->input_shape, err);
    if (st == SHAPC_OK && spec->output_names)
        st = shapc_model_set_output_names(m, spec->output_names, err);
    if (st == SHAPC_OK && spec->n_background > 0) {
        shapc_array *bg;
        float *w;
        st = copy_background(spec, d, &bg, &w, err);
        if (st == SHAPC_OK)
            shapc__model_take_background(m, bg, w);
    }
    if (st != SHAPC_OK) {
        shapc_model_free(m);
        return st;
    }
    *out = m;
    return SHAPC_OK;
}
