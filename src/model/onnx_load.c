/* onnx_load.c - from the bytes of an ONNX file to shapc's graph (onnx_graph.h).
 *
 * protobuf-c does the parsing (code generated from Debian's onnx.proto at build time, with the
 * recursive fields removed: cmake/onnx_proto.cmake). What is left here is what a protobuf
 * parser cannot know: that every name a node reads is produced exactly once, that tensors hold
 * as many bytes as their dims say (checked before anything is allocated from those dims), that
 * element types and the opset are ones shapc runs, and that operators are known - each refusal
 * a single line naming the file and, where there is one, the node, its op type and the opset.
 *
 * The ONNX IR spec (onnx/docs/IR.md) fixes the rules used: graph inputs may repeat initializer
 * names (old exporters list weights as inputs; the initializer wins), optional inputs are empty
 * names, and raw_data is little-endian fixed width. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/onnx_graph.h"
#include "model/onnx_proto.h"
#include "util/alloc.h"

/* ======================================================================================== */
/* protobuf-c through the library's allocator                                               */
/* ======================================================================================== */

static void *pb_alloc(void *data, size_t size)
{
    (void)data;
    return shapc__malloc(size);
}

static void pb_free(void *data, void *p)
{
    (void)data;
    shapc__free(p);
}

Onnx__ModelProto *shapc__ox_unpack_model(const void *data, size_t len)
{
    ProtobufCAllocator a = {pb_alloc, pb_free, NULL};
    return onnx__model_proto__unpack(&a, len, data);
}

Onnx__TensorProto *shapc__ox_unpack_tensor(const void *data, size_t len)
{
    ProtobufCAllocator a = {pb_alloc, pb_free, NULL};
    return onnx__tensor_proto__unpack(&a, len, data);
}

void shapc__ox_unpacked_free(void *message)
{
    ProtobufCAllocator a = {pb_alloc, pb_free, NULL};
    if (message)
        protobuf_c_message_free_unpacked(message, &a);
}

/* ======================================================================================== */
/* names                                                                                    */
/* ======================================================================================== */

static const char *const OP_NAMES[] = {
#define SHAPC__OX_OP_NAME_(id, name) name,
    SHAPC__OX_OPS(SHAPC__OX_OP_NAME_)
#undef SHAPC__OX_OP_NAME_
};

const char *shapc__ox_op_name(shapc__ox_op op)
{
    return (unsigned)op < SHAPC__OX_OP_COUNT_ ? OP_NAMES[op] : "?";
}

/* The operator called `name`, or SHAPC__OX_OP_COUNT_ (internal ones are not matched). */
static shapc__ox_op op_lookup(const char *name)
{
    for (int i = 0; i < SHAPC__OX_OP_TO_NHWC; i++)
        if (strcmp(OP_NAMES[i], name) == 0)
            return (shapc__ox_op)i;
    return SHAPC__OX_OP_COUNT_;
}

const char *shapc__ox_dtype_name(int32_t code, char *buf, size_t cap)
{
    static const char *const names[] = {"UNDEFINED", "FLOAT",     "UINT8",  "INT8",   "UINT16",
                                        "INT16",     "INT32",     "INT64",  "STRING", "BOOL",
                                        "FLOAT16",   "DOUBLE",    "UINT32", "UINT64", "COMPLEX64",
                                        "COMPLEX128", "BFLOAT16"};
    if (code >= 0 && (size_t)code < sizeof names / sizeof names[0])
        return names[code];
    snprintf(buf, cap, "type %d", (int)code);
    return buf;
}

static const char *str_or_empty(const char *s) { return s ? s : ""; }

/* The opsets in which each operator's definition changed, up to 17 (ONNX 1.12's
 * onnx/defs, "since_version"), ending at 0. A model of an opset below 11 is accepted when
 * each of its operators is defined there as in opset 11 (GlobalAveragePool has not changed
 * since opset 1): its semantics are then the ones shapc implements. */
static const unsigned char SINCE[][7] = {
#define V(...) {__VA_ARGS__, 0}
    [SHAPC__OX_OP_ADD] = V(1, 6, 7, 13, 14),      [SHAPC__OX_OP_SUB] = V(1, 6, 7, 13, 14),
    [SHAPC__OX_OP_MUL] = V(1, 6, 7, 13, 14),      [SHAPC__OX_OP_DIV] = V(1, 6, 7, 13, 14),
    [SHAPC__OX_OP_POW] = V(1, 7, 12, 13, 15),     [SHAPC__OX_OP_SQRT] = V(1, 6, 13),
    [SHAPC__OX_OP_ERF] = V(9, 13),                [SHAPC__OX_OP_RELU] = V(1, 6, 13, 14),
    [SHAPC__OX_OP_LEAKYRELU] = V(1, 6, 16),       [SHAPC__OX_OP_CLIP] = V(1, 6, 11, 12, 13),
    [SHAPC__OX_OP_SIGMOID] = V(1, 6, 13),         [SHAPC__OX_OP_TANH] = V(1, 6, 13),
    [SHAPC__OX_OP_SOFTMAX] = V(1, 11, 13),        [SHAPC__OX_OP_GEMM] = V(1, 6, 7, 9, 11, 13),
    [SHAPC__OX_OP_MATMUL] = V(1, 9, 13),          [SHAPC__OX_OP_CONV] = V(1, 11),
    [SHAPC__OX_OP_BATCHNORM] = V(1, 6, 7, 9, 14, 15),
    [SHAPC__OX_OP_MAXPOOL] = V(1, 8, 10, 11, 12), [SHAPC__OX_OP_AVGPOOL] = V(1, 7, 10, 11),
    [SHAPC__OX_OP_GAVGPOOL] = V(1),               [SHAPC__OX_OP_FLATTEN] = V(1, 9, 11, 13),
    [SHAPC__OX_OP_RESHAPE] = V(1, 5, 13, 14),     [SHAPC__OX_OP_TRANSPOSE] = V(1, 13),
    [SHAPC__OX_OP_CONCAT] = V(1, 4, 11, 13),      [SHAPC__OX_OP_SQUEEZE] = V(1, 11, 13),
    [SHAPC__OX_OP_UNSQUEEZE] = V(1, 11, 13),      [SHAPC__OX_OP_GATHER] = V(1, 11, 13),
    [SHAPC__OX_OP_IDENTITY] = V(1, 13, 14, 16),   [SHAPC__OX_OP_DROPOUT] = V(1, 6, 7, 10, 12, 13),
    [SHAPC__OX_OP_CAST] = V(1, 6, 9, 13),         [SHAPC__OX_OP_LAYERNORM] = V(17),
    [SHAPC__OX_OP_REDUCEMEAN] = V(1, 11, 13),     [SHAPC__OX_OP_SHAPE] = V(1, 13, 15),
    [SHAPC__OX_OP_CONSTANT] = V(1, 9, 11, 12, 13),
#undef V
};

/* The version of op that opset v uses (0: none yet). */
static int op_version(shapc__ox_op op, int64_t v)
{
    int best = 0;
    for (const unsigned char *p = SINCE[op]; *p; p++)
        if (*p <= v)
            best = *p;
    return best;
}

/* ======================================================================================== */
/* tensors                                                                                  */
/* ======================================================================================== */

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void shapc__ox_tdata_free(shapc__ox_tdata *t)
{
    if (!t)
        return;
    shapc__free(t->f);
    shapc__free(t->i);
    t->f = NULL;
    t->i = NULL;
}

shapc_status shapc__ox_tensor_decode(const Onnx__TensorProto *t, const char *path,
                                     const char *what, shapc__ox_tdata *out, shapc_error *err)
{
    char tb[32];
    const int32_t type = t->has_data_type ? t->data_type : 0;
    size_t count = 1, width, have;
    memset(out, 0, sizeof *out);
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: %s is stored in an external file: "
                               "not supported (save the model with its weights inside)", path,
                               what);
    if (t->segment)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: %s is segmented: not supported",
                               path, what);
    if (t->n_dims > SHAPC__OX_MAX_RANK)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: %s has rank %zu (at most %d)", path,
                               what, t->n_dims, SHAPC__OX_MAX_RANK);
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0)
            return shapc_error_set(err, SHAPC_EFORMAT, "%s: %s has negative dimension %lld",
                                   path, what, (long long)t->dims[i]);
        if (t->dims[i] > SHAPC__OX_MAX_ELEMS ||
            !shapc__mul_size(count, (size_t)t->dims[i], &count) ||
            count > (size_t)SHAPC__OX_MAX_ELEMS)
            return shapc_error_set(err, SHAPC_ERANGE, "%s: %s declares more than 2^28 elements "
                                   "(dimension %zu is %lld)", path, what, i,
                                   (long long)t->dims[i]);
        out->dims[i] = t->dims[i];
    }
    out->rank = t->n_dims;
    out->count = count;
    switch (type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
        out->dtype = SHAPC__OX_F32;
        width = 4;
        have = t->has_raw_data ? t->raw_data.len / 4 : t->n_float_data;
        break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
        out->dtype = SHAPC__OX_I64;
        width = 8;
        have = t->has_raw_data ? t->raw_data.len / 8 : t->n_int64_data;
        break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
        out->dtype = SHAPC__OX_I64;
        width = 4;
        have = t->has_raw_data ? t->raw_data.len / 4 : t->n_int32_data;
        break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
        out->dtype = SHAPC__OX_I64;
        width = 1;
        have = t->has_raw_data ? t->raw_data.len : t->n_int32_data;
        break;
    default:
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: %s has element type %s (shapc "
                               "runs FLOAT, with INT64/INT32 for indices and shapes)", path, what,
                               shapc__ox_dtype_name(type, tb, sizeof tb));
    }
    /* The element count is proven against the bytes present before anything is allocated. */
    if (have != count || (t->has_raw_data && t->raw_data.len != count * width))
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: %s declares %zu elements but holds %zu",
                               path, what, count, have);
    if (count == 0)
        return SHAPC_OK;
    if (out->dtype == SHAPC__OX_F32) {
        if (!(out->f = shapc__malloc(count * sizeof *out->f)))
            return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory for %s", path, what);
        if (t->has_raw_data) {
            for (size_t i = 0; i < count; i++) {
                uint32_t u = le32(t->raw_data.data + 4 * i);
                memcpy(&out->f[i], &u, 4);
            }
        } else {
            memcpy(out->f, t->float_data, count * sizeof *out->f);
        }
        return SHAPC_OK;
    }
    if (!(out->i = shapc__malloc(count * sizeof *out->i)))
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory for %s", path, what);
    for (size_t i = 0; i < count; i++) {
        if (!t->has_raw_data)
            out->i[i] = type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 ? t->int64_data[i]
                                                                    : t->int32_data[i];
        else if (width == 8)
            out->i[i] = (int64_t)le64(t->raw_data.data + 8 * i);
        else if (width == 4)
            out->i[i] = (int32_t)le32(t->raw_data.data + 4 * i);
        else
            out->i[i] = t->raw_data.data[i] != 0;
    }
    return SHAPC_OK;
}

/* ======================================================================================== */
/* the graph's tables                                                                       */
/* ======================================================================================== */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t n;
    void *q;
    if (need <= *cap)
        return 1;
    n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    if (!shapc__mul_size(n, elem, &need) || !(q = shapc__realloc(*p, need)))
        return 0;
    memset((char *)q + *cap * elem, 0, (n - *cap) * elem);
    *p = q;
    *cap = n;
    return 1;
}

int shapc__ox_add_value(shapc__ox_graph *g, const char *name)
{
    shapc__ox_value *v;
    char *copy = shapc__strdup(name);
    if (!copy || !grow((void **)&g->values, &g->cap_values, g->n_values + 1, sizeof *v)) {
        shapc__free(copy);
        return -1;
    }
    v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    v->name = copy;
    v->producer = -1;
    v->buffer = -1;
    return (int)g->n_values++;
}

int shapc__ox_add_node(shapc__ox_graph *g, shapc__ox_op op, size_t n_in, size_t n_out,
                       const char *name)
{
    shapc__ox_node *nd;
    if (!grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof *nd))
        return -1;
    nd = &g->nodes[g->n_nodes];
    memset(nd, 0, sizeof *nd);
    nd->op = op;
    nd->n_in = n_in;
    nd->n_out = n_out;
    nd->name = shapc__strdup(name);
    nd->in = shapc__malloc((n_in ? n_in : 1) * sizeof *nd->in);
    nd->out = shapc__malloc((n_out ? n_out : 1) * sizeof *nd->out);
    if (!nd->name || !nd->in || !nd->out) {
        shapc__free(nd->name);
        shapc__free(nd->in);
        shapc__free(nd->out);
        return -1;
    }
    for (size_t i = 0; i < n_in; i++)
        nd->in[i] = -1;
    for (size_t i = 0; i < n_out; i++)
        nd->out[i] = -1;
    return (int)g->n_nodes++;
}

void shapc__ox_graph_free(shapc__ox_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_values; i++) {
        shapc__free(g->values[i].name);
        shapc__free(g->values[i].data);
        shapc__free(g->values[i].sym);
        shapc__free(g->values[i].idata);
    }
    shapc__free(g->values);
    for (size_t i = 0; i < g->n_nodes; i++) {
        shapc__free(g->nodes[i].name);
        shapc__free(g->nodes[i].in);
        shapc__free(g->nodes[i].out);
    }
    shapc__free(g->nodes);
    shapc__free(g->inputs);
    shapc__free(g->outputs);
    for (size_t i = 0; i < g->n_meta; i++) {
        shapc__free(g->meta_keys[i]);
        shapc__free(g->meta_values[i]);
    }
    shapc__free(g->meta_keys);
    shapc__free(g->meta_values);
    shapc__free(g->buffer_last);
    shapc__free(g->order);
    shapc__ox_unpacked_free(g->proto_model);
    shapc__free(g->path);
    shapc__free(g);
}

int shapc__ox_find_value(const shapc__ox_graph *g, const char *name)
{
    for (size_t i = 0; i < g->n_values; i++)
        if (strcmp(g->values[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *shapc__ox_meta(const shapc__ox_graph *g, const char *key)
{
    for (size_t i = 0; i < g->n_meta; i++)
        if (strcmp(g->meta_keys[i], key) == 0)
            return g->meta_values[i];
    return NULL;
}

/* ---- a name -> value index hash used while parsing (graphs may have 10^5 values) ---- */

typedef struct name_map {
    int *slots; /* value index + 1, 0 = empty */
    size_t n_slots;
} name_map;

static size_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

static int map_find(const name_map *m, const shapc__ox_graph *g, const char *name)
{
    size_t mask = m->n_slots - 1, i = hash_name(name) & mask;
    while (m->slots[i]) {
        if (strcmp(g->values[m->slots[i] - 1].name, name) == 0)
            return m->slots[i] - 1;
        i = (i + 1) & mask;
    }
    return -1;
}

static void map_put(name_map *m, const char *name, int index)
{
    size_t mask = m->n_slots - 1, i = hash_name(name) & mask;
    while (m->slots[i])
        i = (i + 1) & mask;
    m->slots[i] = index + 1;
}

/* ======================================================================================== */
/* parsing                                                                                  */
/* ======================================================================================== */

typedef struct parse_ctx {
    shapc__ox_graph *g;
    const Onnx__GraphProto *gp;
    name_map map;
    shapc_error *err;
} parse_ctx;

static shapc_status oom(parse_ctx *c)
{
    return shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory", c->g->path);
}

/* Adds a value that must not exist yet; `who` describes its producer for the message. */
static shapc_status define(parse_ctx *c, const char *name, const char *who, int *out)
{
    int v = map_find(&c->map, c->g, name);
    if (v >= 0)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: value '%s' is defined twice (again "
                               "by %s)", c->g->path, name, who);
    if ((v = shapc__ox_add_value(c->g, name)) < 0)
        return oom(c);
    map_put(&c->map, c->g->values[v].name, v);
    *out = v;
    return SHAPC_OK;
}

static shapc_status parse_opset(parse_ctx *c, const Onnx__ModelProto *m)
{
    int64_t v = -1;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const char *dom = str_or_empty(m->opset_import[i]->domain);
        if (dom[0] == '\0' || strcmp(dom, "ai.onnx") == 0)
            v = m->opset_import[i]->has_version ? m->opset_import[i]->version : -1;
    }
    if (v < 0)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: no opset of the default ONNX domain "
                               "is imported", c->g->path);
    if (v < 1 || v > SHAPC__OX_OPSET_MAX)
        return shapc_error_set(c->err, SHAPC_EUNSUPPORTED, "%s: opset %lld is not supported "
                               "(shapc runs opsets %d-%d; convert the model with "
                               "onnx.version_converter)", c->g->path, (long long)v,
                               SHAPC__OX_OPSET_MIN, SHAPC__OX_OPSET_MAX);
    c->g->opset = v;
    return SHAPC_OK;
}

static shapc_status parse_initializers(parse_ctx *c)
{
    const Onnx__GraphProto *gp = c->gp;
    char what[300];
    shapc_status st;
    if (gp->n_sparse_initializer > 0)
        return shapc_error_set(c->err, SHAPC_EUNSUPPORTED, "%s: sparse initializers are not "
                               "supported", c->g->path);
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *t = gp->initializer[i];
        const char *name = str_or_empty(t->name);
        shapc__ox_tdata td;
        shapc__ox_value *v;
        int vi;
        if (name[0] == '\0')
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: initializer %zu has no name",
                                   c->g->path, i);
        snprintf(what, sizeof what, "initializer '%s'", name);
        if ((st = define(c, name, what, &vi)) != SHAPC_OK)
            return st;
        if ((st = shapc__ox_tensor_decode(t, c->g->path, what, &td, c->err)) != SHAPC_OK)
            return st;
        v = &c->g->values[vi];
        v->kind = SHAPC__OX_CONST;
        v->dtype = td.dtype;
        v->rank = td.rank;
        for (size_t r = 0; r < td.rank; r++)
            v->dim[r].b = td.dims[r];
        v->shaped = 1;
        v->data = td.f;
        if (td.dtype == SHAPC__OX_I64) {
            v->sym = shapc__calloc(td.count ? td.count : 1, sizeof *v->sym);
            if (!v->sym) {
                shapc__ox_tdata_free(&td);
                return oom(c);
            }
            for (size_t k = 0; k < td.count; k++)
                v->sym[k].b = td.i[k];
            shapc__free(td.i);
        }
    }
    return SHAPC_OK;
}

/* A graph input's declared element type and shape: dim_value, or b = -1 for a symbolic or
 * missing dimension (compilation decides what that may be). */
static shapc_status parse_inputs(parse_ctx *c)
{
    const Onnx__GraphProto *gp = c->gp;
    char tb[32];
    shapc_status st;
    if (!(c->g->inputs = shapc__malloc((gp->n_input + 1) * sizeof *c->g->inputs)))
        return oom(c);
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        const char *name = str_or_empty(vi->name);
        const Onnx__TypeProto *tp = vi->type;
        const Onnx__TensorShapeProto *sh;
        shapc__ox_value *v;
        int idx;
        int32_t et;
        if (name[0] == '\0')
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: graph input %zu has no name",
                                   c->g->path, i);
        if (map_find(&c->map, c->g, name) >= 0)
            continue; /* an initializer listed as an input (IR version < 4 style) */
        if ((st = define(c, name, "a graph input", &idx)) != SHAPC_OK)
            return st;
        if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
            return shapc_error_set(c->err, SHAPC_EUNSUPPORTED, "%s: graph input '%s' is not a "
                                   "tensor (sequences, maps and optionals are not supported)",
                                   c->g->path, name);
        et = tp->tensor_type->has_elem_type ? tp->tensor_type->elem_type : 0;
        v = &c->g->values[idx];
        if (et == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
            v->dtype = SHAPC__OX_F32;
        else if (et == ONNX__TENSOR_PROTO__DATA_TYPE__INT64)
            v->dtype = SHAPC__OX_I64;
        else
            return shapc_error_set(c->err, SHAPC_EUNSUPPORTED, "%s: graph input '%s' has "
                                   "element type %s (shapc takes FLOAT, or INT64 token ids)",
                                   c->g->path, name, shapc__ox_dtype_name(et, tb, sizeof tb));
        sh = tp->tensor_type->shape;
        if (!sh)
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: graph input '%s' declares no "
                                   "shape", c->g->path, name);
        if (sh->n_dim > SHAPC__OX_MAX_RANK)
            return shapc_error_set(c->err, SHAPC_EUNSUPPORTED, "%s: graph input '%s' has rank "
                                   "%zu (at most %d)", c->g->path, name, sh->n_dim,
                                   SHAPC__OX_MAX_RANK);
        v->rank = sh->n_dim;
        for (size_t d = 0; d < sh->n_dim; d++) {
            const Onnx__TensorShapeProto__Dimension *dm = sh->dim[d];
            v->dim[d].b = -1;
            if (dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
                if (dm->dim_value < 0 || dm->dim_value > SHAPC__OX_MAX_ELEMS)
                    return shapc_error_set(c->err, SHAPC_ERANGE, "%s: graph input '%s' "
                                           "dimension %zu is %lld (0..2^28 allowed)",
                                           c->g->path, name, d, (long long)dm->dim_value);
                v->dim[d].b = dm->dim_value;
            }
        }
        v->is_input = 1;
        c->g->inputs[c->g->n_inputs++] = idx;
    }
    return SHAPC_OK;
}

static shapc_status parse_nodes(parse_ctx *c)
{
    const Onnx__GraphProto *gp = c->gp;
    shapc__ox_graph *g = c->g;
    char who[300];
    shapc_status st;
    /* Pass 1: every node and its outputs, so that a node may read a value produced later in
     * the file (the order is checked when compiling: cycles are refused there). */
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        const char *name = str_or_empty(np->name), *dom = str_or_empty(np->domain);
        const char *type = str_or_empty(np->op_type);
        shapc__ox_op op = op_lookup(type);
        int ni;
        if (dom[0] != '\0' && strcmp(dom, "ai.onnx") != 0)
            return shapc_error_set(c->err, SHAPC_EUNSUPPORTED, "%s: node '%s' (%s, domain "
                                   "'%s'): operators outside the default ONNX domain are not "
                                   "supported", g->path, name, type, dom);
        if (op == SHAPC__OX_OP_COUNT_)
            return shapc_error_set(c->err, SHAPC_EUNSUPPORTED, "%s: node '%s' (%s, opset %lld): "
                                   "operator not supported (docs/onnx.md lists those shapc "
                                   "runs)", g->path, name, type[0] ? type : "no op_type",
                                   (long long)g->opset);
        if (g->opset < SHAPC__OX_OPSET_MIN &&
            op_version(op, g->opset) != op_version(op, SHAPC__OX_OPSET_MIN))
            return shapc_error_set(c->err, SHAPC_EUNSUPPORTED, "%s: node '%s' (%s, opset %lld): "
                                   "this opset's %s differs from opset %d's: shapc runs opsets "
                                   "%d-%d (convert the model with onnx.version_converter)",
                                   g->path, name, type, (long long)g->opset, type,
                                   SHAPC__OX_OPSET_MIN, SHAPC__OX_OPSET_MIN,
                                   SHAPC__OX_OPSET_MAX);
        if ((ni = shapc__ox_add_node(g, op, np->n_input, np->n_output, name)) < 0)
            return oom(c);
        g->nodes[ni].proto = (void *)(uintptr_t)np;
        for (size_t o = 0; o < np->n_output; o++) {
            const char *out = str_or_empty(np->output[o]);
            int v;
            if (out[0] == '\0')
                continue; /* an optional output nobody asked for */
            snprintf(who, sizeof who, "node '%s' (%s)", name, type);
            if ((st = define(c, out, who, &v)) != SHAPC_OK)
                return st;
            g->values[v].producer = ni;
            g->nodes[ni].out[o] = v;
        }
    }
    /* Pass 2: inputs by name. */
    for (size_t i = 0; i < g->n_nodes; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        for (size_t k = 0; k < np->n_input; k++) {
            const char *in = str_or_empty(np->input[k]);
            int v;
            if (in[0] == '\0')
                continue;
            if ((v = map_find(&c->map, g, in)) < 0)
                return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: node '%s' (%s, opset %lld): "
                                       "input '%s' is not produced by any node, initializer or "
                                       "graph input (missing initializer?)", g->path,
                                       g->nodes[i].name, str_or_empty(np->op_type),
                                       (long long)g->opset, in);
            g->nodes[i].in[k] = v;
            g->values[v].n_uses++;
        }
    }
    return SHAPC_OK;
}

static shapc_status parse_outputs(parse_ctx *c)
{
    const Onnx__GraphProto *gp = c->gp;
    if (gp->n_output == 0)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: the graph has no outputs", c->g->path);
    if (!(c->g->outputs = shapc__malloc(gp->n_output * sizeof *c->g->outputs)))
        return oom(c);
    for (size_t i = 0; i < gp->n_output; i++) {
        const char *name = str_or_empty(gp->output[i]->name);
        int v = map_find(&c->map, c->g, name);
        if (v < 0)
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: graph output '%s' is not "
                                   "produced by any node", c->g->path, name);
        c->g->outputs[c->g->n_outputs++] = v;
        c->g->values[v].n_uses++;
    }
    return SHAPC_OK;
}

static shapc_status parse_meta(parse_ctx *c, const Onnx__ModelProto *m)
{
    shapc__ox_graph *g = c->g;
    size_t n = m->n_metadata_props;
    if (n == 0)
        return SHAPC_OK;
    g->meta_keys = shapc__calloc(n, sizeof *g->meta_keys);
    g->meta_values = shapc__calloc(n, sizeof *g->meta_values);
    if (!g->meta_keys || !g->meta_values)
        return oom(c);
    for (size_t i = 0; i < n; i++) {
        g->meta_keys[i] = shapc__strdup(str_or_empty(m->metadata_props[i]->key));
        g->meta_values[i] = shapc__strdup(str_or_empty(m->metadata_props[i]->value));
        g->n_meta = i + 1;
        if (!g->meta_keys[i] || !g->meta_values[i])
            return oom(c);
    }
    return SHAPC_OK;
}

shapc_status shapc__ox_parse(const void *data, size_t len, const char *name,
                             shapc__ox_graph **out, shapc_error *err)
{
    shapc__ox_graph *g;
    Onnx__ModelProto *m;
    parse_ctx c;
    shapc_status st;
    size_t slots = 16, total;
    *out = NULL;
    if (!(g = shapc__calloc(1, sizeof *g)) || !(g->path = shapc__strdup(name))) {
        shapc__free(g);
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", name);
    }
    m = shapc__ox_unpack_model(data, len);
    if (!m) {
        shapc__ox_graph_free(g);
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: not a valid ONNX model (the protobuf "
                               "is malformed or truncated)", name);
    }
    g->proto_model = m;
    memset(&c, 0, sizeof c);
    c.g = g;
    c.err = err;
    if (!m->has_ir_version || !m->graph) {
        st = shapc_error_set(err, SHAPC_EFORMAT, "%s: not an ONNX model (no %s)", name,
                             m->has_ir_version ? "graph" : "ir_version");
        goto fail;
    }
    c.gp = m->graph;
    total = c.gp->n_initializer + c.gp->n_input;
    for (size_t i = 0; i < c.gp->n_node; i++)
        total += c.gp->node[i]->n_output; /* bounded by the file size */
    while (slots < 2 * total + 2)
        slots *= 2;
    if (!(c.map.slots = shapc__calloc(slots, sizeof *c.map.slots))) {
        st = oom(&c);
        goto fail;
    }
    c.map.n_slots = slots;
    if ((st = parse_opset(&c, m)) != SHAPC_OK || (st = parse_initializers(&c)) != SHAPC_OK ||
        (st = parse_inputs(&c)) != SHAPC_OK || (st = parse_nodes(&c)) != SHAPC_OK ||
        (st = parse_outputs(&c)) != SHAPC_OK || (st = parse_meta(&c, m)) != SHAPC_OK)
        goto fail;
    shapc__free(c.map.slots);
    *out = g;
    return SHAPC_OK;
fail:
    shapc__free(c.map.slots);
    shapc__ox_graph_free(g);
    return st;
}

shapc_status shapc__ox_bind_const(shapc__ox_graph *g, const char *name, int dtype, size_t rank,
                                  const int64_t *dims, const float *fdata, const int64_t *idata,
                                  shapc_error *err)
{
    size_t k = 0, count = 1;
    shapc__ox_value *v;
    while (k < g->n_inputs && strcmp(g->values[g->inputs[k]].name, name) != 0)
        k++;
    if (k == g->n_inputs || rank > SHAPC__OX_MAX_RANK)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: no runtime graph input '%s'", g->path,
                               name);
    v = &g->values[g->inputs[k]];
    for (size_t r = 0; r < rank; r++)
        if (dims[r] < 0 || !shapc__mul_size(count, (size_t)dims[r], &count) ||
            count > (size_t)SHAPC__OX_MAX_ELEMS)
            return shapc_error_set(err, SHAPC_ERANGE, "%s: input '%s' is too large", g->path,
                                   name);
    if (dtype == SHAPC__OX_F32) {
        if (!(v->data = shapc__malloc((count ? count : 1) * sizeof *v->data)))
            return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
        if (count)
            memcpy(v->data, fdata, count * sizeof *v->data);
    } else {
        if (!(v->sym = shapc__calloc(count ? count : 1, sizeof *v->sym)))
            return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
        for (size_t i = 0; i < count; i++)
            v->sym[i].b = idata[i];
    }
    v->dtype = dtype;
    v->kind = SHAPC__OX_CONST;
    v->rank = rank;
    memset(v->dim, 0, sizeof v->dim);
    for (size_t r = 0; r < rank; r++)
        v->dim[r].b = dims[r];
    v->shaped = 1;
    v->is_input = 0;
    memmove(&g->inputs[k], &g->inputs[k + 1], (g->n_inputs - k - 1) * sizeof *g->inputs);
    g->n_inputs--;
    return SHAPC_OK;
}
