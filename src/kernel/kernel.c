/* kernel.c - the KernelSHAP explainer: players, masked evaluation, and the public API.
 *
 * For one instance x the flow is: find the players that vary against the background, choose
 * coalitions (coalition.c), evaluate v(S) = link(sum_j w_j f(x_S, b_j)) by building masked
 * rows in memory-bounded chunks (masked.c), then solve the constrained
 * regression (wls.c). The RNG for an instance is seeded from (seed, hash of x), so an
 * instance's result depends only on the seed and its own values - not on which rows were
 * explained before it, in which order, or by which thread or process. */
#include "shapc/kernel.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "kernel/coalition.h"
#include "kernel/kernel_impl.h"
#include "kernel/rng.h"
#include "kernel/wls.h"
#include "util/alloc.h"
#include "util/linalg.h"
#include "util/parallel.h"

shapc_kernel_options shapc_kernel_options_default(void)
{
    shapc_kernel_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.link = SHAPC_LINK_IDENTITY;
    o.n_batches = 16;
    o.max_memory = (size_t)64 << 20;
    o.sampler = SHAPC_SAMPLER_AUTO;
    o.n_threads = 1;
    o.use_structure = 1;
    return o;
}

/* ---- progress and cancellation ----------------------------------------------------------- */

/* Mutable through a const kernel: the explain paths take the kernel as const. */
typedef struct shapc__progress {
    pthread_mutex_t lock;
    size_t done, total;
    atomic_int stop;
} shapc__progress;

int shapc__kernel_poll(const shapc_kernel *kr)
{
    shapc__progress *p = kr->prog;
    if (atomic_load(&p->stop))
        return 1;
    if (!kr->opt.progress)
        return 0;
    pthread_mutex_lock(&p->lock);
    if (!atomic_load(&p->stop) &&
        kr->opt.progress(kr->opt.progress_user, p->done, p->total) != 0)
        atomic_store(&p->stop, 1);
    pthread_mutex_unlock(&p->lock);
    return atomic_load(&p->stop);
}

void shapc__kernel_progress_start(const shapc_kernel *kr, size_t total)
{
    kr->prog->done = 0;
    kr->prog->total = total;
    atomic_store(&kr->prog->stop, 0);
}

int shapc__kernel_progress_row(const shapc_kernel *kr)
{
    pthread_mutex_lock(&kr->prog->lock);
    kr->prog->done++;
    pthread_mutex_unlock(&kr->prog->lock);
    return shapc__kernel_poll(kr);
}

/* ---- drawing background rows by weight (Walker 1977, Vose's construction) --------------- */

static shapc_status build_alias(shapc_kernel *kr, shapc_error *err)
{
    const size_t n = kr->n_bg;
    int uniform = 1;
    for (size_t j = 1; j < n && uniform; j++)
        uniform = kr->bg_w[j] == kr->bg_w[0];
    if (uniform)
        return SHAPC_OK;
    kr->alias_p = shapc__malloc(n * sizeof *kr->alias_p);
    kr->alias_i = shapc__malloc(n * sizeof *kr->alias_i);
    uint32_t *work = shapc__malloc(n * sizeof *work);
    if (!kr->alias_p || !kr->alias_i || !work || n > UINT32_MAX) {
        shapc__free(work);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for background weights");
    }
    /* Small ones from the front of work, large ones from the back. */
    size_t ns = 0, nl = n;
    for (size_t j = 0; j < n; j++) {
        kr->alias_p[j] = kr->bg_w[j] * (double)n;
        kr->alias_i[j] = (uint32_t)j;
        if (kr->alias_p[j] < 1.0)
            work[ns++] = (uint32_t)j;
        else
            work[--nl] = (uint32_t)j;
    }
    while (ns > 0 && nl < n) {
        const uint32_t s = work[--ns], l = work[nl];
        kr->alias_i[s] = l;
        kr->alias_p[l] -= 1.0 - kr->alias_p[s];
        if (kr->alias_p[l] < 1.0) {
            nl++;
            work[ns++] = l;
        }
    }
    /* What is left is 1 up to rounding. */
    while (ns > 0)
        kr->alias_p[work[--ns]] = 1.0;
    while (nl < n)
        kr->alias_p[work[nl++]] = 1.0;
    shapc__free(work);
    return SHAPC_OK;
}

size_t shapc__kernel_draw_row(const shapc_kernel *kr, shapc__rng *rng)
{
    const size_t j = shapc__rng_below(rng, kr->n_bg);
    if (!kr->alias_p)
        return j;
    return shapc__rng_uniform(rng) < kr->alias_p[j] ? j : kr->alias_i[j];
}

/* ---- creation and groups ------------------------------------------------------------- */

void shapc_kernel_free(shapc_kernel *kernel)
{
    if (!kernel)
        return;
    shapc__masked_release(kernel);
    shapc__session_release(&kernel->main);
    for (size_t t = 0; t < kernel->n_rows_sessions; t++)
        shapc__session_release(&kernel->rows[t]);
    shapc__free(kernel->rows);
    shapc__free(kernel->bg);
    shapc__free(kernel->bg_w);
    shapc__free(kernel->bg_wf);
    shapc__free(kernel->base);
    shapc__free(kernel->fbg);
    shapc__free(kernel->gstart);
    shapc__free(kernel->gfeat);
    shapc__free(kernel->alias_p);
    shapc__free(kernel->alias_i);
    if (kernel->prog) {
        pthread_mutex_destroy(&kernel->prog->lock);
        shapc__free(kernel->prog);
    }
    shapc__free(kernel);
}

shapc_status shapc_kernel_set_groups(shapc_kernel *kernel, const size_t *group_of,
                                     size_t n_groups, shapc_error *err)
{
    const size_t d = kernel->d;
    if (!group_of)
        n_groups = d;
    if (n_groups == 0 || n_groups > d)
        return shapc_error_set(err, SHAPC_EINVAL, "%zu groups for %zu features", n_groups, d);
    size_t *gstart = shapc__calloc(n_groups + 1, sizeof *gstart);
    size_t *gfeat = shapc__malloc(d * sizeof *gfeat);
    if (!gstart || !gfeat) {
        shapc__free(gstart);
        shapc__free(gfeat);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for groups");
    }
    for (size_t i = 0; i < d; i++) {
        const size_t g = group_of ? group_of[i] : i;
        if (g >= n_groups) {
            shapc__free(gstart);
            shapc__free(gfeat);
            return shapc_error_set(err, SHAPC_EINVAL, "feature %zu is in group %zu of %zu", i,
                                   g, n_groups);
        }
        gstart[g + 1]++;
    }
    for (size_t g = 0; g < n_groups; g++) {
        if (gstart[g + 1] == 0) {
            shapc__free(gstart);
            shapc__free(gfeat);
            return shapc_error_set(err, SHAPC_EINVAL, "group %zu has no features", g);
        }
        gstart[g + 1] += gstart[g];
    }
    /* Counting sort of features by group, stable in feature order. */
    for (size_t i = 0; i < d; i++) {
        const size_t g = group_of ? group_of[i] : i;
        gfeat[gstart[g]++] = i; /* afterwards gstart[g] is the end of group g */
    }
    for (size_t g = n_groups; g > 0; g--)
        gstart[g] = gstart[g - 1];
    gstart[0] = 0;
    shapc__free(kernel->gstart);
    shapc__free(kernel->gfeat);
    /* Player indices change meaning: a shared design no longer applies. */
    shapc__session_forget_design(&kernel->main);
    for (size_t t = 0; t < kernel->n_rows_sessions; t++)
        shapc__session_forget_design(&kernel->rows[t]);
    kernel->gstart = gstart;
    kernel->gfeat = gfeat;
    kernel->n_groups = n_groups;
    return SHAPC_OK;
}

size_t shapc_kernel_n_players(const shapc_kernel *kernel) { return kernel->n_groups; }

const double *shapc_kernel_base_values(const shapc_kernel *kernel) { return kernel->base; }

/* Weighted mean over the background of f, in double: the base value before the link. */
static shapc_status background_mean(shapc_kernel *kr, shapc_error *err)
{
    size_t n_out;
    if (!shapc__mul_size(kr->n_bg, kr->k, &n_out))
        return shapc_error_set(err, SHAPC_ERANGE, "background too large");
    float *out = shapc__malloc(n_out * sizeof *out);
    if (!out)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory evaluating the background");
    shapc_status st = shapc_model_predict(kr->model, kr->bg, kr->n_bg, out, err);
    if (st == SHAPC_OK) {
        for (size_t o = 0; o < kr->k; o++) {
            double s = 0.0;
            for (size_t j = 0; j < kr->n_bg; j++)
                s += kr->bg_w[j] * (double)out[j * kr->k + o];
            kr->base[o] = shapc__apply_link(kr->opt.link, s);
        }
    }
    /* Kept: masked rows equal to a background row take its output (masked.c). */
    kr->fbg = out;
    return st;
}

shapc_status shapc_kernel_create(const shapc_model *model, const float *background, size_t n_bg,
                                 const float *bg_weights, const shapc_kernel_options *options,
                                 shapc_kernel **out, shapc_error *err)
{
    *out = NULL;
    if (!model || !background || n_bg == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "the explainer needs a model and a non-empty "
                                                  "background");
    shapc__blas_pin();
    shapc_kernel_options opt = shapc_kernel_options_default();
    if (options) {
        /* Fields past the caller's size keep their defaults. */
        if (options->size < offsetof(shapc_kernel_options, max_evals) ||
            options->size > sizeof opt)
            return shapc_error_set(err, SHAPC_EINVAL, "kernel options of size %zu: initialise "
                                   "them with shapc_kernel_options_default()", options->size);
        memcpy(&opt, options, options->size);
        opt.size = sizeof opt;
    }
    if (opt.link != SHAPC_LINK_IDENTITY && opt.link != SHAPC_LINK_LOGIT)
        return shapc_error_set(err, SHAPC_EINVAL, "unknown link function %d", (int)opt.link);
    if (opt.sampler != SHAPC_SAMPLER_KERNEL && opt.sampler != SHAPC_SAMPLER_LEVERAGE &&
        opt.sampler != SHAPC_SAMPLER_PERMUTATION && opt.sampler != SHAPC_SAMPLER_AUTO &&
        opt.sampler != SHAPC_SAMPLER_EXACT)
        return shapc_error_set(err, SHAPC_EINVAL, "unknown sampler %d", (int)opt.sampler);
    if (opt.link == SHAPC_LINK_LOGIT && opt.bg_per_sample > 0 && opt.bg_per_sample < n_bg)
        return shapc_error_set(err, SHAPC_EINVAL, "the logit link needs the whole background "
                               "per sample (bg_per_sample 0): logit(E f) cannot be estimated "
                               "from sampled rows without bias");
    if (!(opt.tol >= 0.0) || !isfinite(opt.tol))
        return shapc_error_set(err, SHAPC_EINVAL, "tolerance must be >= 0");
    if (opt.n_batches < 2)
        opt.n_batches = 2;
    const size_t d = shapc_model_n_inputs(model), k = shapc_model_n_outputs(model);
    size_t cells;
    if (!shapc__mul_size(n_bg, d, &cells) || cells > SIZE_MAX / sizeof(float))
        return shapc_error_set(err, SHAPC_ERANGE, "background of %zu rows too large", n_bg);
    for (size_t i = 0; i < cells; i++)
        if (!isfinite(background[i]))
            return shapc_error_set(err, SHAPC_ENONFINITE,
                                   "background row %zu, feature %zu is not finite", i / d, i % d);

    shapc_kernel *kr = shapc__calloc(1, sizeof *kr);
    if (!kr)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    kr->model = model;
    kr->d = d;
    kr->k = k;
    kr->n_bg = n_bg;
    kr->opt = opt;
    kr->main.n_threads = opt.n_threads ? opt.n_threads : 1;
    kr->bg = shapc__malloc(cells * sizeof *kr->bg);
    kr->bg_w = shapc__malloc(n_bg * sizeof *kr->bg_w);
    kr->base = shapc__calloc(k, sizeof *kr->base);
    kr->prog = shapc__calloc(1, sizeof *kr->prog);
    shapc_status st = SHAPC_OK;
    if (!kr->bg || !kr->bg_w || !kr->base || !kr->prog) {
        shapc__free(kr->prog);
        kr->prog = NULL;
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory copying the background");
        goto fail;
    }
    pthread_mutex_init(&kr->prog->lock, NULL);
    atomic_init(&kr->prog->stop, 0);
    memcpy(kr->bg, background, cells * sizeof *kr->bg);
    if (bg_weights) {
        /* As given: explain_batch builds kernels over the same background (batch.c). */
        if (!(kr->bg_wf = shapc__malloc(n_bg * sizeof *kr->bg_wf))) {
            st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory copying the background");
            goto fail;
        }
        memcpy(kr->bg_wf, bg_weights, n_bg * sizeof *kr->bg_wf);
    }
    double total = 0.0;
    for (size_t j = 0; j < n_bg; j++) {
        const double w = bg_weights ? (double)bg_weights[j] : 1.0;
        if (!(w >= 0.0) || !isfinite(w)) {
            st = shapc_error_set(err, SHAPC_EINVAL, "background weight %zu is %g", j, w);
            goto fail;
        }
        kr->bg_w[j] = w;
        total += w;
    }
    if (!(total > 0.0)) {
        st = shapc_error_set(err, SHAPC_EINVAL, "background weights sum to zero");
        goto fail;
    }
    for (size_t j = 0; j < n_bg; j++)
        kr->bg_w[j] /= total;
    if ((st = shapc_kernel_set_groups(kr, NULL, 0, err)) != SHAPC_OK)
        goto fail;
    if ((st = build_alias(kr, err)) != SHAPC_OK)
        goto fail;
    if ((st = background_mean(kr, err)) != SHAPC_OK)
        goto fail;
    {
        /* Walks build their rows from the first stage alone; the KernelSHAP samplers also
         * precompute the whole background's (n_bg x (d + h) floats), so only they do. */
        const shapc__first_stage *fs = shapc__model_first_stage(model);
        if (opt.use_structure && fs && fs->d == d)
            kr->walk_fs = fs;
    }
    if ((opt.sampler == SHAPC_SAMPLER_KERNEL || opt.sampler == SHAPC_SAMPLER_LEVERAGE) &&
        (st = shapc__masked_prepare(kr, err)) != SHAPC_OK)
        goto fail;
    *out = kr;
    return SHAPC_OK;
fail:
    shapc_kernel_free(kr);
    return st;
}

/* ---- one explanation ----------------------------------------------------------------- */

uint64_t shapc__hash_bytes(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* A group is a player only if some feature differs from x in some background row. */
static size_t find_players(const shapc_kernel *kr, const float *x, size_t *players)
{
    size_t m = 0;
    for (size_t g = 0; g < kr->n_groups; g++) {
        int varies = 0;
        for (size_t p = kr->gstart[g]; p < kr->gstart[g + 1] && !varies; p++) {
            const size_t f = kr->gfeat[p];
            for (size_t j = 0; j < kr->n_bg && !varies; j++)
                varies = kr->bg[j * kr->d + f] != x[f];
        }
        if (varies)
            players[m++] = g;
    }
    return m;
}

size_t shapc__row_diff(const shapc_kernel *kr, const float *x, const size_t *players, size_t m,
                       size_t r, uint32_t *diff)
{
    const float *b = kr->bg + r * kr->d;
    size_t n = 0;
    for (size_t p = 0; p < m; p++) {
        const size_t g = players[p];
        for (size_t q = kr->gstart[g]; q < kr->gstart[g + 1]; q++)
            if (b[kr->gfeat[q]] != x[kr->gfeat[q]]) {
                if (diff)
                    diff[n] = (uint32_t)p;
                n++;
                break;
            }
    }
    return n;
}

/* The model-row budget of one explanation: max_evals, else shap's default budget in rows
 * (nsamples or 2M + 2048 coalitions, each against min(n_bg, 100) rows). */
static size_t row_budget(const shapc_kernel *kr, size_t m)
{
    if (kr->opt.max_evals)
        return kr->opt.max_evals;
    const size_t coal = kr->opt.nsamples ? kr->opt.nsamples : 2 * m + 2048;
    const size_t per = kr->n_bg < 100 ? kr->n_bg : 100;
    size_t rows;
    return shapc__mul_size(coal, per, &rows) ? rows : SIZE_MAX;
}

/* The KernelSHAP samplers' coalition budget: nsamples (default 2M + 2048), no more than
 * max_evals allows against the whole background when that is set. */
static size_t coalition_budget(const shapc_kernel *kr, size_t m)
{
    size_t n = kr->opt.nsamples;
    if (kr->opt.max_evals) {
        /* f(x) is one row; leverage may round its pairs up by one coalition */
        const size_t rows = (kr->opt.max_evals - 1) / kr->n_bg;
        const size_t cap = rows > 1 ? rows - 1 : rows;
        n = n && n < cap ? n : cap;
        return n ? n : 1;
    }
    return n ? n : 2 * m + 2048;
}

/* One row with session ss (its threads, scratch and design cache). */
static shapc_status explain_row(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                double *phi, double *se, double *fx, shapc_kernel_info *info,
                                shapc_error *err)
{
    const size_t d = kr->d, k = kr->k, g_count = kr->n_groups;
    shapc_kernel_info inf;
    memset(&inf, 0, sizeof inf);
    for (size_t i = 0; i < d; i++)
        if (!isfinite(x[i]))
            return shapc_error_set(err, SHAPC_ENONFINITE, "feature %zu of the instance is %s",
                                   i, isnan(x[i]) ? "NaN" : "infinite");
    memset(phi, 0, g_count * k * sizeof *phi);
    if (se)
        memset(se, 0, g_count * k * sizeof *se);

    shapc_status st;
    size_t *players = shapc__malloc(g_count * sizeof *players);
    double *fxl = shapc__malloc(k * sizeof *fxl);
    float *fx_raw = shapc__malloc(k * sizeof *fx_raw);
    double *delta = shapc__malloc(k * sizeof *delta);
    double *y = NULL, *phi_m = NULL, *se_m = NULL;
    shapc__coalitions c;
    shapc__coalitions_init(&c);
    if (!players || !fxl || !fx_raw || !delta) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = shapc_model_predict(kr->model, x, 1, fx_raw, err)) != SHAPC_OK)
        goto done;
    inf.n_evals = 1;
    for (size_t o = 0; o < k; o++) {
        fxl[o] = shapc__apply_link(kr->opt.link, (double)fx_raw[o]);
        delta[o] = fxl[o] - kr->base[o];
    }
    const size_t m = find_players(kr, x, players);
    inf.n_players = m;
    inf.exact = 1;
    shapc_sampler sampler = kr->opt.sampler;
    if (sampler == SHAPC_SAMPLER_AUTO || sampler == SHAPC_SAMPLER_EXACT)
        inf.sampler = SHAPC_SAMPLER_EXACT;
    else
        inf.sampler = sampler;
    /* The budget bounds the explanation's rows, f(x) included. */
    const size_t rows_budget = row_budget(kr, m) > 1 ? row_budget(kr, m) - 1 : 1;
    if (m >= 2 && sampler == SHAPC_SAMPLER_AUTO) {
        sampler = shapc__exact_rows(kr, x, players, m, rows_budget) <= rows_budget
                      ? SHAPC_SAMPLER_EXACT
                      : SHAPC_SAMPLER_PERMUTATION;
        inf.sampler = sampler;
    }
    if (m == 1) {
        /* One player takes the whole difference: exact. */
        for (size_t o = 0; o < k; o++)
            phi[players[0] * k + o] = delta[o];
    } else if (m >= 2 && (sampler == SHAPC_SAMPLER_EXACT ||
                          sampler == SHAPC_SAMPLER_PERMUTATION)) {
        phi_m = shapc__malloc(m * k * sizeof *phi_m);
        se_m = shapc__calloc(m * k, sizeof *se_m);
        if (!phi_m || !se_m) {
            st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu players", m);
            goto done;
        }
        if (sampler == SHAPC_SAMPLER_EXACT) {
            st = shapc__exact_explain(kr, ss, x, fx_raw, fxl, players, m, phi_m, &inf.n_evals,
                                      err);
            inf.n_coalitions = m < 64 ? ((size_t)1 << m) - 2 : SIZE_MAX;
        } else {
            inf.exact = 0;
            st = shapc__permutation_explain(kr, ss, x, fx_raw, players, m, rows_budget,
                                            delta, phi_m, se_m, &inf.n_coalitions,
                                            &inf.n_evals, err);
        }
        if (st != SHAPC_OK)
            goto done;
        for (size_t j = 0; j < m; j++) {
            memcpy(phi + players[j] * k, phi_m + j * k, k * sizeof *phi);
            if (se)
                memcpy(se + players[j] * k, se_m + j * k, k * sizeof *se);
        }
    } else if (m >= 2) {
        shapc__rng rng;
        size_t budget = coalition_budget(kr, m);
        const int leverage = kr->opt.sampler == SHAPC_SAMPLER_LEVERAGE;
        const int shared = kr->opt.share_design && !(kr->opt.tol > 0.0);
        const shapc__coalitions *cs = &c;
        if (shared) {
            /* Same players as the last row: reuse its coalitions and factorisation. */
            if (!(ss->design_players && ss->design_m == m &&
                  memcmp(ss->design_players, players, m * sizeof *players) == 0)) {
                shapc__session_forget_design(ss);
                shapc__rng_seed(&rng, kr->opt.seed,
                                shapc__hash_bytes(players, m * sizeof *players));
                st = shapc__coalitions_generate(&ss->design_c, m, budget, kr->opt.n_batches,
                                                leverage, &rng, err);
                if (st == SHAPC_OK)
                    st = shapc__wls_factor(&ss->design_c, &ss->design, err);
                if (st != SHAPC_OK)
                    goto done;
                ss->design_players = shapc__malloc(m * sizeof *players);
                if (!ss->design_players) {
                    st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
                    goto done;
                }
                memcpy(ss->design_players, players, m * sizeof *players);
                ss->design_m = m;
            }
            cs = &ss->design_c;
        } else {
            shapc__rng_seed(&rng, kr->opt.seed, shapc__hash_bytes(x, d * sizeof *x));
            st = shapc__coalitions_generate(&c, m, budget, kr->opt.n_batches, leverage, &rng,
                                            err);
            if (st != SHAPC_OK)
                goto done;
        }
        inf.exact = cs->exact;
        inf.n_coalitions = cs->n;
        y = shapc__malloc(cs->n * k * sizeof *y);
        phi_m = shapc__malloc(m * k * sizeof *phi_m);
        se_m = shapc__malloc(m * k * sizeof *se_m);
        if (!y || !phi_m || !se_m) {
            st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu coalitions", cs->n);
            goto done;
        }
        if (shared) {
            st = shapc__masked_evaluate(kr, ss, x, fx_raw, players, cs, y, &inf.n_evals, NULL, err);
            if (st == SHAPC_OK)
                st = shapc__wls_apply(cs, &ss->design, y, k, delta, phi_m, se_m, ss->n_threads,
                                      err);
            if (st != SHAPC_OK)
                goto done;
        } else if (!c.exact && kr->opt.tol > 0.0 && c.n_batches >= 2) {
            st = shapc__kernel_rounds(kr, ss, x, fx_raw, players, &c, delta, y, phi_m, se_m,
                                      &inf.n_coalitions, &inf.n_evals, err);
            if (st != SHAPC_OK)
                goto done;
        } else {
            /* The design's factorisation needs no model output: it runs alongside. */
            shapc__wls_design design;
            memset(&design, 0, sizeof design);
            shapc__wls_factor_task ft = {&c, &design};
            shapc__side_job side = {.run = shapc__wls_factor_job, .ctx = &ft};
            st = shapc__masked_evaluate(kr, ss, x, fx_raw, players, &c, y, &inf.n_evals, &side,
                                        err);
            if (st == SHAPC_OK)
                st = shapc__wls_apply(&c, &design, y, k, delta, phi_m, se_m, ss->n_threads, err);
            shapc__wls_design_free(&design);
            if (st != SHAPC_OK)
                goto done;
        }
        for (size_t j = 0; j < m; j++) {
            memcpy(phi + players[j] * k, phi_m + j * k, k * sizeof *phi);
            if (se)
                memcpy(se + players[j] * k, se_m + j * k, k * sizeof *se);
        }
    }
    if (fx)
        memcpy(fx, fxl, k * sizeof *fx);
    if (info)
        *info = inf;
    st = SHAPC_OK;
done:
    shapc__coalitions_free(&c);
    shapc__free(players);
    shapc__free(fxl);
    shapc__free(fx_raw);
    shapc__free(delta);
    shapc__free(y);
    shapc__free(phi_m);
    shapc__free(se_m);
    return st;
}

shapc_status shapc_kernel_explain(shapc_kernel *kernel, const float *x, double *phi, double *se,
                                  double *fx, shapc_kernel_info *info, shapc_error *err)
{
    shapc__blas_pin();
    shapc__kernel_progress_start(kernel, 1);
    shapc_status st = explain_row(kernel, &kernel->main, x, phi, se, fx, info, err);
    if (st == SHAPC_OK && shapc__kernel_progress_row(kernel))
        st = shapc_error_set(err, SHAPC_ECANCELED, "canceled");
    return st;
}

/* ---- several rows, one per thread ------------------------------------------------------ */

typedef struct rows_task {
    shapc_kernel *kr;
    const float *x;
    double *phi, *se, *fx;
    shapc_kernel_info *info;
} rows_task;

/* Row i of the task with session ss; errors name the row. */
static shapc_status explain_nth(const rows_task *t, shapc__session *ss, size_t i,
                                shapc_error *err)
{
    const shapc_kernel *kr = t->kr;
    const size_t gk = kr->n_groups * kr->k;
    shapc_status st = explain_row(kr, ss, t->x + i * kr->d, t->phi + i * gk,
                                  t->se ? t->se + i * gk : NULL, t->fx ? t->fx + i * kr->k : NULL,
                                  t->info ? t->info + i : NULL, err);
    if (st == SHAPC_OK && shapc__kernel_progress_row(kr))
        st = shapc_error_set(err, SHAPC_ECANCELED, "canceled");
    if (st != SHAPC_OK && st != SHAPC_ECANCELED && err) {
        char msg[sizeof err->message];
        memcpy(msg, err->message, sizeof msg);
        shapc_error_set(err, st, "row %zu: %s", i, msg);
    }
    return st;
}

static shapc_status row_job(void *ctx, size_t i, size_t worker, shapc_error *err)
{
    rows_task *t = ctx;
    return explain_nth(t, &t->kr->rows[worker], i, err);
}

shapc_status shapc_kernel_explain_rows(shapc_kernel *kernel, const float *x, size_t n,
                                       double *phi, double *se, double *fx,
                                       shapc_kernel_info *info, shapc_error *err)
{
    shapc_kernel *kr = kernel;
    rows_task t = {kr, x, phi, se, fx, info};
    const size_t threads = kr->main.n_threads;
    shapc__blas_pin();
    shapc__kernel_progress_start(kr, n);
    /* Fewer rows than threads: each row gets every thread instead. Both ways give the same
     * bytes, since a row's result does not depend on its thread count. */
    if (threads < 2 || n < threads) {
        for (size_t i = 0; i < n; i++) {
            shapc_status st = explain_nth(&t, &kr->main, i, err);
            if (st != SHAPC_OK)
                return st;
        }
        return SHAPC_OK;
    }
    if (kr->n_rows_sessions < threads) {
        shapc__session *rs = shapc__realloc(kr->rows, threads * sizeof *rs);
        if (!rs)
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu threads", threads);
        memset(rs + kr->n_rows_sessions, 0, (threads - kr->n_rows_sessions) * sizeof *rs);
        for (size_t i = kr->n_rows_sessions; i < threads; i++)
            rs[i].n_threads = 1;
        kr->rows = rs;
        kr->n_rows_sessions = threads;
    }
    return shapc__parallel_run(threads, n, row_job, &t, err);
}
