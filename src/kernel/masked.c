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
 * Rows that need no model (both paths): a masked row differs from background row b only in
 * the players of T where x and b differ. If there are none, the row IS b (or, for the
 * complement, x); if T holds all of them, it is x (or b). Such rows take the output of b or
 * x, computed once, instead of a model evaluation - exact, not an approximation. Data with
 * ties between x and the background have many (categorical or binary columns); for
 * Fashion-MNIST pixels, whose always-zero border is no player at all, 4-8% of shap's
 * scheme's rows.
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
#include "kernel/walk.h"
#include "model/first_stage.h"
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

/* Coalitions with more players than this are not searched for rows equal to b or x unless
 * they could hold all of a row's differences: with ties at rate p, a T of 8 players misses
 * every difference with probability p^8 (0.5% at p = 0.5), and counting costs |T| x n_bg. */
#define MAX_TIED_PLAYERS 8

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

/* out (rows, k) = the model after its first stage, from the pre-activations pre. */
static shapc_status stage_outputs(const shapc__first_stage *fs, const float *pre, size_t rows,
                                  float *out, shapc_error *err)
{
    float *buf = shapc__malloc(rows * (fs->h + fs->tail_scratch) * sizeof *buf + 1);
    if (!buf)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    memcpy(buf, pre, rows * fs->h * sizeof *buf);
    fs->activate(fs->ctx, buf, rows);
    shapc_status st = fs->finish(fs->ctx, buf, rows, out, buf + rows * fs->h, err);
    shapc__free(buf);
    return st;
}

shapc_status shapc__masked_prepare(shapc_kernel *kr, shapc_error *err)
{
    const shapc__first_stage *fs = shapc__model_first_stage(kr->model);
    /* The fast path rebuilds first-stage pre-activations from W^T. */
    if (!kr->opt.use_structure || !fs || fs->d != kr->d)
        return SHAPC_OK;
    const size_t h1 = fs->h;
    size_t n_p, n_h;
    if (!shapc__mul_size(kr->n_bg, kr->d, &n_p) || !shapc__mul_size(kr->n_bg, h1, &n_h))
        return SHAPC_OK; /* too large to precompute: use the generic path */
    float *pbg = shapc__malloc(n_p * sizeof *pbg);
    kr->pbgt = shapc__malloc(n_p * sizeof *kr->pbgt);
    kr->hbg = shapc__malloc(n_h * sizeof *kr->hbg);
    shapc_status st = SHAPC_OK;
    if (!pbg || !kr->pbgt || !kr->hbg) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory precomputing the background");
    } else {
        fs->preprocess(fs->ctx, kr->bg, kr->n_bg, pbg);
        fs->preact(fs->ctx, pbg, kr->n_bg, kr->hbg);
        /* A masked row equal to a background row gets the output the fast path gives it. */
        st = stage_outputs(fs, kr->hbg, kr->n_bg, kr->fbg, err);
    }
    if (st != SHAPC_OK) {
        shapc__free(pbg);
        shapc__masked_release(kr);
        return st;
    }
    /* Feature-major, so one switched feature's values over the background are contiguous. */
    for (size_t j = 0; j < kr->n_bg; j++)
        for (size_t f = 0; f < kr->d; f++)
            kr->pbgt[f * kr->n_bg + j] = pbg[j * kr->d + f];
    shapc__free(pbg);
    kr->fs = fs;
    return SHAPC_OK;
}

void shapc__masked_release(shapc_kernel *kr)
{
    shapc__free(kr->pbgt);
    shapc__free(kr->hbg);
    kr->pbgt = kr->hbg = NULL;
    kr->fs = NULL;
}

void shapc__session_forget_design(shapc__session *ss)
{
    shapc__wls_design_free(&ss->design);
    shapc__coalitions_free(&ss->design_c);
    shapc__free(ss->design_players);
    ss->design_players = NULL;
    ss->design_m = 0;
}

shapc_status shapc__session_workers(shapc__session *ss, size_t n, shapc_error *err)
{
    n = n ? n : 1;
    if (ss->n_workers >= n)
        return SHAPC_OK;
    shapc__worker *ws = shapc__realloc(ss->workers, n * sizeof *ws);
    if (!ws)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for worker scratch");
    memset(ws + ss->n_workers, 0, (n - ss->n_workers) * sizeof *ws);
    ss->workers = ws;
    ss->n_workers = n;
    return SHAPC_OK;
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
        shapc__free(w->book);
        if (w->walker) {
            shapc__walker_free(w->walker);
            shapc__free(w->walker);
        }
        shapc__perm_scratch_free(w->perm);
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
    const float *hxb; /* native: (n_bg, h1) hx + hbg[j] */
    int relu;         /* native: the first activation is relu (fused into building rows) */
    const float *fx; /* (k) output for a masked row equal to x, on the path in use */
    const uint32_t *ndiff; /* (n_bg) players where background row j differs from x */
    size_t min_ndiff;
    size_t per_chunk;
    shapc__side_job *side; /* or NULL: job 0, before the chunks */
    atomic_size_t n_evals;
} task;

/* What a masked row needs: a model evaluation, or nothing because it equals background row j
 * or x (see the header), or (generic path) an earlier row of the same coalition. */
enum { ROW_EVAL = 0, ROW_IS_BG = 1, ROW_IS_X = 2, ROW_DUP = 3 };

/* cnt[j] += 1 for each player t of ts (all m players if ts is NULL) where background row j
 * differs from x. Differing means: in preprocessed units on the native path (a zero
 * difference then contributes exactly nothing to the first layer), as values on the generic
 * path (as find_players decides who plays). any: n_bg bytes of scratch. */
static void count_differing(const task *tk, const uint32_t *ts, size_t nt, uint32_t *cnt,
                            unsigned char *any)
{
    const shapc_kernel *kr = tk->kr;
    const size_t n_bg = kr->n_bg;
    for (size_t p = 0; p < nt; p++) {
        const size_t g = tk->players[ts ? ts[p] : p];
        const size_t q0 = kr->gstart[g], q1 = kr->gstart[g + 1];
        if (q1 - q0 > 1)
            memset(any, 0, n_bg);
        for (size_t q = q0; q < q1; q++) {
            const size_t f = kr->gfeat[q];
            if (kr->fs) {
                /* Feature-major: contiguous over the background, so these loops vectorise. */
                const float *pb = kr->pbgt + f * n_bg, xf = tk->px[f];
                if (q1 - q0 == 1)
                    for (size_t j = 0; j < n_bg; j++)
                        cnt[j] += pb[j] != xf;
                else
                    for (size_t j = 0; j < n_bg; j++)
                        any[j] |= pb[j] != xf;
            } else {
                const float *b = kr->bg + f, xf = tk->x[f];
                for (size_t j = 0; j < n_bg; j++)
                    any[j] = (unsigned char)((q > q0 && any[j]) || b[j * kr->d] != xf);
            }
        }
        if (q1 - q0 > 1 || !kr->fs)
            for (size_t j = 0; j < n_bg; j++)
                cnt[j] += any[j];
    }
}

/* The chunk's row bookkeeping in one block, largest alignment first: live, seen (need each,
 * pointer-sized), cnt, ref (need each) and htab (4 need) as uint32, code and any (need bytes
 * each). need = coalitions x background rows; everything in it is scratch. */
static int grow_codes(shapc__worker *w, size_t need)
{
    if (need <= w->code_cap)
        return 1;
    const size_t per = sizeof(size_t) + sizeof(const float *) + 6 * sizeof(uint32_t) + 2;
    unsigned char *blk = need <= SIZE_MAX / per ? shapc__malloc(need * per) : NULL;
    if (!blk)
        return 0;
    shapc__free(w->book);
    w->book = blk;
    w->live = (size_t *)(void *)blk;
    w->seen = (const float **)(void *)(blk += need * sizeof(size_t));
    w->cnt = (uint32_t *)(void *)(blk += need * sizeof(const float *));
    w->ref = w->cnt + need;
    w->htab = w->ref + need;
    w->code = (unsigned char *)(w->htab + 4 * need);
    w->any = w->code + need;
    w->code_cap = need;
    return 1;
}

/* Codes coalition i's rows (code, n_bg) and lists the rows to evaluate in w->live; returns
 * their number. A row whose T holds none of the players where b_j differs from x equals b_j
 * (flag 0) or x (flag 1); one whose T holds all of them equals x (flag 0) or b_j (flag 1). */
static size_t classify(const task *tk, shapc__worker *w, size_t i, unsigned char *code)
{
    const shapc__coalitions *c = tk->c;
    const size_t n_bg = tk->kr->n_bg, nt = c->start[i + 1] - c->start[i];
    /* Too many players for T to miss every difference (probability ~ (ties)^|T|) and too
     * few to hold them all: every row is evaluated, not worth counting. */
    if (nt > MAX_TIED_PLAYERS && nt < tk->min_ndiff) {
        memset(code, ROW_EVAL, n_bg);
        for (size_t j = 0; j < n_bg; j++)
            w->live[j] = j;
        return n_bg;
    }
    memset(w->cnt, 0, n_bg * sizeof *w->cnt);
    count_differing(tk, c->idx + c->start[i], c->start[i + 1] - c->start[i], w->cnt, w->any);
    const int comp = c->complement[i];
    size_t n_live = 0;
    for (size_t j = 0; j < n_bg; j++) {
        if (w->cnt[j] == 0) {
            code[j] = comp ? ROW_IS_X : ROW_IS_BG;
        } else if (w->cnt[j] == tk->ndiff[j]) {
            code[j] = comp ? ROW_IS_BG : ROW_IS_X;
        } else {
            code[j] = ROW_EVAL;
            w->live[n_live++] = j;
        }
    }
    return n_live;
}

/* The partner of a pair swaps which of b_j and x its unevaluated rows equal. */
static void mirror_codes(const unsigned char *code, unsigned char *partner, size_t n_bg)
{
    for (size_t j = 0; j < n_bg; j++)
        partner[j] = code[j] == ROW_IS_BG ? ROW_IS_X
                                          : (code[j] == ROW_IS_X ? ROW_IS_BG : ROW_EVAL);
}

/* Generic path, complemented coalition i (x with T's features from the background): its row
 * for background row j depends only on b_j's values on T, so rows whose backgrounds agree
 * there are one row - common with categorical columns, where a black-box model call is what
 * costs. Marks all but the first of each set ROW_DUP (ref[j] = the first) and drops them from
 * w->live; returns the rows left. Hash table of the T-values, verified value by value. */
static size_t drop_duplicates(const task *tk, shapc__worker *w, size_t i, unsigned char *code,
                              uint32_t *ref, size_t n_live)
{
    const shapc_kernel *kr = tk->kr;
    const shapc__coalitions *c = tk->c;
    size_t mask = 1;
    while (mask < 2 * n_live)
        mask <<= 1;
    uint32_t *tab = w->htab;
    memset(tab, 0, mask * sizeof *tab);
    mask--;
    size_t kept = 0;
    for (size_t jj = 0; jj < n_live; jj++) {
        const size_t j = w->live[jj];
        const float *b = kr->bg + j * kr->d;
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t p = c->start[i]; p < c->start[i + 1]; p++) {
            const size_t g = tk->players[c->idx[p]];
            for (size_t q = kr->gstart[g]; q < kr->gstart[g + 1]; q++) {
                uint32_t bits;
                memcpy(&bits, b + kr->gfeat[q], sizeof bits);
                h = (h ^ bits) * 0x100000001b3ULL;
            }
        }
        size_t slot = (size_t)(h ^ (h >> 29)) & mask;
        int dup = 0;
        for (; tab[slot]; slot = (slot + 1) & mask) {
            const float *o = kr->bg + (size_t)(tab[slot] - 1) * kr->d;
            int same = 1;
            for (size_t p = c->start[i]; p < c->start[i + 1] && same; p++) {
                const size_t g = tk->players[c->idx[p]];
                for (size_t q = kr->gstart[g]; q < kr->gstart[g + 1] && same; q++)
                    same = memcmp(b + kr->gfeat[q], o + kr->gfeat[q], sizeof *b) == 0;
            }
            if (same) {
                code[j] = ROW_DUP;
                ref[j] = tab[slot] - 1;
                dup = 1;
                break;
            }
        }
        if (!dup) {
            tab[slot] = (uint32_t)j + 1;
            w->live[kept++] = j;
        }
    }
    return kept;
}

static void copy_group(const shapc_kernel *kr, size_t g, const float *src, float *dst)
{
    for (size_t p = kr->gstart[g]; p < kr->gstart[g + 1]; p++)
        dst[kr->gfeat[p]] = src[kr->gfeat[p]];
}

/* Builds and evaluates the chunk's rows that need the model; *n_rows gets their number. */
static shapc_status generic_rows(task *tk, shapc__worker *w, size_t c0, size_t nc,
                                 size_t *n_rows, shapc_error *err)
{
    const shapc_kernel *kr = tk->kr;
    const shapc__coalitions *c = tk->c;
    const size_t d = kr->d, n_bg = kr->n_bg, rows = nc * n_bg;
    if (!grow(&w->rows, &w->rows_cap, rows * d) || !grow(&w->out, &w->out_cap, rows * kr->k) ||
        !grow_codes(w, rows))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu masked rows", rows);
    size_t r = 0;
    for (size_t ci = 0; ci < nc; ci++) {
        const size_t i = c0 + ci;
        const uint32_t *t = c->idx + c->start[i];
        const size_t nt = c->start[i + 1] - c->start[i];
        size_t n_live = classify(tk, w, i, w->code + ci * n_bg);
        if (c->complement[i] && nt <= MAX_TIED_PLAYERS && n_live > 1)
            n_live = drop_duplicates(tk, w, i, w->code + ci * n_bg, w->ref + ci * n_bg, n_live);
        for (size_t jj = 0; jj < n_live; jj++, r++) {
            float *row = w->rows + r * d;
            const float *b = kr->bg + w->live[jj] * d;
            const float *from = c->complement[i] ? tk->x : b;
            const float *over = c->complement[i] ? b : tk->x;
            memcpy(row, from, d * sizeof *row);
            for (size_t p = 0; p < nt; p++)
                copy_group(kr, tk->players[t[p]], over, row);
        }
    }
    *n_rows = r;
    return r ? shapc_model_predict(kr->model, w->rows, r, w->out, err) : SHAPC_OK;
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
                                size_t *n_rows, shapc_error *err)
{
    const shapc_kernel *kr = tk->kr;
    const shapc__first_stage *fs = kr->fs;
    const shapc__coalitions *c = tk->c;
    const size_t n_bg = kr->n_bg, rows = nc * n_bg, h1 = fs->h;
    if (!grow(&w->rows, &w->rows_cap, rows * h1) || !grow(&w->out, &w->out_cap, rows * kr->k) ||
        !grow(&w->tail, &w->tail_cap, rows * fs->tail_scratch + 1) ||
        !grow_codes(w, rows))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu masked rows", rows);
    if (!w->feats && !(w->feats = shapc__malloc(kr->d * sizeof *w->feats)))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    size_t r = 0;
    for (size_t ci = 0; ci < nc; ci++) {
        const size_t i = c0 + ci;
        const int pair = ci + 1 < nc && shapc__coalitions_is_pair(c, i);
        unsigned char *code = w->code + ci * n_bg;
        const size_t n_live = classify(tk, w, i, code);
        if (pair)
            mirror_codes(code, code + n_bg, n_bg);
        if (n_live == 0) {
            ci += (size_t)pair;
            continue;
        }
        const size_t *live = w->live;
        const size_t nf = switched_features(tk, w, i);
        if (nf > w->nf_cap) {
            size_t cap_d = 0, cap_g = 0;
            if (!grow(&w->delta, &cap_d, nf * n_bg) || !grow(&w->gath, &cap_g, nf * h1))
                return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
            w->nf_cap = nf;
        }
        /* delta^T (nf, n_live): x minus the background on each switched feature. */
        for (size_t q = 0; q < nf; q++) {
            const float *pb = kr->pbgt + w->feats[q] * n_bg;
            const float xf = tk->px[w->feats[q]];
            float *dq = w->delta + q * n_live;
            if (n_live == n_bg)
                for (size_t j = 0; j < n_bg; j++)
                    dq[j] = xf - pb[j];
            else
                for (size_t jj = 0; jj < n_live; jj++)
                    dq[jj] = xf - pb[live[jj]];
        }
        for (size_t q = 0; q < nf; q++)
            memcpy(w->gath + q * h1, fs->wt + w->feats[q] * h1, h1 * sizeof *w->gath);
        /* T (flag 0) is the background with T's features from x: h_b + U; its complement
         * (flag 1) is x with T's features from the background: h_x - U. */
        float *pre = w->rows + r * h1;
        const int comp = c->complement[i];
        if (!pair) {
            for (size_t jj = 0; jj < n_live; jj++)
                memcpy(pre + jj * h1, comp ? tk->hx : kr->hbg + live[jj] * h1,
                       h1 * sizeof *pre);
            shapc__sgemm_atb_acc(n_live, h1, nf, comp ? -1.0f : 1.0f, w->delta, w->gath, pre);
            fs->activate(fs->ctx, pre, n_live);
            r += n_live;
            continue;
        }
        /* h_b + U in place of the background rows' pre-activations (the GEMM adds to them,
         * so there is no separate pass to clear its output), then the complement as
         * (h_x + h_b) - (h_b + U), both activated in the same pass. */
        float *with_t = comp ? pre + n_live * h1 : pre;
        float *without_t = comp ? pre : pre + n_live * h1;
        if (n_live == n_bg)
            memcpy(with_t, kr->hbg, n_bg * h1 * sizeof *pre);
        else
            for (size_t jj = 0; jj < n_live; jj++)
                memcpy(with_t + jj * h1, kr->hbg + live[jj] * h1, h1 * sizeof *pre);
        shapc__sgemm_atb_acc(n_live, h1, nf, 1.0f, w->delta, w->gath, with_t);
        for (size_t jj = 0; jj < n_live; jj++) {
            const float *sum = tk->hxb + live[jj] * h1;
            float *wt = with_t + jj * h1, *wo = without_t + jj * h1;
            if (tk->relu) {
                for (size_t h = 0; h < h1; h++) {
                    const float a = wt[h], b = sum[h] - a;
                    /* selects, so the loop vectorises; NaN < 0 is false: NaN stays NaN */
                    wt[h] = a < 0.0f ? 0.0f : a;
                    wo[h] = b < 0.0f ? 0.0f : b;
                }
            } else {
                for (size_t h = 0; h < h1; h++)
                    wo[h] = sum[h] - wt[h];
            }
        }
        if (!tk->relu)
            fs->activate(fs->ctx, pre, 2 * n_live);
        r += 2 * n_live;
        ci++;
    }
    /* Non-finite outputs surface in the background average (run_job). */
    *n_rows = r;
    return r ? fs->finish(fs->ctx, w->rows, r, w->out, w->tail, err) : SHAPC_OK;
}

/* Output of background row j for a coalition with row codes `code`: the next evaluated row
 * (*o advances; remembered in seen[j]), an earlier row's (ROW_DUP), or the output of b_j or
 * x. Rows are visited in order, so a duplicate's first row has been seen. */
static const float *row_output(const task *tk, const unsigned char *code, const uint32_t *ref,
                               const float **seen, size_t j, const float **o)
{
    const size_t k = tk->kr->k;
    switch (code[j]) {
    case ROW_EVAL:
        seen[j] = *o;
        *o += k;
        return seen[j];
    case ROW_DUP:
        return seen[ref[j]];
    case ROW_IS_BG:
        return tk->kr->fbg + j * k;
    default:
        return tk->fx;
    }
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
    size_t n_rows = 0;
    shapc_status st = kr->fs ? native_rows(tk, w, c0, nc, &n_rows, err)
                              : generic_rows(tk, w, c0, nc, &n_rows, err);
    if (st != SHAPC_OK)
        return st;
    atomic_fetch_add(&tk->n_evals, n_rows);
    /* Background average, row by row (contiguous); any NaN or infinity among a coalition's
     * outputs makes its average non-finite, so checking k averages checks n_bg * k outputs. */
    const float *o = w->out;
    for (size_t ci = 0; ci < nc; ci++) {
        double *yc = tk->y + (c0 + ci) * k;
        const unsigned char *code = w->code + ci * n_bg;
        const uint32_t *ref = w->ref + ci * n_bg;
        const float *o_first = o;
        memset(yc, 0, k * sizeof *yc);
        for (size_t j = 0; j < n_bg; j++) {
            const float *out = row_output(tk, code, ref, w->seen, j, &o);
            for (size_t q = 0; q < k; q++)
                yc[q] += kr->bg_w[j] * (double)out[q];
        }
        for (size_t q = 0; q < k; q++) {
            if (!isfinite(yc[q])) {
                size_t j = 0;
                const float *again = o_first;
                while (j + 1 < n_bg &&
                       isfinite(row_output(tk, code, ref, w->seen, j, &again)[q]))
                    j++;
                return shapc_error_set(err, SHAPC_ENONFINITE, "model output %zu is not finite "
                                       "for a masked row (background row %zu)", q, j);
            }
            yc[q] = shapc__apply_link(kr->opt.link, yc[q]) - kr->base[q];
        }
    }
    return shapc__kernel_poll(kr) ? shapc_error_set(err, SHAPC_ECANCELED, "canceled")
                                  : SHAPC_OK;
}

/* ---- driver ------------------------------------------------------------------------------- */

shapc_status shapc__masked_evaluate(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                    const float *fx, const size_t *players,
                                    const shapc__coalitions *c, double *y, size_t *n_evals,
                                    shapc__side_job *side, shapc_error *err)
{
    const size_t n_bg = kr->n_bg, k = kr->k;
    const size_t width = kr->fs ? kr->fs->h + kr->fs->tail_scratch : kr->d;
    const size_t row_bytes = (width + k) * sizeof(float);
    size_t per_chunk = kr->opt.max_memory / row_bytes / n_bg;
    const size_t max_chunk = kr->fs ? MAX_CHUNK_NATIVE : MAX_CHUNK_GENERIC;
    per_chunk = per_chunk < 1 ? 1 : (per_chunk > max_chunk ? max_chunk : per_chunk);
    const size_t n_jobs = (c->n + per_chunk - 1) / per_chunk + (side ? 1 : 0);
    size_t n_threads = ss->n_threads ? ss->n_threads : 1;
    if (n_threads > n_jobs)
        n_threads = n_jobs ? n_jobs : 1;
    if (side)
        side->status = SHAPC_OK;

    shapc_status st = shapc__session_workers(ss, n_threads, err);
    if (st != SHAPC_OK)
        return st;

    float *px = NULL, *hx = NULL, *fxn = NULL, *hxb = NULL;
    uint32_t *ndiff = shapc__calloc(n_bg, sizeof *ndiff);
    unsigned char *any = shapc__malloc(n_bg);
    const shapc__first_stage *fs = kr->fs;
    if (!ndiff || !any) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    } else if (fs) {
        const size_t h1 = fs->h;
        px = shapc__malloc(kr->d * sizeof *px);
        hx = shapc__malloc(h1 * sizeof *hx);
        fxn = shapc__malloc(k * sizeof *fxn);
        hxb = shapc__malloc(n_bg * h1 * sizeof *hxb);
        if (!px || !hx || !fxn || !hxb) {
            st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        } else {
            fs->preprocess(fs->ctx, x, 1, px);
            fs->preact(fs->ctx, px, 1, hx);
            for (size_t j = 0; j < n_bg; j++)
                for (size_t h = 0; h < h1; h++)
                    hxb[j * h1 + h] = hx[h] + kr->hbg[j * h1 + h];
            /* The fast path's own output for x, as for the background rows. */
            st = stage_outputs(fs, hx, 1, fxn, err);
        }
    }
    if (st != SHAPC_OK)
        goto done;
    task tk = {.kr = kr, .ss = ss, .x = x, .players = players, .c = c, .y = y, .px = px, .hx = hx,
               .hxb = hxb, .relu = fs && fs->relu, .fx = fs ? fxn : fx, .ndiff = ndiff,
               .per_chunk = per_chunk, .side = side};
    count_differing(&tk, NULL, c->m, ndiff, any);
    tk.min_ndiff = SIZE_MAX;
    for (size_t j = 0; j < n_bg; j++)
        tk.min_ndiff = ndiff[j] < tk.min_ndiff ? ndiff[j] : tk.min_ndiff;
    atomic_init(&tk.n_evals, 0);
    st = shapc__parallel_run(n_threads, n_jobs, run_job, &tk, err);
    *n_evals += atomic_load(&tk.n_evals);
done:
    shapc__free(px);
    shapc__free(hx);
    shapc__free(fxn);
    shapc__free(hxb);
    shapc__free(ndiff);
    shapc__free(any);
    return st;
}
