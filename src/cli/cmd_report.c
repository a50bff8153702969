/* cmd_report.c - `shapc report DIR -o report.html`: one self-contained HTML file (plots
 * embedded as base64 data URIs, no external links) with the model, the settings, the summary
 * plots and each instance's explanation - the file a user attaches to a model review.
 *
 * Two kinds of results directory (docs/plots.md, docs/text.md):
 *   - tabular and image models (shap_values.npy, ...): the summary plots and every row;
 *   - text models (summary.json with "kind": "text", text_values.json): the vocabulary
 *     importance and the first TEXT_DOCS_MAX documents.
 * Both are read with shapc_results_read_dir, which checks every file.
 * Plots missing from DIR are drawn first (the same default plots `shapc explain` writes), so
 * a run with --no-plots still gets a complete report. Everything is read and checked before
 * anything is drawn, and the report is written atomically: on error there is no report. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/data.h>
#include <shapc/version.h>

#include <shapc/results.h>

#include "args.h"
#include "commands.h"
#include "html.h"
#include "render.h"

#define TEXT_DOCS_MAX 20   /* documents shown in a text report; the rest are only counted */
#define TEXT_TOP_TOKENS 10 /* rows of a document's top-token table */
#define TEXT_TOP_WORDS 20  /* rows of the vocabulary table, as vocab_importance.png has */
#define TOP_CLASSES 3      /* explained outputs in a row's table, the most probable first */

enum { OPT_HELP = 1, OPT_OUT };

static const shapc_cli_option options[] = {
    {OPT_HELP, "help", 'h', 0},
    {OPT_OUT, "output", 'o', 1},
    {0, NULL, 0, 0},
};

static void usage(void)
{
    printf("usage: shapc report DIR [-o report.html]\n"
           "\n"
           "Writes one self-contained HTML file (images embedded) describing a results\n"
           "directory: the model, the settings, the summary plots and every explained row.\n"
           "For a text model: the vocabulary importance and, for the first %d documents, the\n"
           "highlighted text, base value and f(x), and the top tokens with standard errors.\n"
           "\n"
           "options:\n"
           "  -o, --output FILE   output file (default DIR/report.html)\n"
           "  -h, --help          show this help\n",
           TEXT_DOCS_MAX);
}

/* A setting's value as compact text (settings table). */
static void put_setting(shapc_cli_html *b, const shapc_setting *v)
{
    switch (v->type) {
    case SHAPC_SETTING_NULL:
        shapc_cli_html_put(b, "none");
        break;
    case SHAPC_SETTING_STRING:
        shapc_cli_html_esc(b, v->text);
        break;
    case SHAPC_SETTING_UINT:
        shapc_cli_html_putf(b, "%llu", (unsigned long long)v->uint);
        break;
    case SHAPC_SETTING_NUMBER:
        shapc_cli_html_putf(b, "%.10g", v->number);
        break;
    case SHAPC_SETTING_RANGE:
        shapc_cli_html_putf(b, "[%llu, %llu]", (unsigned long long)v->range[0],
                            (unsigned long long)v->range[1]);
        break;
    }
}

/* A SHAP value cell, red when it raises the output and blue when it lowers it. */
static void put_phi_cell(shapc_cli_html *b, double v)
{
    shapc_cli_html_putf(b, "<td class=\"num %s\">%+.4g</td>", v >= 0 ? "pos" : "neg", v);
}

/* ============================================================================================
 * Sections shared by both kinds of report
 * ========================================================================================== */

static const char *style =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;color:#333;max-width:1100px;"
    "margin:2em auto;padding:0 1em;line-height:1.45}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;"
    "margin-top:1.8em}h3{margin-bottom:.3em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;"
    "text-align:left;vertical-align:top}th{background:#f6f6f6}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".pos{color:#ff0051}.neg{color:#008bfb}.note{color:#888}"
    "img{max-width:100%;height:auto;display:block;margin:.5em 0}"
    ".meta{color:#666}";

/* From <!DOCTYPE> to the line under the title: DIR, the shapc version and the command line
 * that produced the results, when summary.json records it. */
static void put_head(shapc_cli_html *b, const char *dir, const shapc_results *r)
{
    const shapc_results_meta *m = shapc_results_get_meta(r);
    shapc_cli_html_put(
        b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    shapc_cli_html_put(b, "shapc report: ");
    shapc_cli_html_esc(b, dir);
    shapc_cli_html_put(b, "</title>\n<style>");
    shapc_cli_html_put(b, style);
    shapc_cli_html_put(
        b, "</style>\n</head>\n<body>\n<h1>SHAP explanation report</h1>\n<p class=\"meta\">");
    shapc_cli_html_esc(b, dir);
    shapc_cli_html_putf(b, " &middot; shapc %s", shapc_version_string());
    if (m->argc > 0) {
        shapc_cli_html_put(b, "<br><code>");
        for (int j = 0; j < m->argc; j++) {
            if (j)
                shapc_cli_html_put(b, " ");
            shapc_cli_html_shell_word(b, m->argv[j]);
        }
        shapc_cli_html_put(b, "</code>");
    }
    shapc_cli_html_put(b, "</p>\n");
}

/* The model table: file, description, one kind-specific row (input shape, vocabulary size)
 * and the outputs (at most 50 named). */
static void put_model(shapc_cli_html *b, const shapc_results *r)
{
    const shapc_results_meta *m = shapc_results_get_meta(r);
    const size_t n_outputs = shapc_results_get_layout(r)->n_outputs;
    shapc_cli_html_put(b, "<h2>Model</h2>\n<table>\n");
    shapc_cli_html_put(b, "<tr><th>file</th><td>");
    shapc_cli_html_esc(b, m->model_path ? m->model_path : "&mdash;");
    shapc_cli_html_put(b, "</td></tr>\n<tr><th>description</th><td>");
    shapc_cli_html_esc(b, m->model_description ? m->model_description : "&mdash;");
    if (shapc_results_get_layout(r)->documents) {
        shapc_cli_html_putf(b, "</td></tr>\n<tr><th>vocabulary</th><td>%zu", m->vocab_size);
    } else {
        shapc_cli_html_put(b, "</td></tr>\n<tr><th>input shape</th><td>[");
        for (size_t j = 0; j < m->input_rank; j++)
            shapc_cli_html_putf(b, "%s%zu", j ? ", " : "", m->input_shape[j]);
        shapc_cli_html_put(b, "]");
    }
    shapc_cli_html_putf(b, "</td></tr>\n<tr><th>outputs</th><td>%zu: ", n_outputs);
    for (size_t j = 0; j < n_outputs && j < 50; j++) {
        if (j)
            shapc_cli_html_put(b, ", ");
        shapc_cli_html_esc(b, m->outputs[j]);
    }
    shapc_cli_html_put(b, n_outputs > 50 ? ", &hellip;" : "");
    shapc_cli_html_put(b, "</td></tr>\n</table>\n");
}

/* ============================================================================================
 * What "auto" became: the budgets and the estimators the rows actually used
 * ========================================================================================== */

/* Background rows the kernel saw (background.rows; a text document's background is the one
 * masked document), 0 when summary.json does not say. */
static size_t background_rows(const shapc_results *r)
{
    const shapc_setting *s = shapc_results_find_setting(r, "background.rows");
    if (s && s->type == SHAPC_SETTING_UINT)
        return (size_t)s->uint;
    return shapc_results_get_layout(r)->documents ? 1 : 0;
}

static size_t setting_uint(const shapc_results *r, const char *key)
{
    const shapc_setting *s = shapc_results_find_setting(r, key);
    return s && s->type == SHAPC_SETTING_UINT ? (size_t)s->uint : 0;
}

/* "N" or "N to M" over the rows: the budget follows each row's players (those that differ
 * from the background), so rows may differ. */
static void put_span(shapc_cli_html *b, size_t lo, size_t hi)
{
    if (lo == hi)
        shapc_cli_html_putf(b, "%zu", lo);
    else
        shapc_cli_html_putf(b, "%zu to %zu", lo, hi);
}

/* nsamples / max_evals left at 0 ("auto") shown with the number it resolved to, by the rules
 * of shapc_kernel_options (include/shapc/kernel.h): nsamples = 2M + 2048 coalitions, max_evals
 * = that times min(background rows, 100) model rows; M is each row's varying players
 * (instances[i].n_players). sampler "auto" is shown with the estimators the rows used.
 * Returns 0 when s is none of these (the caller prints it as it is). */
static int put_resolved(shapc_cli_html *b, const shapc_results *r, const shapc_setting *s)
{
    const shapc_results_data *D = shapc_results_view(r);
    const size_t n = shapc_results_get_layout(r)->n_rows;
    size_t lo = (size_t)-1, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = D->info[i].n_players < lo ? D->info[i].n_players : lo;
        hi = D->info[i].n_players > hi ? D->info[i].n_players : hi;
    }
    if (strcmp(s->key, "sampler") == 0 && s->type == SHAPC_SETTING_STRING) {
        static const shapc_sampler order[] = {SHAPC_SAMPLER_EXACT, SHAPC_SAMPLER_PERMUTATION,
                                              SHAPC_SAMPLER_LEVERAGE, SHAPC_SAMPLER_KERNEL};
        static const char *const names[] = {"exact", "permutation", "leverage", "kernel"};
        shapc_cli_html_esc(b, s->text);
        shapc_cli_html_put(b, " &rarr; used: ");
        for (size_t q = 0, shown = 0; q < 4; q++) {
            size_t c = 0;
            for (size_t i = 0; i < n; i++)
                c += D->info[i].sampler == order[q];
            if (c)
                shapc_cli_html_putf(b, "%s%s (%zu %s)", shown++ ? ", " : "", names[q], c,
                                    c == 1 ? "row" : "rows");
        }
        return 1;
    }
    const int is_ns = strcmp(s->key, "nsamples") == 0;
    if ((!is_ns && strcmp(s->key, "max_evals") != 0) || s->type != SHAPC_SETTING_UINT ||
        s->uint != 0)
        return 0;
    const size_t nbg = background_rows(r), per = nbg < 100 ? nbg : 100;
    const size_t ns = setting_uint(r, "nsamples"), me = setting_uint(r, "max_evals");
    shapc_cli_html_put(b, "auto (");
    if (is_ns && me) {
        shapc_cli_html_put(
            b, "no more than max_evals allows)"); /* KernelSHAP: max_evals / background rows */
        return 1;
    }
    if (is_ns) {
        put_span(b, 2 * lo + 2048, 2 * hi + 2048);
        shapc_cli_html_put(b,
                           lo == hi ? " coalitions: 2M + 2048)" : " coalitions by row: 2M + 2048)");
        return 1;
    }
    if (!per) {
        shapc_cli_html_put(b, "shap's budget)");
        return 1;
    }
    if (ns)
        put_span(b, ns * per, ns * per);
    else
        put_span(b, (2 * lo + 2048) * per, (2 * hi + 2048) * per);
    shapc_cli_html_putf(b, " model rows %s row: %s &times; %zu background rows)",
                        lo == hi || ns ? "per" : "by", ns ? "nsamples" : "(2M + 2048)", per);
    return 1;
}

/* The settings table is opened with the run's settings (a group such as "background.rows"
 * on one row); the caller adds its own rows (explained rows, players) before
 * put_settings_end adds the timings and closes it. */
static void put_settings_begin(shapc_cli_html *b, const shapc_results *r)
{
    const size_t n = shapc_results_n_settings(r);
    shapc_cli_html_put(b, "<h2>Settings</h2>\n<table>\n");
    for (size_t j = 0; j < n;) {
        const shapc_setting *s = shapc_results_setting(r, j);
        const char *dot = strchr(s->key, '.');
        shapc_cli_html_put(b, "<tr><th>");
        if (!dot) {
            shapc_cli_html_esc(b, s->key);
            shapc_cli_html_put(b, "</th><td>");
            if (!put_resolved(b, r, s))
                put_setting(b, s);
            shapc_cli_html_put(b, "</td></tr>\n");
            j++;
            continue;
        }
        const size_t glen = (size_t)(dot - s->key) + 1;
        shapc_cli_html_put_n(b, s->key, glen - 1);
        shapc_cli_html_put(b, "</th><td>");
        for (size_t first = j;
             j < n && strncmp(shapc_results_setting(r, j)->key, s->key, glen) == 0; j++) {
            shapc_cli_html_putf(b, "%s", j > first ? ", " : "");
            shapc_cli_html_esc(b, shapc_results_setting(r, j)->key + glen);
            shapc_cli_html_put(b, ": ");
            put_setting(b, shapc_results_setting(r, j));
        }
        shapc_cli_html_put(b, "</td></tr>\n");
    }
}

static void put_settings_end(shapc_cli_html *b, const shapc_results *r)
{
    const shapc_results_meta *m = shapc_results_get_meta(r);
    const shapc_results_layout *l = shapc_results_get_layout(r);
    const shapc_results_data *D = shapc_results_view(r);
    const double n = (double)l->n_rows;
    size_t lo = (size_t)-1, hi = 0;
    double worst = 0;
    for (size_t i = 0; i < l->n_rows; i++) {
        lo = D->info[i].n_evals < lo ? D->info[i].n_evals : lo;
        hi = D->info[i].n_evals > hi ? D->info[i].n_evals : hi;
        for (size_t c = 0; c < l->n_columns; c++)
            worst = fmax(worst, shapc_results_rel_se(r, i, c));
    }
    shapc_cli_html_put(b, "<tr><th>model evaluations</th><td>");
    put_span(b, lo, hi);
    shapc_cli_html_putf(b, " %s row; relative standard error at most %.2g</td></tr>\n",
                        lo == hi ? "per" : "by", worst);
    shapc_cli_html_put(b, "<tr><th>time</th><td>");
    shapc_cli_html_seconds(b, m->total_s);
    shapc_cli_html_put(b, " in all; explaining ");
    shapc_cli_html_seconds(b, m->explain_s);
    shapc_cli_html_put(b, " (");
    shapc_cli_html_seconds(b, m->explain_s / n);
    shapc_cli_html_put(b, " per row)</td></tr>\n");
    shapc_cli_html_put(b, "</table>\n");
}

/* A standard error cell: "inf" when the sampler could not determine it. */
static void put_se_cell(shapc_cli_html *b, double se)
{
    if (!isfinite(se))
        shapc_cli_html_put(b, "<td class=\"num\">inf</td>");
    else
        shapc_cli_html_putf(b, "<td class=\"num\">%.2g</td>", se);
}

/* Row i's head line - the predicted output (the largest model output, as `shapc predict`
 * names it) first, the estimator that explained the row, its evaluations - and a table of
 * the explained columns, the most probable first, TOP_CLASSES of them. Returns the column
 * shown first (the predicted class's, when it was explained). */
static size_t put_classes(shapc_cli_html *b, const shapc_results *r, size_t i)
{
    static const char *const est[] = {"kernel", "leverage", "permutation", "auto", "exact"};
    const shapc_results_layout *l = shapc_results_get_layout(r);
    const shapc_results_data *D = shapc_results_view(r);
    const char *const *outputs = shapc_results_get_meta(r)->outputs;
    const size_t K = l->n_columns, k = l->n_outputs;
    const float *pred = D->pred + i * k;
    size_t best = 0;
    for (size_t o = 1; o < k; o++)
        best = pred[o] > pred[best] ? o : best;
    shapc_cli_html_put(b, "<p class=\"meta\">");
    if (k > 1) {
        shapc_cli_html_put(b, "predicted: <b>");
        shapc_cli_html_esc(b, outputs[best]);
        shapc_cli_html_putf(b, "</b> (%.4g) &middot; ", (double)pred[best]);
    }
    const unsigned sm = (unsigned)D->info[i].sampler;
    shapc_cli_html_putf(b, "%s, %zu model evaluations", sm < 5 ? est[sm] : "?", D->info[i].n_evals);
    shapc_cli_html_put(b, "</p>\n");

    size_t order[TOP_CLASSES];
    size_t shown = 0;
    for (size_t q = 0; q < TOP_CLASSES && q < K; q++) {
        /* selection of the next most probable column: K is at most the model's outputs */
        size_t pick = K;
        for (size_t c = 0; c < K; c++) {
            int used = 0;
            for (size_t u = 0; u < shown; u++)
                used |= order[u] == c;
            if (!used &&
                (pick == K || pred[D->classes[i * K + c]] > pred[D->classes[i * K + pick]]))
                pick = c;
        }
        order[shown++] = pick;
    }
    shapc_cli_html_put(
        b, "<table>\n<tr><th>output</th><th>base value</th><th>f(x)</th>"
           "<th>f(x) &minus; base</th><th>model output</th><th>rel. std. error</th></tr>\n");
    for (size_t q = 0; q < shown; q++) {
        const size_t c = order[q], cls = (size_t)D->classes[i * K + c];
        const double base = (double)D->base[i * K + c], fx = D->fx[i * K + c];
        const double rse = shapc_results_rel_se(r, i, c);
        shapc_cli_html_put(b, "<tr><td>");
        shapc_cli_html_esc(b, outputs[cls]);
        shapc_cli_html_putf(b, "</td><td class=\"num\">%.4g</td><td class=\"num\">%.4g</td>", base,
                            fx);
        put_phi_cell(b, fx - base);
        shapc_cli_html_putf(b, "<td class=\"num\">%.4g</td>", (double)pred[cls]);
        if (isfinite(rse))
            shapc_cli_html_putf(b, "<td class=\"num\">%.2g</td></tr>\n", rse);
        else
            shapc_cli_html_put(b, "<td class=\"num\">&mdash;</td></tr>\n");
    }
    shapc_cli_html_put(b, "</table>\n");
    if (shown < K)
        shapc_cli_html_putf(
            b,
            "<p class=\"note\">The %zu most probable of %zu explained outputs; all are in "
            "shap_values.npy.</p>\n",
            shown, K);
    return order[0];
}

/* ============================================================================================
 * Tabular and image results (shap_values.npy, ...)
 * ========================================================================================== */

static void build_table(shapc_cli_html *b, const char *dir, const shapc_results *r)
{
    const shapc_results_layout *l = shapc_results_get_layout(r);
    const shapc_results_data *D = shapc_results_view(r);
    const shapc_results_meta *m = shapc_results_get_meta(r);
    const size_t n = l->n_rows, M = l->n_players, K = l->n_columns;
    char name[256];

    put_head(b, dir, r);
    put_model(b, r);
    put_settings_begin(b, r);
    shapc_cli_html_putf(b, "<tr><th>explained rows</th><td>%zu</td></tr>\n", n);
    shapc_cli_html_putf(b, "<tr><th>players</th><td>%zu</td></tr>\n", M);
    put_settings_end(b, r);

    shapc_cli_html_put(
        b, "<h2>Summary</h2>\n<p>Features are ordered by mean |SHAP value| over the "
           "explained rows. In a beeswarm each dot is one row, coloured by the feature's value "
           "(red high, blue low).</p>\n");
    shapc_cli_html_png(b, dir, "summary.png", "summary");
    if (shapc_cli_html_file_exists(dir, "beeswarm.png")) /* beside a stacked multi-class summary */
        shapc_cli_html_png(b, dir, "beeswarm.png", "beeswarm");
    shapc_cli_html_png(b, dir, "bar.png", "mean |SHAP value| per feature");

    shapc_cli_html_put(b, "<h2>Instances</h2>\n");
    for (size_t i = 0; i < n; i++) {
        shapc_cli_html_putf(b, "<h3>Row %zu</h3>\n", D->rows[i]);
        const size_t c0 = put_classes(b, r, i);
        /* the players summary.json lists as the row's top five, for the first column shown */
        size_t top[5];
        const size_t nt = shapc_results_top(r, i, c0, top, 5);
        if (nt) {
            shapc_cli_html_put(b, "<table>\n<tr><th>feature</th><th>SHAP value: ");
            shapc_cli_html_esc(b, m->outputs[D->classes[i * K + c0]]);
            shapc_cli_html_put(b, "</th><th>std. error</th></tr>\n");
        }
        for (size_t t = 0; t < nt; t++) {
            shapc_cli_html_put(b, "<tr><td>");
            shapc_cli_html_esc(b, shapc_results_player_name(r, i, top[t]));
            shapc_cli_html_put(b, "</td>");
            put_phi_cell(b, (double)D->phi[(i * M + top[t]) * K + c0]);
            put_se_cell(b, (double)D->se[(i * M + top[t]) * K + c0]);
            shapc_cli_html_put(b, "</tr>\n");
        }
        if (nt)
            shapc_cli_html_put(b, "</table>\n");
        snprintf(name, sizeof name, "instance_%zu.png", D->rows[i]);
        shapc_cli_html_png(b, dir, name, name);
    }
    shapc_cli_html_put(b, "</body>\n</html>\n");
}

/* ============================================================================================
 * Text results: the HTML
 * ========================================================================================== */

typedef struct ranked {
    size_t pos;
    double key;
} ranked;

/* Largest |phi| first; ties by position so the order does not depend on qsort. */
static int by_key(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? 1 : -1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* Tokens ranked by their largest |phi| over the explained columns, with their standard
 * errors; the TEXT_TOP_TOKENS first. */
static void put_top_tokens(shapc_cli_html *b, const shapc_results *r, size_t i)
{
    const shapc_results_data *D = shapc_results_view(r);
    const shapc_results_layout *l = shapc_results_get_layout(r);
    const size_t K = l->n_columns, M = l->n_players;
    const size_t t_n = D->row_players[i], shown = t_n < TEXT_TOP_TOKENS ? t_n : TEXT_TOP_TOKENS;
    const char *const *outputs = shapc_results_get_meta(r)->outputs;
    ranked *rk = malloc(t_n * sizeof *rk);
    if (!rk) {
        b->failed = 1;
        return;
    }
    for (size_t t = 0; t < t_n; t++) {
        rk[t].pos = t;
        rk[t].key = 0;
        for (size_t c = 0; c < K; c++)
            rk[t].key = fmax(rk[t].key, fabs((double)D->phi[(i * M + t) * K + c]));
    }
    qsort(rk, t_n, sizeof *rk, by_key);
    shapc_cli_html_put(b, "<table>\n<tr><th>#</th><th>token</th>");
    for (size_t c = 0; c < K; c++) {
        shapc_cli_html_put(b, "<th>SHAP value: ");
        shapc_cli_html_esc(b, outputs[D->classes[i * K + c]]);
        shapc_cli_html_put(b, "</th><th>std. error</th>");
    }
    shapc_cli_html_put(b, "</tr>\n");
    for (size_t q = 0; q < shown; q++) {
        const size_t t = rk[q].pos;
        int known = 1;
        (void)shapc_results_token(r, i, t, NULL, &known, NULL);
        const char *word = shapc_results_token_display(r, i, t); /* as written */
        shapc_cli_html_putf(b, "<tr><td class=\"num\">%zu</td><td>", t);
        shapc_cli_html_esc(b, word);
        if (!known)
            shapc_cli_html_put(
                b, " <span class=\"note\" title=\"not in the vocabulary: scored as the unknown "
                   "token\">(unknown)</span>");
        shapc_cli_html_put(b, "</td>");
        for (size_t c = 0; c < K; c++) {
            const double se = (double)D->se[(i * M + t) * K + c];
            put_phi_cell(b, (double)D->phi[(i * M + t) * K + c]);
            if (!isfinite(se))
                shapc_cli_html_put(b, "<td class=\"num\">inf</td>"); /* not determined */
            else
                shapc_cli_html_putf(b, "<td class=\"num\">%.2g</td>", se);
        }
        shapc_cli_html_put(b, "</tr>\n");
    }
    shapc_cli_html_put(b, "</table>\n");
    if (shown < t_n)
        shapc_cli_html_putf(
            b, "<p class=\"note\">The %zu tokens with the largest |SHAP value| of %zu.</p>\n",
            shown, t_n);
    free(rk);
}

static void put_document(shapc_cli_html *b, const char *dir, const shapc_results *r, size_t i)
{
    const shapc_results_data *D = shapc_results_view(r);
    const size_t t_n = D->row_players[i];
    char name[64], alt[64];
    shapc_cli_html_putf(b, "<h3>Document %zu</h3>\n<p class=\"meta\">%zu token%s</p>\n", D->rows[i],
                        t_n, t_n == 1 ? "" : "s");
    put_classes(b, r, i);
    if (t_n == 0) {
        shapc_cli_html_put(
            b, "<p class=\"note\">(empty document: no tokens to explain; f(x) is the base "
               "value)</p>\n");
        return;
    }
    snprintf(name, sizeof name, "text_%zu.png", D->rows[i]);
    snprintf(alt, sizeof alt, "document %zu", D->rows[i]);
    shapc_cli_html_png(b, dir, name, alt);
    put_top_tokens(b, r, i);
}

static void put_vocabulary(shapc_cli_html *b, const char *dir, const shapc_results *r,
                           const shapc_results_word *w, size_t n)
{
    const size_t K = shapc_results_get_layout(r)->n_columns;
    const size_t shown = n < TEXT_TOP_WORDS ? n : TEXT_TOP_WORDS;
    shapc_cli_html_put(
        b, "<h2>Vocabulary</h2>\n<p>Mean |SHAP value| of each vocabulary word over its "
           "occurrences in the explained documents, most important first; words outside the "
           "vocabulary are pooled under the unknown token.</p>\n");
    if (n == 0) {
        shapc_cli_html_put(b,
                           "<p class=\"note\">(no words: every explained document is empty)</p>\n");
        return;
    }
    shapc_cli_html_png(b, dir, "vocab_importance.png", "mean |SHAP value| per word");
    shapc_cli_html_put(b, "<table>\n<tr><th>word</th><th>occurrences</th>");
    for (size_t c = 0; c < K; c++) {
        const char *name = shapc_cli_render_column_name(r, c);
        shapc_cli_html_put(b, "<th>mean |SHAP|: ");
        shapc_cli_html_esc(b, name);
        shapc_cli_html_put(b, "</th><th>mean SHAP: ");
        shapc_cli_html_esc(b, name);
        shapc_cli_html_put(b, "</th>");
    }
    shapc_cli_html_put(b, "</tr>\n");
    for (size_t i = 0; i < shown; i++) {
        shapc_cli_html_put(b, "<tr><td>");
        shapc_cli_html_esc(b, w[i].word);
        shapc_cli_html_putf(b, "</td><td class=\"num\">%zu</td>", w[i].count);
        for (size_t c = 0; c < K; c++) {
            shapc_cli_html_putf(b, "<td class=\"num\">%.4g</td>", w[i].mean_abs_phi[c]);
            put_phi_cell(b, w[i].mean_phi[c]);
        }
        shapc_cli_html_put(b, "</tr>\n");
    }
    shapc_cli_html_put(b, "</table>\n");
    if (shown < n)
        shapc_cli_html_putf(b, "<p class=\"note\">%zu more words in vocab_importance.json.</p>\n",
                            n - shown);
}

static int build_text(shapc_cli_html *b, const char *dir, const shapc_results *r, size_t shown)
{
    const shapc_results_layout *l = shapc_results_get_layout(r);
    const shapc_results_data *D = shapc_results_view(r);
    size_t tokens = 0, lo = (size_t)-1, hi = 0, exact = 0, n_words = 0;
    shapc_results_word *words = NULL;
    shapc_error err = {0};
    if (shapc_results_vocabulary(r, &words, &n_words, &err) != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);
    put_head(b, dir, r);
    put_model(b, r);
    put_settings_begin(b, r);
    for (size_t i = 0; i < l->n_rows; i++) {
        tokens += D->row_players[i];
        lo = D->row_players[i] < lo ? D->row_players[i] : lo;
        hi = D->row_players[i] > hi ? D->row_players[i] : hi;
        exact += D->info[i].exact != 0;
    }
    shapc_cli_html_putf(b, "<tr><th>explained documents</th><td>%zu</td></tr>\n", l->n_rows);
    shapc_cli_html_putf(
        b, "<tr><th>players (tokens)</th><td>%zu in all, %zu to %zu per document</td></tr>\n",
        tokens, lo, hi);
    shapc_cli_html_putf(b, "<tr><th>explained exactly</th><td>%zu of %zu documents</td></tr>\n",
                        exact, l->n_rows);
    put_settings_end(b, r);
    put_vocabulary(b, dir, r, words, n_words);
    shapc_results_vocabulary_free(words, n_words);

    shapc_cli_html_put(
        b, "<h2>Documents</h2>\n<p>Each document's tokens are highlighted by their SHAP value "
           "for the first explained output (");
    shapc_cli_html_esc(b, shapc_cli_render_column_name(r, 0));
    shapc_cli_html_put(
        b, "): red raises f(x), blue lowers it. The table lists the tokens with the largest "
           "|SHAP value| and their standard errors (0 when the document was explained "
           "exactly).</p>\n");
    if (shown < l->n_rows)
        shapc_cli_html_putf(
            b,
            "<p class=\"note\">Showing the first %zu of %zu documents; the other %zu are "
            "in text_values.json.</p>\n",
            shown, l->n_rows, l->n_rows - shown);
    for (size_t i = 0; i < shown; i++)
        put_document(b, dir, r, i);
    shapc_cli_html_put(b, "</body>\n</html>\n");
    return 0;
}

/* ============================================================================================
 * Entry point
 * ========================================================================================== */

/* Draws the plots the report embeds that DIR lacks (after --no-plots), as explain would
 * have, then writes the HTML of either kind. */
static int build(const char *dir, const shapc_results *r, shapc_cli_html *b)
{
    shapc_error err = {0};
    const size_t n = shapc_results_get_layout(r)->n_rows;
    const int text = shapc_results_get_layout(r)->documents;
    const size_t shown = text && n > TEXT_DOCS_MAX ? TEXT_DOCS_MAX : n;
    if (shapc_cli_render_missing_plots(r, dir, shown, &err) != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);
    if (text)
        return build_text(b, dir, r, shown);
    build_table(b, dir, r);
    return 0;
}

int shapc_cli_report(int argc, char **argv)
{
    shapc_cli_parser p;
    const char *dir = NULL, *out = NULL, *value;
    char path[4096];
    shapc_error e = {0};
    shapc_cli_html b = {0};
    int id;

    shapc_cli_parser_init(&p, "report", argc, argv);
    while ((id = shapc_cli_next(&p, options, &value)) != SHAPC_CLI_END) {
        if (id == SHAPC_CLI_BAD)
            return SHAPC_CLI_EXIT_USAGE;
        if (id == OPT_HELP) {
            usage();
            return SHAPC_CLI_EXIT_OK;
        }
        if (id == OPT_OUT) {
            out = value;
            continue;
        }
        if (dir)
            return shapc_cli_usage_error("report", "unexpected argument '%s'", value);
        dir = value;
    }
    if (!dir)
        return shapc_cli_usage_error("report", "missing DIR");
    if (!out) {
        snprintf(path, sizeof path, "%s/report.html", dir);
        out = path;
    }
    shapc_results *r = NULL;
    if (shapc_results_read_dir(dir, &r, &e) != SHAPC_OK) {
        return shapc_cli_fail("%s", e.message);
    }
    const int failed = build(dir, r, &b);
    shapc_results_free(r);
    if (failed) {
        free(b.s);
        return SHAPC_CLI_EXIT_FAIL;
    }
    if (b.failed) {
        free(b.s);
        return shapc_cli_fail("%s: out of memory", out);
    }
    if (shapc_file_write_atomic(out, b.s, b.len, &e) != SHAPC_OK) {
        free(b.s);
        return shapc_cli_fail("%s", e.message);
    }
    free(b.s);
    printf("%s\n", out);
    return SHAPC_CLI_EXIT_OK;
}
