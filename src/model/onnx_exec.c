/* onnx_exec.c - running a compiled ONNX graph on a batch of rows.
 *
 * A run evaluates every value's dims at the batch size, packs the live buffers into one arena
 * (first fit in execution order: a buffer is placed when its first value is written and its
 * space is free again after its last reader, so the arena holds the widest cut of the graph,
 * not the sum of its tensors), copies the bound values in and runs the kernels in order.
 * Nothing of the graph changes, so any number of threads may run one graph at once, each
 * with its own workspace. */
#include <string.h>

#include "model/onnx_plan.h"
#include "util/alloc.h"

#define ALIGN 64 /* bytes: every buffer starts on a cache line (and an AVX-512 vector) */

void shapc__ox_ws_free(shapc__ox_ws *ws)
{
    if (!ws)
        return;
    shapc__free(ws->arena);
    shapc__free(ws->offset);
    shapc__free(ws->tensors);
    memset(ws, 0, sizeof *ws);
}

static size_t elem_size(const shapc__ox_value *v) { return v->dtype == SHAPC__OX_I64 ? 8 : 4; }

/* Bytes of buffer b at batch n (the largest of its values); SIZE_MAX on overflow. */
static void buffer_sizes(const shapc__ox_graph *g, size_t n, size_t *size)
{
    for (size_t b = 0; b < g->n_buffers; b++)
        size[b] = 0;
    for (size_t v = 0; v < g->n_values; v++) {
        const shapc__ox_value *val = &g->values[v];
        size_t c, bytes;
        if (val->buffer < 0)
            continue;
        c = shapc__ox_count(val, n);
        if ((c == 0 && val->rank > 0 && shapc__ox_count(val, 1) != 0) ||
            !shapc__mul_size(c, elem_size(val), &bytes) || bytes > SIZE_MAX - ALIGN)
            bytes = SIZE_MAX;
        if (bytes > size[val->buffer])
            size[val->buffer] = bytes;
    }
}

typedef struct block {
    size_t off, end;
    int buffer;
} block;

typedef struct placer {
    const size_t *size;
    size_t *offset;
    block *live; /* sorted by offset */
    size_t n_live, total;
    int failed;
} placer;

/* Places buffer b in the first gap of the live blocks that holds it. */
static void place_one(placer *pl, int b)
{
    size_t at = 0, s = pl->size[b], j = 0;
    if (b < 0 || pl->offset[b] != SIZE_MAX)
        return;
    if (s == SIZE_MAX) {
        pl->failed = 1;
        return;
    }
    s = s == 0 ? ALIGN : (s + ALIGN - 1) / ALIGN * ALIGN;
    while (j < pl->n_live && pl->live[j].off < at + s) {
        if (pl->live[j].end > at)
            at = pl->live[j].end;
        j++;
    }
    if (at > SIZE_MAX - s) {
        pl->failed = 1;
        return;
    }
    memmove(&pl->live[j + 1], &pl->live[j], (pl->n_live - j) * sizeof *pl->live);
    pl->live[j].off = at;
    pl->live[j].end = at + s;
    pl->live[j].buffer = b;
    pl->n_live++;
    pl->offset[b] = at;
    if (at + s > pl->total)
        pl->total = at + s;
}

/* First-fit placement of the buffers used from position `start` on (bound ones first).
 * offset[b] = SIZE_MAX for buffers the run never touches. Returns the arena size, or
 * SIZE_MAX when it does not fit in memory. */
static size_t place(const shapc__ox_graph *g, size_t start, size_t n_bind,
                    const shapc__ox_bind *bind, const size_t *size, size_t *offset, block *live)
{
    placer pl = {size, offset, live, 0, 0, 0};
    for (size_t b = 0; b < g->n_buffers; b++)
        offset[b] = SIZE_MAX;
    for (size_t i = 0; i < n_bind; i++)
        place_one(&pl, g->values[bind[i].value].buffer);
    for (size_t p = start; p < g->n_order && !pl.failed; p++) {
        const shapc__ox_node *nd = &g->nodes[g->order[p]];
        size_t w = 0;
        for (size_t k = 0; k < nd->n_out; k++)
            if (nd->out[k] >= 0)
                place_one(&pl, g->values[nd->out[k]].buffer);
        for (size_t j = 0; j < pl.n_live; j++) /* free what dies here */
            if (g->buffer_last[pl.live[j].buffer] > (int)p)
                pl.live[w++] = pl.live[j];
        pl.n_live = w;
    }
    return pl.failed ? SIZE_MAX : pl.total;
}

size_t shapc__ox_arena_bytes(const shapc__ox_graph *g, size_t n, size_t start)
{
    size_t *size = shapc__malloc((g->n_buffers + 1) * sizeof *size);
    size_t *off = shapc__malloc((g->n_buffers + 1) * sizeof *off);
    block *live = shapc__malloc((g->n_buffers + 1) * sizeof *live);
    size_t total = SIZE_MAX;
    if (size && off && live) {
        buffer_sizes(g, n, size);
        total = place(g, start, 0, NULL, size, off, live);
    }
    shapc__free(size);
    shapc__free(off);
    shapc__free(live);
    return total;
}

static int ws_reserve(shapc__ox_ws *ws, const shapc__ox_graph *g, size_t arena)
{
    if (ws->n_offset < g->n_buffers + 1) {
        size_t *p = shapc__realloc(ws->offset, (g->n_buffers + 1) * 2 * sizeof *p);
        if (!p)
            return 0;
        ws->offset = p;
        ws->n_offset = (g->n_buffers + 1) * 2;
    }
    if (ws->n_tensors < g->n_values + 1) {
        shapc__ox_tensor *t = shapc__realloc(ws->tensors, (g->n_values + 1) * sizeof *t);
        if (!t)
            return 0;
        ws->tensors = t;
        ws->n_tensors = g->n_values + 1;
    }
    if (arena > ws->cap) {
        unsigned char *a;
        shapc__free(ws->arena);
        ws->arena = NULL;
        ws->cap = 0;
        /* aligned by hand: malloc guarantees 16 bytes */
        if (!(a = shapc__malloc(arena + ALIGN)))
            return 0;
        ws->arena = a;
        ws->cap = arena;
    }
    return 1;
}

static unsigned char *arena_base(const shapc__ox_ws *ws)
{
    uintptr_t p = (uintptr_t)ws->arena;
    return ws->arena + (ALIGN - p % ALIGN) % ALIGN;
}

shapc_status shapc__ox_execute(const shapc__ox_graph *g, shapc__ox_ws *ws, size_t n,
                               size_t start, size_t end, size_t n_bind,
                               const shapc__ox_bind *bind, size_t n_fetch,
                               const shapc__ox_fetch *fetch, shapc_error *err)
{
    size_t *size = shapc__malloc((g->n_buffers + 1) * sizeof *size);
    block *live = shapc__malloc((g->n_buffers + 1) * sizeof *live);
    shapc__ox_tensor *io = NULL;
    size_t max_io = SHAPC__OX_MAX_IO, arena; /* kernels may look at omitted optional slots */
    shapc_status st = SHAPC_OK;
    if (!size || !live || !ws_reserve(ws, g, 0)) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
        goto done;
    }
    buffer_sizes(g, n, size);
    arena = place(g, start, n_bind, bind, size, ws->offset, live);
    if (arena == SIZE_MAX) {
        st = shapc_error_set(err, SHAPC_ERANGE, "%s: %zu rows do not fit in memory", g->path, n);
        goto done;
    }
    if (end > g->n_order)
        end = g->n_order;
    for (size_t p = start; p < end; p++) {
        const shapc__ox_node *nd = &g->nodes[g->order[p]];
        if (nd->n_in > max_io)
            max_io = nd->n_in;
        if (nd->n_out > max_io)
            max_io = nd->n_out;
    }
    if (!ws_reserve(ws, g, arena) || !(io = shapc__calloc(2 * max_io, sizeof *io))) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory for %zu rows", g->path, n);
        goto done;
    }
    unsigned char *base = arena_base(ws);
    for (size_t v = 0; v < g->n_values; v++) {
        const shapc__ox_value *val = &g->values[v];
        shapc__ox_tensor *t = &ws->tensors[v];
        memset(t, 0, sizeof *t);
        t->rank = val->rank;
        t->count = 1;
        for (size_t r = 0; r < val->rank; r++) {
            t->dim[r] = (size_t)(val->dim[r].a * (int64_t)n + val->dim[r].b);
            t->count *= t->dim[r];
        }
        t->nhwc = val->nhwc;
        if (val->kind == SHAPC__OX_CONST) {
            t->f = val->data;
            t->i = val->idata;
        } else if (val->buffer >= 0 && ws->offset[val->buffer] != SIZE_MAX) {
            void *p = base + ws->offset[val->buffer];
            if (val->dtype == SHAPC__OX_I64)
                t->i = p;
            else
                t->f = p;
        }
    }
    for (size_t i = 0; i < n_bind; i++) {
        const shapc__ox_value *val = &g->values[bind[i].value];
        shapc__ox_tensor *t = &ws->tensors[bind[i].value];
        void *dst = val->dtype == SHAPC__OX_I64 ? (void *)t->i : (void *)t->f;
        if (dst && t->count)
            memcpy(dst, bind[i].data, t->count * elem_size(val));
    }
    for (size_t p = start; p < end && st == SHAPC_OK; p++) {
        const shapc__ox_node *nd = &g->nodes[g->order[p]];
        if (nd->alias)
            continue;
        for (size_t k = 0; k < max_io; k++) {
            if (k < nd->n_in && nd->in[k] >= 0)
                io[k] = ws->tensors[nd->in[k]];
            else
                memset(&io[k], 0, sizeof io[k]);
            if (k < nd->n_out && nd->out[k] >= 0)
                io[max_io + k] = ws->tensors[nd->out[k]];
            else
                memset(&io[max_io + k], 0, sizeof io[k]);
        }
        if ((st = shapc__ox_op_info_of(nd->op)->run(nd, io, io + max_io, err)) != SHAPC_OK)
            shapc_error_prefix(err, g->path); /* kernels name the node, not the file */
    }
    for (size_t i = 0; i < n_fetch && st == SHAPC_OK; i++) {
        const shapc__ox_value *val = &g->values[fetch[i].value];
        const shapc__ox_tensor *t = &ws->tensors[fetch[i].value];
        const void *src = val->dtype == SHAPC__OX_I64 ? (const void *)t->i : (const void *)t->f;
        if (val->kind == SHAPC__OX_CONST && val->dtype == SHAPC__OX_I64) {
            int64_t *o = fetch[i].data;
            for (size_t k = 0; k < t->count; k++) /* wraps rather than overflows */
                o[k] = (int64_t)((uint64_t)val->sym[k].a * (uint64_t)n + (uint64_t)val->sym[k].b);
        } else if (src && t->count) {
            memcpy(fetch[i].data, src, t->count * elem_size(val));
        } else if (t->count) {
            st = shapc_error_set(err, SHAPC_EINVAL, "%s: value '%s' was not computed",
                                 g->path, val->name);
        }
    }
done:
    shapc__free(size);
    shapc__free(live);
    shapc__free(io);
    return st;
}
