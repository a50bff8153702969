/* cmd_explain.c - `shapc explain MODEL INPUT`: Shapley values for rows of a file, written as a
 * results directory (docs/cli.md, "Output files"; docs/text.md for text models), then the
 * default plots.
 *
 * The steps live in their own files (explain.h): the options, a setup per kind of input
 * (arrays or text documents), and the run they share. Everything that can fail on the user's
 * files is checked before the long computation starts, and no result file is written until
 * every row is explained, so an error never leaves a half-written directory. This file opens
 * the model, picks the setup, and alone prints messages and chooses the exit status. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/model.h>
#include <shapc/results.h>
#include <shapc/text.h>

#include "commands.h"
#include "explain.h"
#include "loaders.h"
#include "progress.h"
#include "signals.h"

/* Opens the model: model.bin, a --model-cmd process or a --model-plugin library. */
static shapc_status open_model(const shapc_cli_explain_args *a, shapc_model **model,
                               shapc_error *err)
{
    const shapc_cli_model_source src = {a->model_path, a->model_cmd, a->plugin_path,
                                        a->plugin_arg, a->batch, a->timeout_ms};
    return shapc_cli_open_model(&src, model, err);
}

/* The kernel options of the run: the command line's, every core by default (shared with
 * the other ranks on this node under MPI), and the signal flag as the cancel callback. */
static shapc_kernel_options kernel_options(const shapc_cli_run *x)
{
    const shapc_cli_explain_args *a = &x->a;
    shapc_kernel_options ko = shapc_kernel_options_default();
    ko.nsamples = a->nsamples;
    ko.max_evals = a->max_evals;
    ko.seed = a->seed;
    ko.link = a->link;
    ko.n_batches = a->batches;
    ko.sampler = a->sampler;
    ko.tol = a->tol;
    ko.max_memory = a->max_memory_mb << 20;
    ko.n_threads = a->threads ? a->threads : shapc_cli_online_cores();
    if (!a->threads && x->sched.node_ranks > 1) {
        const size_t per_rank = ko.n_threads / (size_t)x->sched.node_ranks;
        ko.n_threads = per_rank > 0 ? per_rank : 1;
    }
    shapc_cli_explain_cancel_on_signal(&ko);
    return ko;
}

/* Everything that depends on the user's files, checked before computing. */
static shapc_status setup(shapc_cli_run *x, shapc_error *err)
{
    x->ko = kernel_options(x);
    shapc_status st = SHAPC_OK;
    /* A process takes seconds to start (or the whole --model-timeout to fail): refuse a
     * malformed INPUT or background first. */
    if (x->a.model_cmd || x->a.plugin_path) {
        st = shapc_cli_check_input(x->a.input_path, err);
        if (st == SHAPC_OK && x->a.bg_path)
            st = shapc_cli_check_input(x->a.bg_path, err);
    }
    if (st == SHAPC_OK)
        st = open_model(&x->a, &x->model, err);
    if (st != SHAPC_OK)
        return st;
    /* --class against the model's outputs: a usage error before any file is read. */
    if ((st = shapc_cli_class_resolve(x->a.class_text, x->model, x->a.model_path, &x->target,
                                      err)) != SHAPC_OK) {
        x->usage = 1;
        return st;
    }
    st = shapc_model_text(x->model) ? shapc_cli_explain_setup_text(x, err)
                                    : shapc_cli_explain_setup_table(x, err);
    if (st == SHAPC_OK)
        st = shapc_results_set_model(x->res, x->model, x->a.model_path, err);
    /* The command line as typed: "shapc" and the command's own words. */
    const char **argv = st == SHAPC_OK ? calloc((size_t)x->argc + 1, sizeof *argv) : NULL;
    if (st == SHAPC_OK && !argv)
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    if (st == SHAPC_OK) {
        argv[0] = "shapc";
        for (int i = 0; i < x->argc; i++)
            argv[i + 1] = x->argv[i];
        st = shapc_results_set_source(x->res, x->a.input_path, x->argc + 1, argv, err);
    }
    free((void *)argv);
    return st;
}

/* One line on stderr: a usage error with its hint, or "shapc: <message>". Returns the exit
 * status. A failure another rank reported has no message of its own. */
static int report(const shapc_cli_run *x, const shapc_error *err)
{
    if (x->usage) {
        fprintf(stderr, "shapc: explain: %s; try 'shapc explain --help'\n", err->message);
        return SHAPC_CLI_EXIT_USAGE;
    }
    if (err->message[0])
        fprintf(stderr, "shapc: %s\n", err->message);
    return SHAPC_CLI_EXIT_FAIL;
}

/* The notes after a run: infinite standard errors, rows whose values are mostly noise. */
static void notes(const shapc_cli_run *x)
{
    const shapc_results_layout *l = shapc_results_get_layout(x->res);
    const shapc_results_data *D = shapc_results_view(x->res);
    const size_t n = l->n_rows, M = l->n_players, K = l->n_columns;
    size_t n_inf = 0;
    for (size_t i = 0; i < n * M * K; i++)
        n_inf += isinf(D->se[i]) != 0;
    if (n_inf > 0)
        fprintf(stderr, "shapc: note: %zu coalitions cannot determine the values of up to %zu "
                "players (standard errors are infinite); use --nsamples of at least %zu\n",
                x->ko.nsamples ? x->ko.nsamples : 2 * M + 2048, M, 4 * M);
    for (size_t i = 0; i < n; i++) {
        double worst = 0.0;
        size_t col = 0;
        for (size_t c = 0; c < K; c++) {
            const double q = shapc_results_rel_se(x->res, i, c);
            if (q > worst) {
                worst = q;
                col = c;
            }
        }
        if (!(worst > SHAPC_CLI_NOISY_REL_SE))
            continue;
        const size_t budget = D->info[i].n_evals;
        fprintf(stderr, "shapc: warning: %s %zu is noise-dominated (relative standard error "
                "%.2f for output '%s' with %zu model rows): raise --max-evals (e.g. %zu) or "
                "explain fewer players (--groups)\n", x->noun, D->rows[i], worst,
                shapc_model_output_name(x->model, (size_t)D->classes[i * K + col]), budget,
                (size_t)ceil((double)budget * (worst / 0.2) * (worst / 0.2)));
    }
}

static void closing_line(const shapc_cli_run *x)
{
    const shapc_results_layout *l = shapc_results_get_layout(x->res);
    const char *dir = x->a.out_dir;
    const size_t len = strlen(dir), n = l->n_rows, K = l->n_columns;
    size_t players = l->n_players;
    if (l->documents) {
        players = 0;
        for (size_t i = 0; i < n; i++)
            players += shapc_results_view(x->res)->row_players[i];
    }
    printf("explained %zu %s%s x %zu class%s (%zu %s) in %.1f s -> %s%s\n", n, x->noun,
           n == 1 ? "" : "s", K, K == 1 ? "" : "es", players,
           l->documents ? "tokens" : "players", shapc_cli_now() - x->t_start, dir,
           dir[len - 1] == '/' ? "" : "/");
}

int shapc_cli_explain(int argc, char **argv)
{
    shapc_cli_run x;
    memset(&x, 0, sizeof x);
    x.t_start = shapc_cli_now();
    x.argc = argc;
    x.argv = argv;
    x.lock.fd = -1;
    int rc = shapc_cli_explain_parse(argc, argv, &x.a);
    if (rc >= 0)
        return rc;
    shapc_error err = {0};
    if (shapc_cli_scheduler_init(&x.sched, &err) != SHAPC_OK) {
        rc = report(&x, &err);
        goto end;
    }
    rc = setup(&x, &err) == SHAPC_OK ? -1 : report(&x, &err);
    /* A process that cannot start stops them all. */
    if ((rc = shapc_cli_scheduler_agree(&x.sched, rc)) >= 0)
        goto end;
    if (shapc_cli_explain_run(&x, &err) != SHAPC_OK) {
        rc = report(&x, &err);
        goto end;
    }
    rc = SHAPC_CLI_EXIT_OK;
    if (x.sched.rank > 0)
        goto end; /* rank 0 owns the directory */
    if (x.interrupted) {
        /* Said before the sync: under mpirun a SIGKILL may follow the SIGTERM closely. */
        fprintf(stderr, "shapc: interrupted: %zu of %zu %ss done, kept in %s/%s; rerun with "
                "--resume to continue\n", x.n_done, shapc_results_get_layout(x.res)->n_rows,
                x.noun, x.a.out_dir, SHAPC_CLI_JOURNAL_NAME);
        shapc_cli_journal_close(x.journal); /* syncs what is finished */
        x.journal = NULL;
        rc = 128 + x.interrupted;
        goto end;
    }
    if (shapc_cli_explain_finish(&x, &err) != SHAPC_OK) {
        rc = report(&x, &err);
        goto end;
    }
    if (!x.a.quiet) {
        notes(&x);
        closing_line(&x);
    }
end:
    shapc_cli_signals_restore();
    shapc_cli_explain_free(&x);
    shapc_cli_scheduler_end(&x.sched, rc);
    return rc;
}
