/* onnx_build.c - see onnx_build.h. */
#include "onnx_build.h"

#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "model/onnx_model.h"

struct ob_model {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset;
    Onnx__OperatorSetIdProto *opsets[1];
};

static void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s ? s : 1);
    if (!p)
        abort();
    return p;
}

static char *xstrdup(const char *s)
{
    char *d = xcalloc(strlen(s) + 1, 1);
    memcpy(d, s, strlen(s));
    return d;
}

#define PUSH(arr, n, item)                                                   \
    do {                                                                     \
        (arr) = realloc((arr), ((n) + 1) * sizeof *(arr));                   \
        if (!(arr))                                                          \
            abort();                                                         \
        (arr)[(n)++] = (item);                                               \
    } while (0)

ob_model *ob_new(int64_t opset)
{
    ob_model *m = xcalloc(1, sizeof *m);
    onnx__model_proto__init(&m->model);
    onnx__graph_proto__init(&m->graph);
    onnx__operator_set_id_proto__init(&m->opset);
    m->model.has_ir_version = 1;
    m->model.ir_version = 7;
    m->opset.domain = xstrdup("");
    m->opset.has_version = 1;
    m->opset.version = opset;
    m->opsets[0] = &m->opset;
    m->model.n_opset_import = 1;
    m->model.opset_import = m->opsets;
    m->model.producer_name = xstrdup("shapc tests");
    m->graph.name = xstrdup("test");
    m->model.graph = &m->graph;
    return m;
}

static Onnx__ValueInfoProto *value_info(const char *name, int type, size_t rank,
                                        const int64_t *dims)
{
    Onnx__ValueInfoProto *vi = xcalloc(1, sizeof *vi);
    Onnx__TypeProto *tp = xcalloc(1, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = xcalloc(1, sizeof *tt);
    onnx__value_info_proto__init(vi);
    onnx__type_proto__init(tp);
    onnx__type_proto__tensor__init(tt);
    vi->name = xstrdup(name);
    vi->type = tp;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    tt->has_elem_type = 1;
    tt->elem_type = type;
    if (dims) {
        Onnx__TensorShapeProto *sh = xcalloc(1, sizeof *sh);
        onnx__tensor_shape_proto__init(sh);
        sh->n_dim = rank;
        sh->dim = xcalloc(rank, sizeof *sh->dim);
        for (size_t i = 0; i < rank; i++) {
            Onnx__TensorShapeProto__Dimension *d = xcalloc(1, sizeof *d);
            onnx__tensor_shape_proto__dimension__init(d);
            if (dims[i] >= 0) {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
                d->dim_value = dims[i];
            } else {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
                d->dim_param = xstrdup("batch");
            }
            sh->dim[i] = d;
        }
        tt->shape = sh;
    }
    return vi;
}

void ob_input(ob_model *m, const char *name, int type, size_t rank, const int64_t *dims)
{
    PUSH(m->graph.input, m->graph.n_input, value_info(name, type, rank, dims));
}

void ob_output(ob_model *m, const char *name)
{
    PUSH(m->graph.output, m->graph.n_output, value_info(name, OB_FLOAT, 0, NULL));
}

static Onnx__TensorProto *tensor(const char *name, int type, size_t rank, const int64_t *dims)
{
    Onnx__TensorProto *t = xcalloc(1, sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = xstrdup(name);
    t->has_data_type = 1;
    t->data_type = type;
    t->n_dims = rank;
    t->dims = xcalloc(rank, sizeof *t->dims);
    if (rank)
        memcpy(t->dims, dims, rank * sizeof *dims);
    return t;
}

static size_t count_of(size_t rank, const int64_t *dims)
{
    size_t c = 1;
    for (size_t i = 0; i < rank; i++)
        c *= (size_t)dims[i];
    return c;
}

void ob_init(ob_model *m, const char *name, size_t rank, const int64_t *dims, const float *v)
{
    Onnx__TensorProto *t = tensor(name, OB_FLOAT, rank, dims);
    size_t n = count_of(rank, dims);
    t->has_raw_data = 1;
    t->raw_data.len = n * 4;
    t->raw_data.data = xcalloc(n, 4);
    memcpy(t->raw_data.data, v, n * 4); /* the test hosts are little-endian */
    PUSH(m->graph.initializer, m->graph.n_initializer, t);
}

void ob_init_raw(ob_model *m, const char *name, size_t rank, const int64_t *dims,
                 const void *bytes, size_t n_bytes)
{
    Onnx__TensorProto *t = tensor(name, OB_FLOAT, rank, dims);
    t->has_raw_data = 1;
    t->raw_data.len = n_bytes;
    t->raw_data.data = xcalloc(n_bytes, 1);
    memcpy(t->raw_data.data, bytes, n_bytes);
    PUSH(m->graph.initializer, m->graph.n_initializer, t);
}

void ob_init_i64(ob_model *m, const char *name, size_t rank, const int64_t *dims,
                 const int64_t *v)
{
    Onnx__TensorProto *t = tensor(name, OB_INT64, rank, dims);
    size_t n = count_of(rank, dims);
    t->n_int64_data = n;
    t->int64_data = xcalloc(n, sizeof *t->int64_data);
    memcpy(t->int64_data, v, n * sizeof *v);
    PUSH(m->graph.initializer, m->graph.n_initializer, t);
}

static void split(const char *list, size_t *n, char ***out)
{
    const char *p = list;
    *n = 0;
    *out = NULL;
    if (!list[0])
        return;
    for (;;) {
        size_t k = strcspn(p, ",");
        char *s = xcalloc(k + 1, 1);
        memcpy(s, p, k);
        PUSH(*out, *n, s);
        if (!p[k])
            break;
        p += k + 1;
    }
}

ob_node *ob_node_new(ob_model *m, const char *op, const char *name, const char *inputs,
                     const char *outputs)
{
    Onnx__NodeProto *n = xcalloc(1, sizeof *n);
    onnx__node_proto__init(n);
    n->op_type = xstrdup(op);
    n->name = xstrdup(name);
    split(inputs, &n->n_input, &n->input);
    split(outputs, &n->n_output, &n->output);
    PUSH(m->graph.node, m->graph.n_node, n);
    return n;
}

static Onnx__AttributeProto *attr(ob_node *n, const char *name,
                                  Onnx__AttributeProto__AttributeType type)
{
    Onnx__AttributeProto *a = xcalloc(1, sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = xstrdup(name);
    a->has_type = 1;
    a->type = type;
    PUSH(n->attribute, n->n_attribute, a);
    return a;
}

void ob_attr_int(ob_node *n, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1;
    a->i = v;
}

void ob_attr_float(ob_node *n, const char *name, float v)
{
    Onnx__AttributeProto *a = attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1;
    a->f = v;
}

void ob_attr_ints(ob_node *n, const char *name, size_t count, const int64_t *v)
{
    Onnx__AttributeProto *a = attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a->n_ints = count;
    a->ints = xcalloc(count, sizeof *a->ints);
    if (count)
        memcpy(a->ints, v, count * sizeof *v);
}

void ob_meta(ob_model *m, const char *key, const char *value)
{
    Onnx__StringStringEntryProto *e = xcalloc(1, sizeof *e);
    onnx__string_string_entry_proto__init(e);
    e->key = xstrdup(key);
    e->value = xstrdup(value);
    PUSH(m->model.metadata_props, m->model.n_metadata_props, e);
}

void ob_pack(const ob_model *m, unsigned char **bytes, size_t *len)
{
    *len = onnx__model_proto__get_packed_size(&m->model);
    *bytes = xcalloc(*len, 1);
    onnx__model_proto__pack(&m->model, *bytes);
}

/* ---- release: everything above was malloc'd field by field ---- */

static void free_vi(Onnx__ValueInfoProto *vi)
{
    Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
    if (tt->shape) {
        for (size_t i = 0; i < tt->shape->n_dim; i++) {
            if (tt->shape->dim[i]->value_case ==
                ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM)
                free(tt->shape->dim[i]->dim_param);
            free(tt->shape->dim[i]);
        }
        free(tt->shape->dim);
        free(tt->shape);
    }
    free(tt);
    free(vi->type);
    free(vi->name);
    free(vi);
}

void ob_free(ob_model *m)
{
    Onnx__GraphProto *g = &m->graph;
    for (size_t i = 0; i < g->n_input; i++)
        free_vi(g->input[i]);
    for (size_t i = 0; i < g->n_output; i++)
        free_vi(g->output[i]);
    free(g->input);
    free(g->output);
    for (size_t i = 0; i < g->n_initializer; i++) {
        Onnx__TensorProto *t = g->initializer[i];
        free(t->name);
        free(t->dims);
        free(t->raw_data.data);
        free(t->int64_data);
        free(t);
    }
    free(g->initializer);
    for (size_t i = 0; i < g->n_node; i++) {
        Onnx__NodeProto *n = g->node[i];
        for (size_t k = 0; k < n->n_input; k++)
            free(n->input[k]);
        for (size_t k = 0; k < n->n_output; k++)
            free(n->output[k]);
        for (size_t k = 0; k < n->n_attribute; k++) {
            free(n->attribute[k]->name);
            free(n->attribute[k]->ints);
            free(n->attribute[k]);
        }
        free(n->input);
        free(n->output);
        free(n->attribute);
        free(n->op_type);
        free(n->name);
        free(n);
    }
    free(g->node);
    for (size_t i = 0; i < m->model.n_metadata_props; i++) {
        free(m->model.metadata_props[i]->key);
        free(m->model.metadata_props[i]->value);
        free(m->model.metadata_props[i]);
    }
    free(m->model.metadata_props);
    free(m->opset.domain);
    free(m->model.producer_name);
    free(g->name);
    free(m);
}

/* ---- loading, for the tests ---- */

shapc_status ob_load(ob_model *m, shapc_model **out, shapc_error *err)
{
    unsigned char *bytes;
    size_t len;
    ob_pack(m, &bytes, &len);
    shapc_status st = shapc__onnx_model_load_mem(bytes, len, "test.onnx", out, err);
    free(bytes);
    return st;
}

shapc_model *ob_load_ok(ob_model *m)
{
    shapc_model *model = NULL;
    shapc_error err = {0};
    shapc_status st = ob_load(m, &model, &err);
    if (st != SHAPC_OK)
        fail_msg("load failed: %s", err.message);
    return model;
}

/* Loads bytes expecting status st and a message starting with the file name and containing
 * `what`. */
void ob_expect_bytes(const unsigned char *bytes, size_t len, shapc_status st,
                         const char *what)
{
    shapc_model *model = (shapc_model *)(uintptr_t)1;
    shapc_error err = {0};
    shapc_status got = shapc__onnx_model_load_mem(bytes, len, "bad.onnx", &model, &err);
    if (got != st || !strstr(err.message, what) || strncmp(err.message, "bad.onnx", 8) != 0 ||
        strchr(err.message, '\n'))
        fail_msg("expected %s '%s', got %s '%s'", shapc_status_name(st), what,
                 shapc_status_name(got), err.message);
    assert_null(model);
}

void ob_expect_fail(ob_model *m, shapc_status st, const char *what)
{
    unsigned char *bytes;
    size_t len;
    ob_pack(m, &bytes, &len);
    ob_free(m);
    ob_expect_bytes(bytes, len, st, what);
    free(bytes);
}

ob_model *ob_tiny_mlp(void)
{
    static const float w1[4 * 6] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, 0.8f,
                                    -0.9f, 1.0f, 0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f,
                                    0.7f, 0.8f, 0.9f, -1.0f, 0.2f, 0.3f, 0.1f, -0.1f};
    static const float b1[4] = {0.1f, 0.0f, -0.1f, 0.2f}, w2[3 * 4] = {1, -1, 0.5f, 0.25f, -0.5f, 2, 1, 0, 0.3f, 0.3f, -0.3f, 1};
    static const float b2[3] = {0, 0.1f, -0.1f}, scale = 1.0f / 255;
    ob_model *m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 4, (int64_t[]){-1, 1, 2, 3});
    ob_init(m, "s", 0, NULL, &scale);
    ob_init(m, "w1", 2, (int64_t[]){4, 6}, w1);
    ob_init(m, "b1", 1, (int64_t[]){4}, b1);
    ob_init(m, "w2", 2, (int64_t[]){3, 4}, w2);
    ob_init(m, "b2", 1, (int64_t[]){3}, b2);
    ob_node_new(m, "Mul", "scale", "x,s", "xs");
    ob_node_new(m, "Flatten", "flat", "xs", "f");
    ob_attr_int(ob_node_new(m, "Gemm", "fc1", "f,w1,b1", "h"), "transB", 1);
    ob_node_new(m, "Relu", "relu", "h", "a");
    ob_attr_int(ob_node_new(m, "Gemm", "fc2", "a,w2,b2", "z"), "transB", 1);
    ob_attr_int(ob_node_new(m, "Softmax", "sm", "z", "p"), "axis", 1);
    ob_output(m, "p");
    ob_meta(m, "shapc.output_names", "cat\ndog\nbird");
    return m;
}
