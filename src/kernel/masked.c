/* masked.c - evaluating v(S) for many coalitions: memory-bounded chunks, worker threads, and
 * the native dense-first-layer fast path.
 *
 * Generic path: for each coalition and background row, build the masked row (copy the
 * background row and switch T's features to x, or copy x and switch them back), run the model
 * adapter on a chunk of rows, and average with the background weights in double.
 *
 * Native fast path (issue: "use what the model's structure allows"): for a model whose first
 * layer is dense, W1 x' + b1 of a masked row equals a precomputed pre-activation - of the
 * background row, or of x - plus sum over the switched features f of delta_f * W1^T[f]. The
 * switched features are the coalition's smaller side, so the first layer costs
 * min(|S|, M - |S|) / M of a plain evaluation; the rest of the network runs as usual. A pair
 * (T, complement of T) - every sampled coalition has its partner next to it - needs the
 * product once: with U = (x_T - b_T) W1_T, the coalition T gives h_b + U and its complement
 * h_x - U. The result equals plain evaluation up to float32 rounding (summation order), which
 * the tests check.
 *
 * Threads: chunks are a fixed size that does not depend on the thread count, and workers take
 * the next unclaimed chunk; each coalition's value depends only on its own chunk, so results
 * are bit-identical for any number of threads. An optional side job (the factorisation of the
 * design, which needs no model output) is claimed like a chunk, so it runs while the other
 * workers evaluate. */
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "kernel/kernel_impl.h"
#include "model/model_impl.h"
#include "util/alloc.h"
#include "util/linalg.h"
#include "util/parallel.h"

/* Coalitions per chunk at most. Generic path: large enough for efficient model batches
 * (64 x n_bg rows), small enough to spread over threads. Native fast path: two pairs, so a
 * chunk's first-layer rows (4 x n_bg x h1 floats, 200 KB for the Fashion-MNIST MLP) are
 * still in cache when the rest of the network reads them - 6-9% faster per row than 64
 * there. Even, so a pair never straddles two chunks. */
#define MAX_CHUNK_GENERIC 64
#define MAX_CHUNK_NATIVE 4

double shapc__apply_link(shapc_link link, double p)
{
    if (link == SHAPC_LINK_LOGIT) {
        /* Clip so p = 0 or 1 (common for confident softmax outputs) stays finite. */
        const double lo = 1e-7, hi = 1.0 - 1e-7;
        p = p < lo ? lo : (p > hi ? hi : p);
        return log(p / (1.0 - p));
    }
    return p;
}

static int grow(float **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 1;
    size_t bytes;
    if (!shapc__mul_size(need, sizeof **p, &bytes))
        return 0;
    float *q = shapc__realloc(*p, bytes);
    if (!q)
        return 0;
    *p = q;
    *cap = need;
    return 1;
}

/* ---- preparation ------------------------------------------------------------------------ */

shapc_status shapc__masked_prepare(shapc_kernel *kr, shapc_error *err)
{
    const shapc__native_net *net = shapc__model_native(kr->model);
    /* The fast path rebuilds first-layer pre-activations from W1^T: dense first layers only. */
    if (!kr->opt.use_structure || !net || net->d != kr->d ||
        net->layers[0].kind != SHAPC_LAYER_DENSE || !net->w1t)
        return SHAPC_OK;
    const size_t h1 = net->layers[0].n_out;
    size_t n_p, n_h;
    if (!shapc__mul_size(kr->n_bg, kr->d, &n_p) || !shapc__mul_size(kr->n_bg, h1, &n_h))
        return SHAPC_OK; /* too large to precompute: use the generic path */
    float *pbg = shapc__malloc(n_p * sizeof *pbg);
    kr->pbgt = shapc__malloc(n_p * sizeof *kr->pbgt);
    kr->hbg = shapc__malloc(n_h * sizeof *kr->hbg);
    if (!pbg || !kr->pbgt || !kr->hbg) {
        shapc__free(pbg);
        shapc__masked_release(kr);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory precomputing the background");
    }
    shapc__native_preprocess(net, kr->bg, kr->n_bg, pbg);
    shapc__native_first_preact(net, pbg, kr->n_bg, kr->hbg);
    /* Feature-major, so one switched feature's values over the background are contiguous. */
    for (size_t j = 0; j < kr->n_bg; j++)
        for (size_t f = 0; f < kr->d; f++)
            kr->pbgt[f * kr->n_bg + j] = pbg[j * kr->d + f];
    shapc__free(pbg);
    kr->net = net;
    return SHAPC_OK;
}

void shapc__masked_release(shapc_kernel *kr)
{
    shapc__free(kr->pbgt);
    shapc__free(kr->hbg);
    kr->pbgt = kr->hbg = NULL;
    kr->net = NULL;
}

void shapc__session_forget_design(shapc__session *ss)
{
    shapc__wls_design_free(&ss->design);
    shapc__coalitions_free(&ss->design_c);
    shapc__free(ss->design_players);
    ss->design_players = NULL;
    ss->design_m = 0;
}

void shapc__session_release(shapc__session *ss)
{
    shapc__session_forget_design(ss);
    for (size_t t = 0; t < ss->n_workers; t++) {
        shapc__worker *w = &ss->workers[t];
        shapc__free(w->rows);
        shapc__free(w->out);
        shapc__free(w->tail);
        shapc__free(w->delta);
        shapc__free(w->gath);
        shapc__free(w->feats);
    }
    shapc__free(ss->workers);
    ss->workers = NULL;
    ss->n_workers = 0;
}

/* ---- one chunk ---------------------------------------------------------------------------- */

typedef struct task {
    const shapc_kernel *kr;
    shapc__session *ss;
    const float *x;
    const size_t *players;
    const shapc__coalitions *c;
    double *y;
    const float *px; /* native: preprocessed x (d) */
    const float *hx; /* native: first-layer pre-activation of x (h1) */
    size_t per_chunk;
    shapc__side_job *side; /* or NULL: job 0, before the chunks */
    atomic_size_t n_evals;
} task;

static void copy_group(const shapc_kernel *kr, size_t g, const float *src, float *dst)
{
    for (size_t p = kr->gstart[g]; p < kr->gstart[g + 1]; p++)
        dst[kr->gfeat[p]] = src[kr->gfeat[p]];
}

static shapc_status generic_rows(task *tk, shapc__worker *w, size_t c0, size_t nc,
                                 shapc_error *err)
{
    const shapc_kernel *kr = tk->kr;
    const shapc__coalitions *c = tk->c;
    const size_t d = kr->d, n_bg = kr->n_bg, rows = nc * n_bg;
    if (!grow(&w->rows, &w->rows_cap, rows * d) || !grow(&w->out, &w->out_cap, rows * kr->k))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu masked rows", rows);
    for (size_t ci = 0; ci < nc; ci++) {
        const size_t i = c0 + ci;
        const uint32_t *t = c->idx + c->start[i];
        const size_t nt = c->start[i + 1] - c->start[i];
        for (size_t j = 0; j < n_bg; j++) {
            float *row = w->rows + (ci * n_bg + j) * d;
            const float *b = kr->bg + j * d;
            const float *from = c->complement[i] ? tk->x : b;
            const float *over = c->complement[i] ? b : tk->x;
            memcpy(row, from, d * sizeof *row);
            for (size_t p = 0; p < nt; p++)
                copy_group(kr, tk->players[t[p]], over, row);
        }
    }
    return shapc_model_predict(kr->model, w->rows, rows, w->out, err);
}

/* Features switched by coalition i (its small side's groups) into w->feats; returns nf. */
static size_t switched_features(const task *tk, shapc__worker *w, size_t i)
{
    const shapc_kernel *kr = tk->kr;
    const shapc__coalitions *c = tk->c;
    size_t nf = 0;
    for (size_t p = c->start[i]; p < c->start[i + 1]; p++) {
        const size_t g = tk->players[c->idx[p]];
        for (size_t q = kr->gstart[g]; q < kr->gstart[g + 1]; q++)
            w->feats[nf++] = kr->gfeat[q];
    }
    return nf;
}

static shapc_status native_rows(task *tk, shapc__worker *w, size_t c0, size_t nc,
                                shapc_error *err)
{
    const shapc_kernel *kr = tk->kr;
    const shapc__native_net *net = kr->net;
    const shapc__coalitions *c = tk->c;
    const size_t n_bg = kr->n_bg, rows = nc * n_bg, h1 = net->layers[0].n_out;
    if (!grow(&w->rows, &w->rows_cap, rows * h1) || !grow(&w->out, &w->out_cap, rows * kr->k) ||
        !grow(&w->tail, &w->tail_cap, rows * shapc__native_tail_scratch(net) + 1))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu masked rows", rows);
    if (!w->feats && !(w->feats = shapc__malloc(kr->d * sizeof *w->feats)))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    for (size_t ci = 0; ci < nc; ci++) {
        const size_t i = c0 + ci;
        const int pair = ci + 1 < nc && shapc__coalitions_is_pair(c, i);
        const size_t nf = switched_features(tk, w, i);
        if (nf > w->nf_cap) {
            size_t cap_d = 0, cap_g = 0;
            if (!grow(&w->delta, &cap_d, nf * n_bg) || !grow(&w->gath, &cap_g, nf * h1))
                return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
            w->nf_cap = nf;
        }
        /* delta^T (nf, n_bg): x minus the background on each switched feature. */
        for (size_t q = 0; q < nf; q++) {
            const float *pb = kr->pbgt + w->feats[q] * n_bg;
            const float xf = tk->px[w->feats[q]];
            float *dq = w->delta + q * n_bg;
            for (size_t j = 0; j < n_bg; j++)
                dq[j] = xf - pb[j];
        }
        for (size_t q = 0; q < nf; q++)
            memcpy(w->gath + q * h1, net->w1t + w->feats[q] * h1, h1 * sizeof *w->gath);
        /* T (flag 0) is the background with T's features from x: h_b + U; its complement
         * (flag 1) is x with T's features from the background: h_x - U. */
        float *pre = w->rows + ci * n_bg * h1;
        const int comp = c->complement[i];
        if (!pair && comp) {
            for (size_t j = 0; j < n_bg; j++)
                memcpy(pre + j * h1, tk->hx, h1 * sizeof *pre);
            shapc__sgemm_atb_acc(n_bg, h1, nf, -1.0f, w->delta, w->gath, pre);
            continue;
        }
        float *with_t = comp ? pre + n_bg * h1 : pre;
        if (!pair) {
            memcpy(with_t, kr->hbg, n_bg * h1 * sizeof *pre);
            shapc__sgemm_atb_acc(n_bg, h1, nf, 1.0f, w->delta, w->gath, with_t);
            continue;
        }
        /* U into one member's rows, then both members in one pass over it. */
        float *without_t = comp ? pre : pre + n_bg * h1;
        shapc__sgemm_atb(n_bg, h1, nf, w->delta, w->gath, with_t);
        for (size_t j = 0; j < n_bg; j++) {
            const float *hb = kr->hbg + j * h1;
            float *wt = with_t + j * h1, *wo = without_t + j * h1;
            for (size_t h = 0; h < h1; h++) {
                wo[h] = tk->hx[h] - wt[h];
                wt[h] += hb[h];
            }
        }
        ci++;
    }
    /* Non-finite outputs surface in the background average (run_job). */
    shapc__native_forward_from_preact(net, w->rows, rows, w->out, w->tail);
    return SHAPC_OK;
}

static shapc_status run_job(void *ctx, size_t job, size_t worker, shapc_error *err)
{
    task *tk = ctx;
    const shapc_kernel *kr = tk->kr;
    if (tk->side) {
        if (job == 0) {
            tk->side->status = tk->side->run(tk->side->ctx, &tk->side->err);
            if (tk->side->status != SHAPC_OK && err)
                *err = tk->side->err;
            return tk->side->status;
        }
        job--;
    }
    shapc__worker *w = &tk->ss->workers[worker];
    const size_t c0 = job * tk->per_chunk;
    const size_t nc = tk->c->n - c0 < tk->per_chunk ? tk->c->n - c0 : tk->per_chunk;
    const size_t n_bg = kr->n_bg, k = kr->k;
    shapc_status st = kr->net ? native_rows(tk, w, c0, nc, err) : generic_rows(tk, w, c0, nc, err);
    if (st != SHAPC_OK)
        return st;
    atomic_fetch_add(&tk->n_evals, nc * n_bg);
    /* Background average, row by row (contiguous); any NaN or infinity among a coalition's
     * outputs makes its average non-finite, so checking k averages checks n_bg * k outputs. */
    for (size_t ci = 0; ci < nc; ci++) {
        double *yc = tk->y + (c0 + ci) * k;
        const float *out = w->out + ci * n_bg * k;
        memset(yc, 0, k * sizeof *yc);
        for (size_t j = 0; j < n_bg; j++)
            for (size_t o = 0; o < k; o++)
                yc[o] += kr->bg_w[j] * (double)out[j * k + o];
        for (size_t o = 0; o < k; o++) {
            if (!isfinite(yc[o])) {
                size_t j = 0;
                while (j + 1 < n_bg && isfinite(out[j * k + o]))
                    j++;
                return shapc_error_set(err, SHAPC_ENONFINITE, "model output %zu is not finite "
                                       "for a masked row (background row %zu)", o, j);
            }
            yc[o] = shapc__apply_link(kr->opt.link, yc[o]) - kr->base[o];
        }
    }
    return SHAPC_OK;
}

/* ---- driver ------------------------------------------------------------------------------- */

shapc_status shapc__masked_evaluate(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                    const size_t *players, const shapc__coalitions *c,
                                    double *y, size_t *n_evals, shapc__side_job *side,
                                    shapc_error *err)
{
    const size_t n_bg = kr->n_bg, k = kr->k;
    const size_t width = kr->net ? kr->net->layers[0].n_out + shapc__native_tail_scratch(kr->net)
                                 : kr->d;
    const size_t row_bytes = (width + k) * sizeof(float);
    size_t per_chunk = kr->opt.max_memory / row_bytes / n_bg;
    const size_t max_chunk = kr->net ? MAX_CHUNK_NATIVE : MAX_CHUNK_GENERIC;
    per_chunk = per_chunk < 1 ? 1 : (per_chunk > max_chunk ? max_chunk : per_chunk);
    const size_t n_jobs = (c->n + per_chunk - 1) / per_chunk + (side ? 1 : 0);
    size_t n_threads = ss->n_threads ? ss->n_threads : 1;
    if (n_threads > n_jobs)
        n_threads = n_jobs ? n_jobs : 1;
    if (side)
        side->status = SHAPC_OK;

    if (ss->n_workers < n_threads) {
        shapc__worker *ws = shapc__realloc(ss->workers, n_threads * sizeof *ws);
        if (!ws)
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for worker scratch");
        memset(ws + ss->n_workers, 0, (n_threads - ss->n_workers) * sizeof *ws);
        ss->workers = ws;
        ss->n_workers = n_threads;
    }

    float *px = NULL, *hx = NULL;
    if (kr->net) {
        px = shapc__malloc(kr->d * sizeof *px);
        hx = shapc__malloc(kr->net->layers[0].n_out * sizeof *hx);
        if (!px || !hx) {
            shapc__free(px);
            shapc__free(hx);
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        }
        shapc__native_preprocess(kr->net, x, 1, px);
        shapc__native_first_preact(kr->net, px, 1, hx);
    }
    task tk = {.kr = kr, .ss = ss, .x = x, .players = players, .c = c, .y = y, .px = px, .hx = hx,
               .per_chunk = per_chunk, .side = side};
    atomic_init(&tk.n_evals, 0);
    shapc_status st = shapc__parallel_run(n_threads, n_jobs, run_job, &tk, err);
    *n_evals += atomic_load(&tk.n_evals);
    shapc__free(px);
    shapc__free(hx);
    return st;
}
