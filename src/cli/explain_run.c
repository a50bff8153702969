/* explain_run.c - the run every kind of `shapc explain` shares (explain.h): the results
 * directory is created and locked (lock.h), an unfinished run is continued with --resume or
 * refused without it, each finished row goes to the journal (journal.h) as the scheduler
 * (schedule.h: this process or the ranks of an MPI job) explains the rows, and at the end the
 * results directory is written in one go and the default plots drawn (render.h). A stop
 * request (signals.h) keeps every finished row for --resume. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/data.h>
#include <shapc/version.h>

#include "explain.h"
#include "loaders.h"
#include "progress.h"
#include "render.h"
#include "signals.h"

shapc_status shapc_cli_explain_usage(shapc_cli_run *x, shapc_error *err, const char *fmt,
                                     ...)
{
    char msg[SHAPC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    x->usage = 1;
    return shapc_error_set(err, SHAPC_EINVAL, "%s", msg);
}

void *shapc_cli_explain_attach(shapc_cli_run *x, size_t size,
                               shapc_status (*explain)(void *, size_t, size_t, shapc_error *),
                               void (*release)(void *), const char *noun)
{
    void *kind = calloc(1, size);
    if (kind) {
        x->kind = kind;
        x->explain = explain;
        x->release = release;
        x->noun = noun;
    }
    return kind;
}

shapc_status shapc_cli_explain_results(shapc_cli_run *x, size_t n, size_t M, size_t d,
                                       int groups_per_row, int documents, shapc_error *err)
{
    shapc_results_layout l = shapc_results_layout_default();
    l.n_rows = n;
    l.n_players = M;
    l.n_columns = x->target.columns;
    l.n_outputs = shapc_model_n_outputs(x->model);
    l.n_features = d;
    l.groups_per_row = groups_per_row;
    l.documents = documents;
    return shapc_results_create(&l, &x->res, err);
}

void shapc_cli_explain_classes(shapc_cli_run *x)
{
    const shapc_results_layout *l = shapc_results_get_layout(x->res);
    const shapc_results_data *D = shapc_results_get_data(x->res);
    const size_t k = l->n_outputs, K = l->n_columns;
    for (size_t i = 0; i < l->n_rows; i++)
        for (size_t j = 0; j < K; j++)
            D->classes[i * K + j] =
                (int32_t)shapc_cli_class_output(&x->target, j, D->pred + i * k, k);
}

shapc_status shapc_cli_explain_settings(shapc_cli_run *x, const shapc_setting *own, size_t n,
                                        shapc_error *err)
{
    const shapc_cli_explain_args *a = &x->a;
    const shapc_cli_class *c = &x->target;
    const char *cls = c->mode == SHAPC_CLI_CLASS_ALL ? "all" : "predicted";
    const shapc_setting settings[] = {
        {"sampler", SHAPC_SETTING_STRING, shapc_cli_sampler_name(a->sampler), 0, 0, {0, 0}},
        {"nsamples", SHAPC_SETTING_UINT, NULL, a->nsamples, 0, {0, 0}},
        {"max_evals", SHAPC_SETTING_UINT, NULL, a->max_evals, 0, {0, 0}},
        {"seed", SHAPC_SETTING_UINT, NULL, a->seed, 0, {0, 0}},
        {"link", SHAPC_SETTING_STRING, a->link == SHAPC_LINK_LOGIT ? "logit" : "identity", 0,
         0, {0, 0}},
        {"class", c->mode == SHAPC_CLI_CLASS_ONE ? SHAPC_SETTING_UINT : SHAPC_SETTING_STRING,
         cls, c->index, 0, {0, 0}},
    };
    const shapc_results_data *D = shapc_results_view(x->res);
    const size_t n_rows = shapc_results_get_layout(x->res)->n_rows, last = D->rows[n_rows - 1];
    /* A list or a step is recorded as given; a contiguous selection as its [begin, end). */
    const int block = shapc_cli_rows_contiguous(D->rows, n_rows);
    const shapc_setting rows = {"rows", block ? SHAPC_SETTING_RANGE : SHAPC_SETTING_STRING,
                                x->a.rows.spec, 0, 0, {D->rows[0], last + 1}};
    shapc_status st = SHAPC_OK;
    for (size_t i = 0; st == SHAPC_OK && i < sizeof settings / sizeof settings[0]; i++)
        st = shapc_results_add_setting(x->res, &settings[i], err);
    for (size_t i = 0; st == SHAPC_OK && i < n; i++)
        st = shapc_results_add_setting(x->res, &own[i], err);
    return st == SHAPC_OK ? shapc_results_add_setting(x->res, &rows, err) : st;
}

/* ============================================================================================
 * The journal's fingerprint
 * ========================================================================================== */

/* What a journal must match to be resumed: every option that changes the numbers (as
 * readable text, to name the difference) and the bytes they are computed from - the model
 * file (or command), the explained rows, what they are explained against, and the model's
 * answers on them. Paths are left out on purpose: a moved but identical file resumes fine. */
static shapc_status journal_layout(const shapc_cli_run *x, shapc_cli_journal_layout *l,
                                   shapc_error *err)
{
    const shapc_cli_explain_args *a = &x->a;
    const shapc_results_layout *rl = shapc_results_get_layout(x->res);
    const shapc_results_data *D = shapc_results_view(x->res);
    char cls[64], nsamples[32], max_evals[32], rows[64];
    uint64_t h = SHAPC_CLI_HASH_INIT;
    memset(l, 0, sizeof *l);
    if (x->target.mode == SHAPC_CLI_CLASS_ONE)
        snprintf(cls, sizeof cls, "%zu", x->target.index);
    else
        snprintf(cls, sizeof cls, "%s", x->target.mode == SHAPC_CLI_CLASS_ALL ? "all"
                                                                              : "predicted");
    if (a->nsamples)
        snprintf(nsamples, sizeof nsamples, "%zu", a->nsamples);
    else
        snprintf(nsamples, sizeof nsamples, "auto");
    if (shapc_cli_rows_contiguous(D->rows, rl->n_rows))
        snprintf(rows, sizeof rows, "%zu:%zu", D->rows[0], D->rows[rl->n_rows - 1] + 1);
    else /* the rows themselves are hashed below */
        snprintf(rows, sizeof rows, "%.60s", a->rows.spec ? a->rows.spec : "");
    if (a->max_evals)
        snprintf(max_evals, sizeof max_evals, "%zu", a->max_evals);
    else
        snprintf(max_evals, sizeof max_evals, "auto");
    /* Truncation would only shorten the message: the hash below covers what was kept, and
     * everything that matters is hashed again from the data. */
    int len = snprintf(l->settings, sizeof l->settings,
                       "--seed=%llu --nsamples=%s --max-evals=%s --link=%s --class=%s --groups=%s "
                       "--batches=%zu --sampler=%s --tol=%g --share-design=%d --rows=%s %s",
                       (unsigned long long)a->seed, nsamples, max_evals,
                       a->link == SHAPC_LINK_LOGIT ? "logit" : "identity", cls, x->groups_text,
                       a->batches, shapc_cli_sampler_name(a->sampler), a->tol, a->share_design,
                       rows, x->tail_text);
    if (len < 0)
        l->settings[0] = '\0';
    h = shapc_cli_hash(h, l->settings, strlen(l->settings) + 1);
    h = shapc_cli_hash(h, shapc_version_string(), strlen(shapc_version_string()) + 1);
    if (a->model_cmd) {
        h = shapc_cli_hash(h, a->model_cmd, strlen(a->model_cmd) + 1);
    } else {
        shapc_status st = shapc_cli_hash_file(&h, a->model_path, err);
        if (st != SHAPC_OK)
            return st;
    }
    h = shapc_cli_hash(h, D->inputs, rl->n_rows * rl->n_features * sizeof *D->inputs);
    h = shapc_cli_hash(h, D->rows, rl->n_rows * sizeof *D->rows);
    if (x->hash_more)
        h = x->hash_more(x->kind, h);
    h = shapc_cli_hash(h, D->pred, rl->n_rows * rl->n_outputs * sizeof *D->pred);
    l->fingerprint = h;
    return SHAPC_OK;
}

/* ============================================================================================
 * The run
 * ========================================================================================== */

/* The kernel's progress callback: a caught signal cancels the explanation in flight. */
static int stop_on_signal(void *user, size_t rows_done, size_t rows_total)
{
    (void)user;
    (void)rows_done;
    (void)rows_total;
    return shapc_cli_signals_caught() != 0;
}

void shapc_cli_explain_cancel_on_signal(shapc_kernel_options *ko)
{
    ko->progress = stop_on_signal;
    ko->progress_user = NULL;
}

static shapc_status open_journal(shapc_cli_run *x, size_t *dropped, shapc_error *err)
{
    shapc_cli_journal_layout layout;
    shapc_status st = journal_layout(x, &layout, err);
    if (st == SHAPC_OK)
        st = shapc_cli_journal_open(x->a.out_dir, &layout, x->a.resume, x->res, &x->n_done,
                                    dropped, &x->journal, err);
    return st;
}

shapc_status shapc_cli_explain_run(shapc_cli_run *x, shapc_error *err)
{
    const shapc_cli_explain_args *a = &x->a;
    const size_t n = shapc_results_get_layout(x->res)->n_rows;
    shapc_cli_progress prog;
    shapc_cli_job job = {x->res, n, x->block, x->explain, x->kind, NULL, NULL};
    shapc_status st;
    shapc_cli_signals_install();
    if (x->sched.rank > 0) /* the other ranks only explain what rank 0 hands out */
        return shapc_cli_scheduler_run(&x->sched, &job, &x->n_done, &x->interrupted, err);
    /* Create the directory before the long part so an unusable -o fails fast; one run per
     * directory (lock.h); an unfinished run is never silently overwritten. */
    if ((st = shapc_dir_create(a->out_dir, err)) != SHAPC_OK ||
        (st = shapc_cli_lock_acquire(&x->lock, a->out_dir, err)) != SHAPC_OK)
        return st;
    if (!a->resume && shapc_cli_journal_exists(a->out_dir))
        return shapc_error_set(err, SHAPC_EINVAL, "%s holds an unfinished run (%s): pass "
                               "--resume to continue it or remove the file to start over",
                               a->out_dir, SHAPC_CLI_JOURNAL_NAME);
    size_t dropped = 0;
    if ((st = open_journal(x, &dropped, err)) != SHAPC_OK)
        return st;
    if (dropped > 0)
        fprintf(stderr, "shapc: note: dropped %zu bytes of an incomplete record at the end of "
                "the journal (a run stopped mid-write)\n", dropped);
    if (a->resume && !a->quiet && x->n_done > 0)
        fprintf(stderr, "shapc: resuming: %zu of %zu %ss already done\n", x->n_done, n,
                x->noun);
    shapc_cli_progress_init(&prog, strcmp(x->noun, "document") == 0 ? "documents" : "rows", n,
                            a->quiet);
    job.journal = x->journal;
    job.progress = &prog;
    st = shapc_cli_scheduler_run(&x->sched, &job, &x->n_done, &x->interrupted, err);
    shapc_cli_progress_finish(&prog);
    return st;
}

shapc_status shapc_cli_explain_finish(shapc_cli_run *x, shapc_error *err)
{
    shapc_results_set_total_seconds(x->res, shapc_cli_now() - x->t_start);
    shapc_status st = shapc_results_write_dir(x->res, x->a.out_dir, err);
    if (st != SHAPC_OK)
        return st;
    /* The results are on disk: the journal has done its job. */
    shapc_cli_journal_finish(x->journal);
    x->journal = NULL;
    if (!x->a.no_plots)
        st = shapc_cli_render_default_plots(x->res, x->a.out_dir, err);
    return st;
}

void shapc_cli_explain_free(shapc_cli_run *x)
{
    if (x->release)
        x->release(x->kind);
    shapc_results_free(x->res);
    shapc_model_free(x->model);
    shapc_cli_journal_close(x->journal);
    shapc_cli_lock_release(&x->lock);
}
