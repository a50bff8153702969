/* cmd_report.c - `shapc report DIR -o report.html`: one self-contained HTML file (plots
 * embedded as base64 data URIs, no external links) with the model, the settings, the summary
 * plots and each instance's explanation - the file a user attaches to a model review.
 *
 * Two kinds of results directory (docs/plots.md, docs/text.md):
 *   - tabular and image models (shap_values.npy, ...): the summary plots and every row;
 *   - text models (summary.json with "kind": "text", text_values.json, vocab_importance.json):
 *     the vocabulary importance and the first TEXT_DOCS_MAX documents (loaded and checked by
 *     text_results.c).
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

#include "args.h"
#include "commands.h"
#include "json_read.h"
#include "render.h"
#include "text_results.h"
#include "results.h"

#define TEXT_DOCS_MAX 20   /* documents shown in a text report; the rest are only counted */
#define TEXT_TOP_TOKENS 10 /* rows of a document's top-token table */
#define TEXT_TOP_WORDS 20  /* rows of the vocabulary table, as vocab_importance.png has */

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

/* ============================================================================================
 * Growable HTML buffer and embedding helpers
 * ========================================================================================== */

typedef struct buf {
    char *s;
    size_t len, cap;
    int failed; /* an allocation failed; the caller reports out of memory */
} buf;

static void put_n(buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        char *ns;
        while (nc < b->len + n + 1)
            nc *= 2;
        ns = realloc(b->s, nc);
        if (!ns) {
            b->failed = 1;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void put(buf *b, const char *s) { put_n(b, s, strlen(s)); }

static void putf(buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void putf(buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put_n(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_esc(buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': put(b, "&lt;"); break;
        case '>': put(b, "&gt;"); break;
        case '&': put(b, "&amp;"); break;
        case '"': put(b, "&quot;"); break;
        default: put_n(b, s, 1);
        }
    }
}

static void put_base64(buf *b, const unsigned char *d, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    char q[4];
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        q[0] = tab[v >> 18];
        q[1] = tab[(v >> 12) & 63];
        q[2] = tab[(v >> 6) & 63];
        q[3] = tab[v & 63];
        put_n(b, q, 4);
    }
    if (i < n) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0);
        q[0] = tab[v >> 18];
        q[1] = tab[(v >> 12) & 63];
        q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        q[3] = '=';
        put_n(b, q, 4);
    }
}

/* <img> with the PNG inlined; a note instead when the file is missing. */
static void put_png(buf *b, const char *dir, const char *name, const char *alt)
{
    char path[4096];
    size_t len = 0;
    char *d;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    d = shapc_cli_read_text(path, &len);
    if (!d) {
        putf(b, "<p class=\"note\">(%s not available)</p>\n", name);
        return;
    }
    put(b, "<img alt=\"");
    put_esc(b, alt);
    put(b, "\" src=\"data:image/png;base64,");
    put_base64(b, (const unsigned char *)d, len);
    put(b, "\">\n");
    free(d);
}

/* A JSON value as compact text (settings table). */
static void put_jv(buf *b, const shapc_cli_jv *v)
{
    size_t i;
    if (!v) {
        put(b, "&mdash;");
        return;
    }
    switch (v->type) {
    case SHAPC_CLI_JNULL: put(b, "none"); break;
    case SHAPC_CLI_JBOOL: put(b, v->num != 0 ? "yes" : "no"); break;
    case SHAPC_CLI_JNUM: putf(b, "%.10g", v->num); break;
    case SHAPC_CLI_JSTR: put_esc(b, v->str); break;
    case SHAPC_CLI_JARR:
        put(b, "[");
        for (i = 0; i < v->n; i++) {
            if (i)
                put(b, ", ");
            put_jv(b, &v->items[i]);
        }
        put(b, "]");
        break;
    case SHAPC_CLI_JOBJ:
        for (i = 0; i < v->n; i++) {
            if (i)
                put(b, ", ");
            put_esc(b, v->keys[i]);
            put(b, ": ");
            put_jv(b, &v->items[i]);
        }
        break;
    }
}

/* A SHAP value cell, red when it raises the output and blue when it lowers it. */
static void put_phi_cell(buf *b, double v)
{
    putf(b, "<td class=\"num %s\">%+.4g</td>", v >= 0 ? "pos" : "neg", v);
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
static void put_head(buf *b, const char *dir, const shapc_cli_jv *sum)
{
    const shapc_cli_jv *av = shapc_cli_jv_get(sum, "argv");
    put(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    put(b, "shapc report: ");
    put_esc(b, dir);
    put(b, "</title>\n<style>");
    put(b, style);
    put(b, "</style>\n</head>\n<body>\n<h1>SHAP explanation report</h1>\n<p class=\"meta\">");
    put_esc(b, dir);
    putf(b, " &middot; shapc %s", shapc_version_string());
    if (av && av->type == SHAPC_CLI_JARR && av->n) {
        put(b, "<br><code>");
        for (size_t j = 0; j < av->n; j++) {
            if (j)
                put(b, " ");
            put_esc(b, shapc_cli_jv_str(&av->items[j]));
        }
        put(b, "</code>");
    }
    put(b, "</p>\n");
}

/* The model table: file, description, one kind-specific row (input shape, vocabulary size)
 * and the outputs (at most 50 named). */
static void put_model(buf *b, const shapc_cli_jv *model, const char *key,
                      const shapc_cli_jv *value, const char *const *outputs, size_t n_outputs)
{
    put(b, "<h2>Model</h2>\n<table>\n");
    put(b, "<tr><th>file</th><td>");
    put_jv(b, shapc_cli_jv_get(model, "path"));
    put(b, "</td></tr>\n<tr><th>description</th><td>");
    put_jv(b, shapc_cli_jv_get(model, "description"));
    putf(b, "</td></tr>\n<tr><th>%s</th><td>", key);
    put_jv(b, value);
    putf(b, "</td></tr>\n<tr><th>outputs</th><td>%zu: ", n_outputs);
    for (size_t j = 0; j < n_outputs && j < 50; j++) {
        if (j)
            put(b, ", ");
        put_esc(b, outputs[j]);
    }
    put(b, n_outputs > 50 ? ", &hellip;" : "");
    put(b, "</td></tr>\n</table>\n");
}

/* The settings table is opened with summary.json's settings; the caller adds its own rows
 * (explained rows, players) before put_settings_end adds the timings and closes it. */
static void put_settings_begin(buf *b, const shapc_cli_jv *sum)
{
    const shapc_cli_jv *settings = shapc_cli_jv_get(sum, "settings");
    put(b, "<h2>Settings</h2>\n<table>\n");
    if (settings && settings->type == SHAPC_CLI_JOBJ)
        for (size_t j = 0; j < settings->n; j++) {
            put(b, "<tr><th>");
            put_esc(b, settings->keys[j]);
            put(b, "</th><td>");
            put_jv(b, &settings->items[j]);
            put(b, "</td></tr>\n");
        }
}

static void put_settings_end(buf *b, const shapc_cli_jv *sum)
{
    const shapc_cli_jv *timings = shapc_cli_jv_get(sum, "timings");
    if (timings) {
        put(b, "<tr><th>timings (s)</th><td>");
        put_jv(b, timings);
        put(b, "</td></tr>\n");
    }
    put(b, "</table>\n");
}

/* ============================================================================================
 * Tabular and image results (shap_values.npy, ...)
 * ========================================================================================== */

static void build_table(buf *b, const char *dir, const shapc_cli_results *r)
{
    const shapc_cli_jv *sum = r->summary, *model = shapc_cli_jv_get(sum, "model");
    const shapc_cli_jv *inst = shapc_cli_jv_get(sum, "instances");
    size_t i, j, c;
    char name[256];

    put_head(b, dir, sum);
    put_model(b, model, "input shape", shapc_cli_jv_get(model, "input_shape"),
              (const char *const *)r->outputs, r->k_all);
    put_settings_begin(b, sum);
    putf(b, "<tr><th>explained rows</th><td>%zu</td></tr>\n", r->n);
    putf(b, "<tr><th>players</th><td>%zu</td></tr>\n", r->m);
    put_settings_end(b, sum);

    put(b, "<h2>Summary</h2>\n<p>Each dot is one explained row; rows are ordered by mean "
           "|SHAP value|. Colour shows the feature's value (red high, blue low).</p>\n");
    put_png(b, dir, "summary.png", "beeswarm summary");
    put_png(b, dir, "bar.png", "mean |SHAP value| per feature");

    put(b, "<h2>Instances</h2>\n");
    for (i = 0; i < r->n; i++) {
        const shapc_cli_jv *e = shapc_cli_jv_at(inst, i), *top = shapc_cli_jv_get(e, "top");
        putf(b, "<h3>Row %zu</h3>\n<p class=\"meta\">", r->rows[i]);
        for (c = 0; c < r->k; c++) {
            size_t cls = (size_t)r->classes[i * r->k + c];
            double fx = r->base[i * r->k + c];
            for (j = 0; j < r->m; j++)
                fx += r->phi[(i * r->m + j) * r->k + c];
            if (c)
                put(b, " &middot; ");
            put_esc(b, r->outputs[cls]);
            putf(b, ": f(x) = %.4g (base %.4g)", fx, r->base[i * r->k + c]);
        }
        if (e) {
            const shapc_cli_jv *ex = shapc_cli_jv_get(e, "exact");
            putf(b, " &middot; %s, %.0f model evaluations",
                 ex && ex->num != 0 ? "exact" : "sampled",
                 shapc_cli_jv_num(shapc_cli_jv_get(e, "n_evals"), 0));
        }
        put(b, "</p>\n");
        if (top && top->type == SHAPC_CLI_JARR && top->n) {
            put(b, "<table>\n<tr><th>feature</th><th>output</th><th>SHAP value</th></tr>\n");
            for (j = 0; j < top->n; j++) {
                const shapc_cli_jv *t = &top->items[j];
                double v = shapc_cli_jv_num(shapc_cli_jv_get(t, "value"), 0);
                double cl = shapc_cli_jv_num(shapc_cli_jv_get(t, "class"), -1);
                put(b, "<tr><td>");
                put_jv(b, shapc_cli_jv_get(t, "name"));
                put(b, "</td><td>");
                if (cl >= 0 && cl < (double)r->k_all)
                    put_esc(b, r->outputs[(size_t)cl]);
                put(b, "</td>");
                put_phi_cell(b, v);
                put(b, "</tr>\n");
            }
            put(b, "</table>\n");
        }
        snprintf(name, sizeof name, "instance_%zu.png", r->rows[i]);
        put_png(b, dir, name, name);
    }
    put(b, "</body>\n</html>\n");
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
static void put_top_tokens(buf *b, const shapc_cli_text_results *t, const shapc_cli_text_doc *d)
{
    char tmp[32];
    size_t shown = d->t < TEXT_TOP_TOKENS ? d->t : TEXT_TOP_TOKENS;
    ranked *rk = malloc(d->t * sizeof *rk);
    if (!rk) {
        b->failed = 1;
        return;
    }
    for (size_t i = 0; i < d->t; i++) {
        rk[i].pos = i;
        rk[i].key = 0;
        for (size_t c = 0; c < t->k; c++)
            rk[i].key = fmax(rk[i].key, fabs(shapc_cli_text_value(d->phi, i, c)));
    }
    qsort(rk, d->t, sizeof *rk, by_key);
    put(b, "<table>\n<tr><th>#</th><th>token</th>");
    for (size_t c = 0; c < t->k; c++) {
        put(b, "<th>SHAP value: ");
        put_esc(b, shapc_cli_text_output_name(t, d->classes->items[c].num, tmp, sizeof tmp));
        put(b, "</th><th>std. error</th>");
    }
    put(b, "</tr>\n");
    for (size_t r = 0; r < shown; r++) {
        size_t i = rk[r].pos;
        putf(b, "<tr><td class=\"num\">%zu</td><td>", i);
        put_esc(b, shapc_cli_jv_str(&d->tokens->items[i]));
        if (d->vocab && d->vocab->items[i].num == 0)
            put(b, " <span class=\"note\" title=\"not in the vocabulary: scored as the unknown "
                   "token\">(unknown)</span>");
        put(b, "</td>");
        for (size_t c = 0; c < t->k; c++) {
            double se = shapc_cli_text_value(d->se, i, c);
            put_phi_cell(b, shapc_cli_text_value(d->phi, i, c));
            if (isnan(se))
                put(b, "<td class=\"num\">inf</td>"); /* written as null: not determined */
            else
                putf(b, "<td class=\"num\">%.2g</td>", se);
        }
        put(b, "</tr>\n");
    }
    put(b, "</table>\n");
    if (shown < d->t)
        putf(b, "<p class=\"note\">The %zu tokens with the largest |SHAP value| of %zu.</p>\n",
             shown, d->t);
    free(rk);
}

static void put_document(buf *b, const char *dir, const shapc_cli_text_results *t,
                         const shapc_cli_text_doc *d)
{
    char name[64], tmp[32];
    putf(b, "<h3>Document %zu</h3>\n<p class=\"meta\">%zu token%s &middot; ", d->row, d->t,
         d->t == 1 ? "" : "s");
    if (d->exact)
        putf(b, "exact, %.0f model evaluations</p>\n", d->n_evals);
    else
        putf(b, "sampled, %.0f model evaluations</p>\n", d->n_evals);
    put(b, "<table>\n<tr><th>output</th><th>base value</th><th>f(x)</th>"
           "<th>f(x) &minus; base</th></tr>\n");
    for (size_t c = 0; c < t->k; c++) {
        double base = d->base->items[c].num, fx = d->fx->items[c].num;
        put(b, "<tr><td>");
        put_esc(b, shapc_cli_text_output_name(t, d->classes->items[c].num, tmp, sizeof tmp));
        putf(b, "</td><td class=\"num\">%.4g</td><td class=\"num\">%.4g</td>", base, fx);
        put_phi_cell(b, fx - base);
        put(b, "</tr>\n");
    }
    put(b, "</table>\n");
    if (d->t == 0) {
        put(b, "<p class=\"note\">(empty document: no tokens to explain; f(x) is the base "
               "value)</p>\n");
        return;
    }
    snprintf(name, sizeof name, "text_%zu.png", d->row);
    snprintf(tmp, sizeof tmp, "document %zu", d->row);
    put_png(b, dir, name, tmp);
    put_top_tokens(b, t, d);
}

static void put_vocabulary(buf *b, const char *dir, const shapc_cli_text_results *t)
{
    const shapc_cli_jv *v = t->vocab;
    size_t shown = v->n < TEXT_TOP_WORDS ? v->n : TEXT_TOP_WORDS;
    char tmp[32];
    put(b, "<h2>Vocabulary</h2>\n<p>Mean |SHAP value| of each vocabulary word over its "
           "occurrences in the explained documents, most important first; words outside the "
           "vocabulary are pooled under the unknown token.</p>\n");
    if (v->n == 0) {
        put(b, "<p class=\"note\">(no words: every explained document is empty)</p>\n");
        return;
    }
    put_png(b, dir, "vocab_importance.png", "mean |SHAP value| per word");
    put(b, "<table>\n<tr><th>word</th><th>occurrences</th>");
    for (size_t c = 0; c < t->k; c++) {
        const char *name = shapc_cli_text_column_name(t, c, tmp, sizeof tmp);
        put(b, "<th>mean |SHAP|: ");
        put_esc(b, name);
        put(b, "</th><th>mean SHAP: ");
        put_esc(b, name);
        put(b, "</th>");
    }
    put(b, "</tr>\n");
    for (size_t i = 0; i < shown; i++) {
        const shapc_cli_jv *w = &v->items[i];
        const shapc_cli_jv *mabs = shapc_cli_jv_get(w, "mean_abs_phi");
        const shapc_cli_jv *mean = shapc_cli_jv_get(w, "mean_phi");
        put(b, "<tr><td>");
        put_esc(b, shapc_cli_jv_str(shapc_cli_jv_get(w, "word")));
        putf(b, "</td><td class=\"num\">%.0f</td>", shapc_cli_jv_get(w, "count")->num);
        for (size_t c = 0; c < t->k; c++) {
            putf(b, "<td class=\"num\">%.4g</td>", mabs->items[c].num);
            put_phi_cell(b, mean->items[c].num);
        }
        put(b, "</tr>\n");
    }
    put(b, "</table>\n");
    if (shown < v->n)
        putf(b, "<p class=\"note\">%zu more words in vocab_importance.json.</p>\n",
             v->n - shown);
}

static void build_text(buf *b, const char *dir, const shapc_cli_text_results *t, size_t shown)
{
    const shapc_cli_jv *model = shapc_cli_jv_get(t->summary, "model");
    size_t tokens = 0, lo = (size_t)-1, hi = 0, exact = 0;
    char tmp[32];

    put_head(b, dir, t->summary);
    put_model(b, model, "vocabulary", shapc_cli_jv_get(model, "vocab_size"), t->outputs,
              t->n_outputs);
    put_settings_begin(b, t->summary);
    for (size_t i = 0; i < t->n; i++) {
        tokens += t->docs[i].t;
        lo = t->docs[i].t < lo ? t->docs[i].t : lo;
        hi = t->docs[i].t > hi ? t->docs[i].t : hi;
        exact += t->docs[i].exact != 0;
    }
    putf(b, "<tr><th>explained documents</th><td>%zu</td></tr>\n", t->n);
    putf(b, "<tr><th>players (tokens)</th><td>%zu in all, %zu to %zu per document</td></tr>\n",
         tokens, lo, hi);
    putf(b, "<tr><th>explained exactly</th><td>%zu of %zu documents</td></tr>\n", exact, t->n);
    put_settings_end(b, t->summary);

    if (t->vocab)
        put_vocabulary(b, dir, t);

    put(b, "<h2>Documents</h2>\n<p>Each document's tokens are highlighted by their SHAP value "
           "for the first explained output (");
    put_esc(b, shapc_cli_text_column_name(t, 0, tmp, sizeof tmp));
    put(b, "): red raises f(x), blue lowers it. The table lists the tokens with the largest "
           "|SHAP value| and their standard errors (0 when the document was explained "
           "exactly).</p>\n");
    if (shown < t->n)
        putf(b, "<p class=\"note\">Showing the first %zu of %zu documents; the other %zu are "
                "in text_values.json.</p>\n", shown, t->n, t->n - shown);
    for (size_t i = 0; i < shown; i++)
        put_document(b, dir, t, &t->docs[i]);
    put(b, "</body>\n</html>\n");
}

/* ============================================================================================
 * Entry point
 * ========================================================================================== */

static int report_text(const char *dir, buf *b)
{
    shapc_cli_text_results t;
    int rc = shapc_cli_text_results_load(dir, &t);
    size_t shown = t.n < TEXT_DOCS_MAX ? t.n : TEXT_DOCS_MAX;
    if (!rc)
        rc = shapc_cli_text_results_draw_missing(dir, &t, shown);
    if (!rc)
        build_text(b, dir, &t, shown);
    shapc_cli_text_results_free(&t);
    return rc;
}

static int report_table(const char *dir, buf *b)
{
    char probe[4096];
    shapc_cli_results r;
    FILE *f;
    snprintf(probe, sizeof probe, "%s/summary.png", dir);
    f = fopen(probe, "rb");
    if (f)
        fclose(f);
    else if (shapc_cli_render_default_plots(dir) != 0)
        return 1;
    if (shapc_cli_results_load(dir, &r))
        return 1;
    build_table(b, dir, &r);
    shapc_cli_results_free(&r);
    return 0;
}

int shapc_cli_report(int argc, char **argv)
{
    shapc_cli_parser p;
    const char *dir = NULL, *out = NULL, *value;
    char path[4096];
    shapc_error e = {0};
    buf b = {0};
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
    if (shapc_cli_text_results_found(dir) ? report_text(dir, &b) : report_table(dir, &b)) {
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
