/* batch.c - rows with their own players or baselines (shapc_kernel_explain_batch, kernel.h).
 *
 * A row whose players (superpixels of its own image) or baseline (a blurred copy of itself)
 * differ from the kernel's is explained by an explainer of its own: the kernel's model and
 * options over the row's baseline - or the kernel's background, with the weights as given -
 * and the row's groups. Its bytes are therefore those of `shapc_kernel_create` with that
 * baseline and `shapc_kernel_set_groups` with those groups, whichever rows share the call and
 * however many threads run it. Building one costs the model on the baseline once, small next
 * to the explanation; in exchange nothing of the kernel changes, so rows run in parallel. */
#include <stdio.h>
#include <string.h>

#include "kernel/kernel_impl.h"
#include "util/alloc.h"
#include "util/linalg.h"
#include "util/parallel.h"

shapc_kernel_batch shapc_kernel_batch_default(void)
{
    shapc_kernel_batch b;
    memset(&b, 0, sizeof b);
    b.size = sizeof b;
    return b;
}

typedef struct batch_task {
    shapc_kernel *kr;
    const shapc_kernel_batch *b;
    size_t P;                /* phi columns per row */
    const size_t *groups;    /* (d) the kernel's groups, without per-row players */
    size_t row_threads;      /* threads inside each row */
    double *phi, *se, *fx, *base;
    shapc_kernel_info *info;
} batch_task;

/* A row's explainer reports to the batch's kernel, whose callback counts the batch's rows. */
static int forward_progress(void *user, size_t rows_done, size_t rows_total)
{
    (void)rows_done;
    (void)rows_total;
    return shapc__kernel_poll(user);
}

static shapc_status explain_one(const batch_task *t, size_t i, shapc_error *err)
{
    const shapc_kernel *kr = t->kr;
    const shapc_kernel_batch *b = t->b;
    const size_t d = kr->d, k = kr->k;
    shapc_kernel_options opt = kr->opt;
    opt.n_threads = t->row_threads;
    opt.progress = forward_progress;
    opt.progress_user = t->kr;
    const float *bg = kr->bg, *w = kr->bg_wf;
    size_t n_bg = kr->n_bg;
    if (b->baseline) {
        n_bg = b->baseline_rows;
        bg = b->baseline + i * n_bg * d;
        w = b->baseline_weights ? b->baseline_weights + i * n_bg : NULL;
    }
    const size_t m = b->group_of ? b->n_groups[i] : kr->n_groups;
    double *phi = t->phi + i * t->P * k, *se = t->se ? t->se + i * t->P * k : NULL;
    shapc_kernel *row = NULL;
    shapc_status st = shapc_kernel_create(kr->model, bg, n_bg, w, &opt, &row, err);
    if (st == SHAPC_OK && (b->group_of || t->groups))
        st = shapc_kernel_set_groups(row, b->group_of ? b->group_of + i * d : t->groups, m, err);
    if (st == SHAPC_OK)
        st = shapc_kernel_explain(row, b->x + i * d, phi, se, t->fx ? t->fx + i * k : NULL,
                                  t->info ? t->info + i : NULL, err);
    if (st == SHAPC_OK) {
        /* Columns past the row's own players stay 0. */
        memset(phi + m * k, 0, (t->P - m) * k * sizeof *phi);
        if (se)
            memset(se + m * k, 0, (t->P - m) * k * sizeof *se);
        if (t->base)
            memcpy(t->base + i * k, shapc_kernel_base_values(row), k * sizeof *t->base);
        if (shapc__kernel_progress_row(kr))
            st = shapc_error_set(err, SHAPC_ECANCELED, "canceled");
    }
    shapc_kernel_free(row);
    if (st != SHAPC_OK && st != SHAPC_ECANCELED) {
        char row_name[32];
        snprintf(row_name, sizeof row_name, "row %zu", i);
        shapc_error_prefix(err, row_name);
    }
    return st;
}

static shapc_status batch_job(void *ctx, size_t i, size_t worker, shapc_error *err)
{
    (void)worker;
    return explain_one(ctx, i, err);
}

static shapc_status check_batch(const shapc_kernel *kr, const shapc_kernel_batch *b,
                                shapc_error *err)
{
    if (b->size != sizeof *b)
        return shapc_error_set(err, SHAPC_EINVAL, "batch of size %zu: initialise it with "
                               "shapc_kernel_batch_default()", b->size);
    if (b->n > 0 && !b->x)
        return shapc_error_set(err, SHAPC_EINVAL, "batch: no rows (x is NULL)");
    if (b->group_of) {
        if (!b->n_groups || b->n_players == 0)
            return shapc_error_set(err, SHAPC_EINVAL, "batch: per-row players need n_groups "
                                   "and n_players");
        for (size_t i = 0; i < b->n; i++) {
            if (b->n_groups[i] == 0 || b->n_groups[i] > b->n_players ||
                b->n_groups[i] > kr->d)
                return shapc_error_set(err, SHAPC_EINVAL, "batch: row %zu has %zu players "
                                       "(1..%zu allowed)", i, b->n_groups[i], b->n_players);
            for (size_t f = 0; f < kr->d; f++)
                if (b->group_of[i * kr->d + f] >= b->n_groups[i])
                    return shapc_error_set(err, SHAPC_EINVAL, "batch: row %zu: feature %zu "
                                           "belongs to player %zu of %zu", i, f,
                                           b->group_of[i * kr->d + f], b->n_groups[i]);
        }
    }
    if (b->baseline && b->baseline_rows == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "batch: per-row baselines need "
                               "baseline_rows >= 1");
    return SHAPC_OK;
}

shapc_status shapc_kernel_explain_batch(shapc_kernel *kernel, const shapc_kernel_batch *batch,
                                        double *phi, double *se, double *fx, double *base,
                                        shapc_kernel_info *info, shapc_error *err)
{
    shapc_kernel *kr = kernel;
    if (!kr || !batch || (batch->n > 0 && !phi))
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_kernel_explain_batch: NULL argument");
    shapc_status st = check_batch(kr, batch, err);
    if (st != SHAPC_OK)
        return st;
    if (!batch->group_of && !batch->baseline) {
        /* Nothing per row: the kernel's own rows path, the same bytes. */
        st = shapc_kernel_explain_rows(kr, batch->x, batch->n, phi, se, fx, info, err);
        for (size_t i = 0; st == SHAPC_OK && base && i < batch->n; i++)
            memcpy(base + i * kr->k, kr->base, kr->k * sizeof *base);
        return st;
    }
    shapc__blas_pin();
    batch_task t = {kr, batch, batch->group_of ? batch->n_players : kr->n_groups, NULL, 1,
                    phi, se, fx, base, info};
    size_t *groups = NULL;
    if (!batch->group_of) {
        /* The kernel's groups, as shapc_kernel_set_groups took them. */
        if (!(groups = shapc__malloc(kr->d * sizeof *groups)))
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        for (size_t g = 0; g < kr->n_groups; g++)
            for (size_t p = kr->gstart[g]; p < kr->gstart[g + 1]; p++)
                groups[kr->gfeat[p]] = g;
        t.groups = groups;
    }
    const size_t threads = kr->main.n_threads;
    shapc__kernel_progress_start(kr, batch->n);
    if (threads >= 2 && batch->n >= threads) {
        st = shapc__parallel_run(threads, batch->n, batch_job, &t, err);
    } else {
        t.row_threads = threads;
        for (size_t i = 0; i < batch->n && st == SHAPC_OK; i++)
            st = explain_one(&t, i, err);
    }
    shapc__free(groups);
    return st;
}
