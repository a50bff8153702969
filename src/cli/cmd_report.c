/* cmd_report.c - `shapc report DIR -o report.html`: one self-contained HTML file (plots
 * embedded as base64 data URIs, no external links) with the model, the settings, the summary
 * plots and each instance's explanation - the file a user attaches to a model review.
 * Plots missing from DIR are drawn first (the same default plots `shapc explain` writes). */
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
#include "results.h"

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
           "\n"
           "options:\n"
           "  -o, --output FILE   output file (default DIR/report.html)\n"
           "  -h, --help          show this help\n");
}

/* ---- growable text buffer ---- */

typedef struct buf {
    char *s;
    size_t len, cap;
    int failed;
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

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *d = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        d = malloc((size_t)n + 1);
        if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
            free(d);
            d = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return d;
}

/* <img> with the PNG inlined; a note instead when the file is missing. */
static void put_png(buf *b, const char *dir, const char *name, const char *alt)
{
    char path[4096];
    size_t len = 0;
    unsigned char *d;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    d = read_file(path, &len);
    if (!d) {
        putf(b, "<p class=\"note\">(%s not available)</p>\n", name);
        return;
    }
    put(b, "<img alt=\"");
    put_esc(b, alt);
    put(b, "\" src=\"data:image/png;base64,");
    put_base64(b, d, len);
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

static void build(buf *b, const char *dir, const shapc_cli_results *r)
{
    const shapc_cli_jv *sum = r->summary, *model = shapc_cli_jv_get(sum, "model");
    const shapc_cli_jv *settings = shapc_cli_jv_get(sum, "settings");
    const shapc_cli_jv *inst = shapc_cli_jv_get(sum, "instances");
    const shapc_cli_jv *timings = shapc_cli_jv_get(sum, "timings");
    size_t i, j, c;
    char name[256];

    put(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    put(b, "shapc report: ");
    put_esc(b, dir);
    put(b, "</title>\n<style>");
    put(b, style);
    put(b, "</style>\n</head>\n<body>\n<h1>SHAP explanation report</h1>\n<p class=\"meta\">");
    put_esc(b, dir);
    putf(b, " &middot; shapc %s", shapc_version_string());
    {
        /* The command line that produced the results, when summary.json records it. */
        const shapc_cli_jv *av = shapc_cli_jv_get(sum, "argv");
        if (av && av->type == SHAPC_CLI_JARR && av->n) {
            put(b, "<br><code>");
            for (j = 0; j < av->n; j++) {
                if (j)
                    put(b, " ");
                put_esc(b, shapc_cli_jv_str(&av->items[j]));
            }
            put(b, "</code>");
        }
    }
    put(b, "</p>\n");

    put(b, "<h2>Model</h2>\n<table>\n");
    put(b, "<tr><th>file</th><td>");
    put_jv(b, shapc_cli_jv_get(model, "path"));
    put(b, "</td></tr>\n<tr><th>description</th><td>");
    put_jv(b, shapc_cli_jv_get(model, "description"));
    put(b, "</td></tr>\n<tr><th>input shape</th><td>");
    put_jv(b, shapc_cli_jv_get(model, "input_shape"));
    putf(b, "</td></tr>\n<tr><th>outputs</th><td>%zu: ", r->k_all);
    for (j = 0; j < r->k_all && j < 50; j++) {
        if (j)
            put(b, ", ");
        put_esc(b, r->outputs[j]);
    }
    put(b, r->k_all > 50 ? ", &hellip;" : "");
    put(b, "</td></tr>\n</table>\n");

    put(b, "<h2>Settings</h2>\n<table>\n");
    if (settings && settings->type == SHAPC_CLI_JOBJ)
        for (j = 0; j < settings->n; j++) {
            put(b, "<tr><th>");
            put_esc(b, settings->keys[j]);
            put(b, "</th><td>");
            put_jv(b, &settings->items[j]);
            put(b, "</td></tr>\n");
        }
    putf(b, "<tr><th>explained rows</th><td>%zu</td></tr>\n", r->n);
    putf(b, "<tr><th>players</th><td>%zu</td></tr>\n", r->m);
    if (timings) {
        put(b, "<tr><th>timings (s)</th><td>");
        put_jv(b, timings);
        put(b, "</td></tr>\n");
    }
    put(b, "</table>\n");

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
                putf(b, "</td><td class=\"num %s\">%+.4g</td></tr>\n", v >= 0 ? "pos" : "neg",
                     v);
            }
            put(b, "</table>\n");
        }
        snprintf(name, sizeof name, "instance_%zu.png", r->rows[i]);
        put_png(b, dir, name, name);
    }
    put(b, "</body>\n</html>\n");
}

int shapc_cli_report(int argc, char **argv)
{
    shapc_cli_parser p;
    const char *dir = NULL, *out = NULL, *value;
    char path[4096], probe[4096];
    shapc_cli_results r;
    shapc_error e = {0};
    buf b = {0};
    FILE *f;
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
    snprintf(probe, sizeof probe, "%s/summary.png", dir);
    f = fopen(probe, "rb");
    if (f)
        fclose(f);
    else if (shapc_cli_render_default_plots(dir) != 0)
        return SHAPC_CLI_EXIT_FAIL;
    if (shapc_cli_results_load(dir, &r))
        return SHAPC_CLI_EXIT_FAIL;
    build(&b, dir, &r);
    shapc_cli_results_free(&r);
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
