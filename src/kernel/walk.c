/* walk.c - walkers: masked rows changed one player at a time, evaluated in batches (walk.h). */
#include "kernel/walk.h"

#include <math.h>
#include <string.h>

#include "kernel/kernel_impl.h"
#include "util/alloc.h"

/* Rows per batch at most. First-stage path: the rows then stay in cache between the vector
 * adds that build them and the rest of the model. Generic path: large enough that a model
 * call's fixed cost (a process adapter's round trip) is spread thin. */
#define BATCH_FAST 512
#define BATCH_GENERIC 4096
/* Flushes between two polls of the progress callback (each is a batch of rows). */
#define POLL_FLUSHES 16
/* Largest per-row cache of starts and shares a walker keeps (walk.h), per thread; at most a
 * quarter of --max-memory too. 16 MiB holds 196 players x 128 hidden units x 100 rows. */
#define WALK_CACHE_BYTES ((size_t)16 << 20)

void shapc__walker_init(shapc__walker *w)
{
    memset(w, 0, sizeof *w);
}

void shapc__walker_free(shapc__walker *w)
{
    shapc__free(w->diff);
    shapc__free(w->slot);
    shapc__free(w->contrib);
    shapc__free(w->state);
    shapc__free(w->start);
    shapc__free(w->px);
    shapc__free(w->pb);
    shapc__free(w->hb);
    shapc__free(w->acc);
    shapc__free(w->row);
    shapc__free(w->cache_start);
    shapc__free(w->cache_contrib);
    shapc__free(w->cache_ok);
    shapc__free(w->rows);
    shapc__free(w->out);
    shapc__free(w->tail);
    shapc__free(w->tags);
    shapc__free(w->outs);
    shapc__free(w->row_of);
    shapc__free(w->bg_of);
    shapc__walker_init(w);
}

shapc_status shapc__walker_setup(shapc__walker *w, const shapc_kernel *kr, const float *x,
                                 const size_t *players, size_t m, const float *fx,
                                 shapc__walk_sink sink, void *sink_ctx, shapc_error *err)
{
    const shapc__first_stage *fs = kr->walk_fs;
    const size_t d = kr->d, k = kr->k, h = fs ? fs->h : 0;
    w->kr = kr;
    w->x = x;
    w->players = players;
    w->m = m;
    w->fx = fx;
    w->sink = sink;
    w->sink_ctx = sink_ctx;
    w->fast = fs != NULL;
    w->n_rows = w->n_entries = 0;
    w->n_evals = 0;
    const size_t row_floats = fs ? h : d;
    const size_t tail = fs ? fs->tail_scratch : 0;
    size_t cap = kr->opt.max_memory / ((row_floats + tail + k) * sizeof(float) + 64);
    const size_t max_cap = fs ? BATCH_FAST : BATCH_GENERIC;
    cap = cap < 1 ? 1 : (cap > max_cap ? max_cap : cap);
    w->cap = cap;
    size_t mh = 0, rows = 0, outs = 0, tails = 0;
    size_t *z = w->sizes;
    int ok = shapc__mul_size(m, h, &mh) && shapc__mul_size(cap, row_floats, &rows) &&
             shapc__mul_size(cap, k, &outs) && shapc__mul_size(cap, tail, &tails) &&
             shapc__ensure(&w->diff, &z[0], m, sizeof *w->diff) &&
             shapc__ensure(&w->slot, &z[1], m, sizeof *w->slot) &&
             shapc__ensure(&w->row, &z[2], d, sizeof *w->row) &&
             shapc__ensure(&w->rows, &z[3], rows, sizeof *w->rows) &&
             shapc__ensure(&w->out, &z[4], outs, sizeof *w->out) &&
             shapc__ensure(&w->tags, &z[5], cap, sizeof *w->tags) &&
             shapc__ensure(&w->outs, &z[6], cap, sizeof *w->outs) &&
             shapc__ensure(&w->row_of, &z[7], cap, sizeof *w->row_of) &&
             shapc__ensure(&w->bg_of, &z[8], cap, sizeof *w->bg_of);
    if (ok && fs)
        ok = shapc__ensure(&w->contrib, &z[9], mh, sizeof *w->contrib) &&
             shapc__ensure(&w->state, &z[10], h, sizeof *w->state) &&
             shapc__ensure(&w->start, &z[11], h, sizeof *w->start) &&
             shapc__ensure(&w->px, &z[12], d, sizeof *w->px) &&
             shapc__ensure(&w->pb, &z[13], d, sizeof *w->pb) &&
             shapc__ensure(&w->hb, &z[14], h, sizeof *w->hb) &&
             shapc__ensure(&w->acc, &z[16], h, sizeof *w->acc) &&
             shapc__ensure(&w->tail, &z[15], tails + 1, sizeof *w->tail);
    if (!ok)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for walks over %zu players", m);
    w->cached = 0; /* until shapc__walker_cache */
    if (fs)
        fs->preprocess(fs->ctx, x, 1, w->px);
    return SHAPC_OK;
}

void shapc__walker_cache(shapc__walker *w, uint64_t epoch)
{
    const shapc_kernel *kr = w->kr;
    size_t per_row = 0, cells = 0, *z = w->sizes;
    const size_t h = w->fast ? kr->walk_fs->h : 0;
    /* Only a small cache pays: without room it is skipped (it saves work, nothing more). */
    w->cached = w->fast && epoch != 0 && shapc__mul_size(w->m + 1, h, &per_row) &&
                shapc__mul_size(per_row, kr->n_bg, &cells) &&
                cells <= WALK_CACHE_BYTES / sizeof(float) &&
                cells <= kr->opt.max_memory / 4 / sizeof(float) && /* a share of the budget */
                shapc__ensure(&w->cache_start, &z[17], kr->n_bg * h, sizeof *w->cache_start) &&
                shapc__ensure(&w->cache_contrib, &z[18], kr->n_bg * w->m * h,
                              sizeof *w->cache_contrib) &&
                shapc__ensure(&w->cache_ok, &z[19], kr->n_bg, sizeof *w->cache_ok);
    if (w->cached && (epoch != w->cache_epoch || cells != w->cache_cells)) {
        memset(w->cache_ok, 0, kr->n_bg * sizeof *w->cache_ok);
        w->cache_epoch = epoch;
        w->cache_cells = cells;
    }
}

void shapc__walker_begin(shapc__walker *w, size_t r)
{
    const shapc_kernel *kr = w->kr;
    w->r = r;
    w->n_diff = shapc__row_diff(kr, w->x, w->players, w->m, r, w->diff);
    for (size_t p = 0; p < w->m; p++)
        w->slot[p] = UINT32_MAX;
    for (size_t s = 0; s < w->n_diff; s++)
        w->slot[w->diff[s]] = (uint32_t)s;
    if (w->fast && w->cached && w->cache_ok[r]) {
        const size_t h = kr->walk_fs->h;
        memcpy(w->start, w->cache_start + r * h, h * sizeof *w->start);
        memcpy(w->contrib, w->cache_contrib + r * w->m * h, w->n_diff * h * sizeof *w->contrib);
    } else if (w->fast) {
        const shapc__first_stage *fs = kr->walk_fs;
        const size_t h = fs->h;
        fs->preprocess(fs->ctx, kr->bg + r * kr->d, 1, w->pb);
        /* b_r's pre-activation, through the model's own first stage. */
        fs->preact(fs->ctx, w->pb, 1, w->hb);
        memcpy(w->start, w->hb, h * sizeof *w->start);
        /* C_g for each differing player: its features' (x' - b') times their weights, summed
         * in double and rounded once. */
        for (size_t s = 0; s < w->n_diff; s++) {
            double *acc = w->acc;
            memset(acc, 0, h * sizeof *acc);
            const size_t g = w->players[w->diff[s]];
            for (size_t q = kr->gstart[g]; q < kr->gstart[g + 1]; q++) {
                const size_t f = kr->gfeat[q];
                const double dlt = (double)w->px[f] - (double)w->pb[f];
                if (dlt == 0.0)
                    continue;
                const float *wf = fs->wt + f * h;
                for (size_t j = 0; j < h; j++)
                    acc[j] += dlt * (double)wf[j];
            }
            float *c = w->contrib + s * h;
            for (size_t j = 0; j < h; j++)
                c[j] = (float)acc[j];
        }
        if (w->cached) {
            memcpy(w->cache_start + r * h, w->start, h * sizeof *w->start);
            memcpy(w->cache_contrib + r * w->m * h, w->contrib,
                   w->n_diff * h * sizeof *w->contrib);
            w->cache_ok[r] = 1;
        }
    }
    shapc__walker_restart(w);
}

void shapc__walker_restart(shapc__walker *w)
{
    if (w->fast)
        memcpy(w->state, w->start, w->kr->walk_fs->h * sizeof *w->state);
    else
        memcpy(w->row, w->kr->bg + w->r * w->kr->d, w->kr->d * sizeof *w->row);
}

void shapc__walker_set(shapc__walker *w, uint64_t on)
{
    if (!w->fast) {
        shapc__walker_restart(w);
        for (uint32_t s = 0; s < w->n_diff && s < 64; s++)
            if (on >> s & 1u)
                shapc__walker_toggle(w, s, 1);
        return;
    }
    const size_t h = w->kr->walk_fs->h;
    double *acc = w->acc;
    for (size_t j = 0; j < h; j++)
        acc[j] = (double)w->start[j];
    for (uint32_t s = 0; s < w->n_diff && s < 64; s++)
        if (on >> s & 1u) {
            const float *c = w->contrib + (size_t)s * h;
            for (size_t j = 0; j < h; j++)
                acc[j] += (double)c[j];
        }
    for (size_t j = 0; j < h; j++)
        w->state[j] = (float)acc[j];
}

void shapc__walker_toggle(shapc__walker *w, uint32_t s, int on)
{
    if (w->fast) {
        const size_t h = w->kr->walk_fs->h;
        const float *c = w->contrib + (size_t)s * h;
        if (on)
            for (size_t j = 0; j < h; j++)
                w->state[j] += c[j];
        else
            for (size_t j = 0; j < h; j++)
                w->state[j] -= c[j];
        return;
    }
    const shapc_kernel *kr = w->kr;
    const size_t g = w->players[w->diff[s]];
    const float *src = on ? w->x : kr->bg + w->r * kr->d;
    for (size_t q = kr->gstart[g]; q < kr->gstart[g + 1]; q++) {
        const size_t f = kr->gfeat[q];
        w->row[f] = src[f];
    }
}

shapc_status shapc__walker_emit(shapc__walker *w, shapc__walk_tag tag, shapc_error *err)
{
    if (w->n_entries == w->cap || w->n_rows == w->cap) {
        shapc_status st = shapc__walker_flush(w, err);
        if (st != SHAPC_OK)
            return st;
    }
    if (w->fast) {
        const shapc__first_stage *fs = w->kr->walk_fs;
        const size_t h = fs->h;
        float *dst = w->rows + w->n_rows * h;
        if (fs->relu) {
            /* relu fused into the conversion; NaN < 0 is false, so NaN stays NaN */
            for (size_t j = 0; j < h; j++) {
                const float v = w->state[j];
                dst[j] = v < 0.0f ? 0.0f : v;
            }
        } else {
            memcpy(dst, w->state, h * sizeof *dst);
        }
    } else {
        memcpy(w->rows + w->n_rows * w->kr->d, w->row, w->kr->d * sizeof *w->rows);
    }
    w->tags[w->n_entries] = tag;
    w->bg_of[w->n_rows] = w->r;
    w->row_of[w->n_entries] = w->n_rows++;
    w->n_entries++;
    return SHAPC_OK;
}

shapc_status shapc__walker_step(shapc__walker *w, uint32_t s, int on, shapc__walk_tag tag,
                                shapc_error *err)
{
    const shapc__first_stage *fs = w->kr->walk_fs;
    if (!w->fast || !fs->relu) {
        shapc__walker_toggle(w, s, on);
        return shapc__walker_emit(w, tag, err);
    }
    if (w->n_entries == w->cap || w->n_rows == w->cap) {
        shapc_status st = shapc__walker_flush(w, err);
        if (st != SHAPC_OK)
            return st;
    }
    /* toggle and emit in one pass over the state */
    const size_t h = fs->h;
    const float *c = w->contrib + (size_t)s * h;
    float *state = w->state, *dst = w->rows + w->n_rows * h;
    const float sign = on ? 1.0f : -1.0f;
    for (size_t j = 0; j < h; j++) {
        const float v = state[j] + sign * c[j];
        state[j] = v;
        dst[j] = v < 0.0f ? 0.0f : v;
    }
    w->tags[w->n_entries] = tag;
    w->bg_of[w->n_rows] = w->r;
    w->row_of[w->n_entries] = w->n_rows++;
    w->n_entries++;
    return SHAPC_OK;
}

shapc_status shapc__walker_emit_known(shapc__walker *w, shapc__walk_tag tag, const float *out,
                                      shapc_error *err)
{
    if (w->n_entries == w->cap) {
        shapc_status st = shapc__walker_flush(w, err);
        if (st != SHAPC_OK)
            return st;
    }
    w->tags[w->n_entries] = tag;
    w->outs[w->n_entries] = out;
    w->row_of[w->n_entries] = SIZE_MAX;
    w->n_entries++;
    return SHAPC_OK;
}

shapc_status shapc__walker_flush(shapc__walker *w, shapc_error *err)
{
    const shapc_kernel *kr = w->kr;
    const size_t k = kr->k, n = w->n_rows;
    shapc_status st = SHAPC_OK;
    if (n > 0) {
        if (w->fast) {
            const shapc__first_stage *fs = kr->walk_fs;
            if (!fs->relu)
                fs->activate(fs->ctx, w->rows, n);
            st = fs->finish(fs->ctx, w->rows, n, w->out, w->tail, err);
            /* A callback's outputs are checked by shapc_model_predict; these are not. */
            for (size_t i = 0; st == SHAPC_OK && i < n * k; i++)
                if (!isfinite(w->out[i]))
                    st = shapc_error_set(err, SHAPC_ENONFINITE,
                                         "model output %zu is not finite "
                                         "for a masked row (background row %zu)",
                                         i % k, w->bg_of[i / k]);
        } else {
            st = shapc_model_predict(kr->model, w->rows, n, w->out, err);
        }
        w->n_evals += n;
    }
    /* Long explanations stay interruptible: ask the progress callback now and then. */
    if (st == SHAPC_OK && ++w->flushes % POLL_FLUSHES == 0 && shapc__kernel_poll(kr))
        st = shapc_error_set(err, SHAPC_ECANCELED, "canceled");
    if (st == SHAPC_OK && w->n_entries > 0) {
        for (size_t e = 0; e < w->n_entries; e++)
            if (w->row_of[e] != SIZE_MAX)
                w->outs[e] = w->out + w->row_of[e] * k;
        st = w->sink(w->sink_ctx, w->n_entries, w->tags, w->outs, err);
    }
    w->n_rows = w->n_entries = 0;
    return st;
}
