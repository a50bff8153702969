/* text_results.c - see text_results.h. The files are those `shapc explain` writes for a text
 * model (src/cli/cmd_explain_text.c, docs/text.md); every shape is checked before the report
 * reads it, so a truncated or hand-edited file is one error line, never a crash or a report
 * built from half the data. Missing plots are drawn with the titles and columns explain uses,
 * so a report looks the same whether or not the run had --no-plots. */
#include "text_results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/plot.h>

#include "args.h"
#include "results.h"

#define VOCAB_PLOT_WORDS 20 /* bars of vocab_importance.png, as explain draws it */

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

int shapc_cli_text_results_found(const char *dir)
{
    char path[4096], why[8];
    size_t len = 0;
    int text = -1;
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *s = shapc_cli_read_text(path, &len);
    if (s) {
        shapc_cli_jv *sum = shapc_cli_json_parse(s, len, why, sizeof why);
        const char *kind = shapc_cli_jv_str(shapc_cli_jv_get(sum, "kind"));
        if (sum)
            text = kind && strcmp(kind, "text") == 0;
        shapc_cli_jv_free(sum);
        free(s);
    }
    if (text >= 0)
        return text;
    snprintf(path, sizeof path, "%s/shap_values.npy", dir);
    if (file_exists(path))
        return 0;
    snprintf(path, sizeof path, "%s/text_values.json", dir);
    return file_exists(path);
}

/* ============================================================================================
 * Loading and checking
 * ========================================================================================== */

void shapc_cli_text_results_free(shapc_cli_text_results *t)
{
    shapc_cli_jv_free(t->summary);
    shapc_cli_jv_free(t->values);
    shapc_cli_jv_free(t->vocab);
    free(t->docs);
    free(t->outputs);
    memset(t, 0, sizeof *t);
}

/* Reads and parses dir/name into *out. Returns 0, or prints "dir/name: reason" and returns 1.
 * With optional, a file that does not exist gives 0 and *out NULL. */
static int load_json(const char *dir, const char *name, int optional, shapc_cli_jv **out)
{
    char path[4096], why[256] = "malformed JSON";
    size_t len = 0;
    char *text;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *out = NULL;
    errno = 0;
    text = shapc_cli_read_text(path, &len);
    if (!text) {
        int e = errno;
        if (optional && e == ENOENT)
            return 0;
        return shapc_cli_fail("%s: cannot read: %s", path, e ? strerror(e) : "read error");
    }
    *out = shapc_cli_json_parse(text, len, why, sizeof why);
    free(text);
    if (!*out) {
        /* An error at the very end means the file was cut short (a copy or a disk that
         * filled up), which is worth saying in words. */
        size_t at = 0;
        int cut = sscanf(why, "byte %zu", &at) == 1 && at >= len;
        return shapc_cli_fail("%s: %s%s", path, cut ? "truncated: " : "", why);
    }
    return 0;
}

/* A JSON number that is a whole number in [0, 2^53) (row, class, count). */
static int is_whole(const shapc_cli_jv *v)
{
    return v && v->type == SHAPC_CLI_JNUM && v->num >= 0 && v->num < 9007199254740992.0 &&
           v->num == floor(v->num);
}

/* v is an array of n numbers; with nulls, null is accepted too (the results writer turns a
 * non-finite value, e.g. an infinite standard error, into null). */
static int is_numbers(const shapc_cli_jv *v, size_t n, int nulls)
{
    if (!v || v->type != SHAPC_CLI_JARR || v->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v->items[i].type != SHAPC_CLI_JNUM && !(nulls && v->items[i].type == SHAPC_CLI_JNULL))
            return 0;
    return 1;
}

/* v is an array of n arrays of k numbers (per token, per column). */
static int is_matrix(const shapc_cli_jv *v, size_t n, size_t k, int nulls)
{
    if (!v || v->type != SHAPC_CLI_JARR || v->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_numbers(&v->items[i], k, nulls))
            return 0;
    return 1;
}

/* v is an array of n values of JSON type ty. */
static int is_array_of(const shapc_cli_jv *v, size_t n, shapc_cli_jtype ty)
{
    if (!v || v->type != SHAPC_CLI_JARR || v->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v->items[i].type != ty)
            return 0;
    return 1;
}

/* Checks entry i of text_values.json into *d; *k is the column count of the first entry,
 * which every other entry must share. Returns 0, or prints the file, the entry and the
 * reason and returns 1. */
static int text_doc_check(const char *path, size_t i, const shapc_cli_jv *e, size_t *k,
                          shapc_cli_text_doc *d)
{
    char why[160];
    const shapc_cli_jv *row = shapc_cli_jv_get(e, "row"), *ex = shapc_cli_jv_get(e, "exact");
    memset(d, 0, sizeof *d);
    d->tokens = shapc_cli_jv_get(e, "tokens");
    d->space = shapc_cli_jv_get(e, "space_before");
    d->vocab = shapc_cli_jv_get(e, "in_vocab");
    d->classes = shapc_cli_jv_get(e, "classes");
    d->base = shapc_cli_jv_get(e, "base");
    d->fx = shapc_cli_jv_get(e, "fx");
    d->phi = shapc_cli_jv_get(e, "phi");
    d->se = shapc_cli_jv_get(e, "se");
    if (!e || e->type != SHAPC_CLI_JOBJ)
        return shapc_cli_fail("%s: entry %zu is not an object", path, i);
    if (!is_whole(row))
        return shapc_cli_fail("%s: entry %zu: \"row\" is not a row number", path, i);
    d->row = (size_t)row->num;
    if (!d->tokens || d->tokens->type != SHAPC_CLI_JARR)
        return shapc_cli_fail("%s: row %zu: \"tokens\" is not an array", path, d->row);
    d->t = d->tokens->n;
    if (!d->classes || d->classes->type != SHAPC_CLI_JARR || d->classes->n == 0)
        return shapc_cli_fail("%s: row %zu: \"classes\" is not a non-empty array", path,
                              d->row);
    if (*k && d->classes->n != *k)
        return shapc_cli_fail("%s: row %zu: %zu explained outputs, the first document has %zu",
                              path, d->row, d->classes->n, *k);
    *k = d->classes->n;
    why[0] = 0;
    if (!is_array_of(d->tokens, d->t, SHAPC_CLI_JSTR))
        snprintf(why, sizeof why, "\"tokens\" holds a non-string");
    else if (!is_array_of(d->space, d->t, SHAPC_CLI_JBOOL))
        snprintf(why, sizeof why, "\"space_before\" is not %zu booleans", d->t);
    else if (d->vocab && !is_array_of(d->vocab, d->t, SHAPC_CLI_JBOOL))
        snprintf(why, sizeof why, "\"in_vocab\" is not %zu booleans", d->t);
    else if (!is_numbers(d->classes, *k, 0))
        snprintf(why, sizeof why, "\"classes\" holds a non-number");
    else if (!is_numbers(d->base, *k, 0) || !is_numbers(d->fx, *k, 0))
        snprintf(why, sizeof why, "\"base\" and \"fx\" must be %zu numbers", *k);
    else if (!is_matrix(d->phi, d->t, *k, 0))
        snprintf(why, sizeof why, "\"phi\" is not %zu arrays (one per token) of %zu numbers",
                 d->t, *k);
    else if (!is_matrix(d->se, d->t, *k, 1))
        snprintf(why, sizeof why, "\"se\" is not %zu arrays (one per token) of %zu numbers",
                 d->t, *k);
    for (size_t c = 0; !why[0] && c < *k; c++)
        if (!is_whole(&d->classes->items[c]))
            snprintf(why, sizeof why, "\"classes\" holds %g, not an output index",
                     d->classes->items[c].num);
    if (why[0])
        return shapc_cli_fail("%s: row %zu: %s", path, d->row, why);
    d->exact = ex && ex->num != 0;
    d->n_evals = shapc_cli_jv_num(shapc_cli_jv_get(e, "n_evals"), 0);
    return 0;
}

/* vocab_importance.json: an array of {word, count, mean_abs_phi (k), mean_phi (k)}. */
static int vocab_check(const char *path, const shapc_cli_jv *v, size_t k)
{
    if (!v || v->type != SHAPC_CLI_JARR)
        return shapc_cli_fail("%s: not an array of words", path);
    for (size_t i = 0; i < v->n; i++) {
        const shapc_cli_jv *w = &v->items[i];
        if (!shapc_cli_jv_str(shapc_cli_jv_get(w, "word")) ||
            !is_whole(shapc_cli_jv_get(w, "count")) ||
            !is_numbers(shapc_cli_jv_get(w, "mean_abs_phi"), k, 0) ||
            !is_numbers(shapc_cli_jv_get(w, "mean_phi"), k, 0))
            return shapc_cli_fail("%s: entry %zu: need \"word\", \"count\" and %zu-number "
                                  "\"mean_abs_phi\" and \"mean_phi\"", path, i, k);
    }
    return 0;
}

/* Loads summary.json, text_values.json (required) and vocab_importance.json (when present)
 * from dir and checks them. Returns 0, or prints one line and returns 1. */
int shapc_cli_text_results_load(const char *dir, shapc_cli_text_results *t)
{
    char path[4096];
    const shapc_cli_jv *names;
    memset(t, 0, sizeof *t);
    if (load_json(dir, "summary.json", 0, &t->summary) ||
        load_json(dir, "text_values.json", 0, &t->values))
        return 1;
    snprintf(path, sizeof path, "%s/text_values.json", dir);
    if (t->values->type != SHAPC_CLI_JARR)
        return shapc_cli_fail("%s: not an array of documents", path);
    if (t->values->n == 0)
        return shapc_cli_fail("%s: no documents", path);
    t->n = t->values->n;
    t->docs = calloc(t->n, sizeof *t->docs);
    if (!t->docs)
        return shapc_cli_fail("%s: out of memory", path);
    for (size_t i = 0; i < t->n; i++)
        if (text_doc_check(path, i, &t->values->items[i], &t->k, &t->docs[i]))
            return 1;

    /* Output names come from summary.json; an index without a name prints as "output N". */
    names = shapc_cli_jv_get(shapc_cli_jv_get(t->summary, "model"), "output_names");
    if (names && names->type == SHAPC_CLI_JARR && names->n) {
        t->outputs = calloc(names->n, sizeof *t->outputs);
        if (!t->outputs)
            return shapc_cli_fail("%s: out of memory", path);
        t->n_outputs = names->n;
        for (size_t c = 0; c < names->n; c++) {
            const char *s = shapc_cli_jv_str(&names->items[c]);
            t->outputs[c] = s ? s : "?";
        }
    }

    if (load_json(dir, "vocab_importance.json", 1, &t->vocab))
        return 1;
    snprintf(path, sizeof path, "%s/vocab_importance.json", dir);
    return t->vocab ? vocab_check(path, t->vocab, t->k) : 0;
}

const char *shapc_cli_text_output_name(const shapc_cli_text_results *t, double cls, char *tmp,
                                       size_t cap)
{
    if (cls >= 0 && cls < (double)t->n_outputs)
        return t->outputs[(size_t)cls];
    snprintf(tmp, cap, "output %.0f", cls);
    return tmp;
}

/* With --class predicted a column holds each document's own predicted class; otherwise it is
 * the same output in every document, so the first document names it. */
const char *shapc_cli_text_column_name(const shapc_cli_text_results *t, size_t c, char *tmp,
                                       size_t cap)
{
    const shapc_cli_jv *cls = shapc_cli_jv_get(shapc_cli_jv_get(t->summary, "settings"), "class");
    const char *mode = shapc_cli_jv_str(cls);
    if (mode && strcmp(mode, "predicted") == 0)
        return "predicted class";
    return shapc_cli_text_output_name(t, t->docs[0].classes->items[c].num, tmp, cap);
}

double shapc_cli_text_value(const shapc_cli_jv *m, size_t i, size_t c)
{
    return shapc_cli_jv_num(shapc_cli_jv_at(shapc_cli_jv_at(m, i), c), NAN);
}

/* ============================================================================================
 * Plots missing from DIR (explain --no-plots), drawn as `shapc explain` draws them
 * ========================================================================================== */

int shapc_cli_text_plot(const char *path, const shapc_cli_text_results *t,
                        const shapc_cli_text_doc *d, size_t col, const shapc_plot_options *o)
{
    shapc_plot_options po = o ? *o : shapc_plot_options_default();
    shapc_error err = {0};
    char title[256], tmp[32];
    char **toks = calloc(d->t ? d->t : 1, sizeof *toks);
    double *phi = malloc((d->t ? d->t : 1) * sizeof *phi);
    int rc = 0;
    if (!toks || !phi)
        rc = shapc_cli_fail("%s: out of memory", path);
    for (size_t i = 0; !rc && i < d->t; i++) {
        /* The plot takes each token with its leading space, as shap's tokenizers give it. */
        const char *w = shapc_cli_jv_str(&d->tokens->items[i]);
        int sp = d->space->items[i].num != 0;
        size_t len = strlen(w) + 2;
        if (!(toks[i] = malloc(len))) {
            rc = shapc_cli_fail("%s: out of memory", path);
            break;
        }
        snprintf(toks[i], len, "%s%s", sp ? " " : "", w);
        phi[i] = shapc_cli_text_value(d->phi, i, col);
    }
    if (!rc) {
        if (!o) {
            snprintf(title, sizeof title, "document %zu: %s", d->row,
                     shapc_cli_text_output_name(t, d->classes->items[col].num, tmp, sizeof tmp));
            po.title = title;
        }
        if (shapc_plot_text(path, &po, (const char *const *)toks, phi, d->t,
                            d->base->items[col].num, d->fx->items[col].num, &err) != SHAPC_OK)
            rc = shapc_cli_fail("%s", err.message); /* names the file */
    }
    for (size_t i = 0; toks && i < d->t; i++)
        free(toks[i]);
    free(toks);
    free(phi);
    return rc;
}

/* vocab_importance.png: mean |phi| per word of the first column, top 20, titled as by
 * explain. */
static int draw_vocab_plot(const char *path, const shapc_cli_text_results *t)
{
    const shapc_cli_jv *v = t->vocab;
    shapc_plot_options po = shapc_plot_options_default();
    shapc_error err = {0};
    char title[256], tmp[32];
    const char **names = malloc(v->n * sizeof *names);
    double *imp = malloc(v->n * sizeof *imp);
    int rc = 0;
    if (!names || !imp) {
        rc = shapc_cli_fail("%s: out of memory", path);
    } else {
        for (size_t i = 0; i < v->n; i++) {
            names[i] = shapc_cli_jv_str(shapc_cli_jv_get(&v->items[i], "word"));
            imp[i] = shapc_cli_jv_at(shapc_cli_jv_get(&v->items[i], "mean_abs_phi"), 0)->num;
        }
        snprintf(title, sizeof title, "mean |SHAP value| per word (%s)",
                 shapc_cli_text_column_name(t, 0, tmp, sizeof tmp));
        po.title = title;
        po.xlabel = "mean |SHAP value| over occurrences";
        po.max_display = VOCAB_PLOT_WORDS;
        if (shapc_plot_bar(path, &po, imp, v->n, names, &err) != SHAPC_OK)
            rc = shapc_cli_fail("%s", err.message); /* names the file */
    }
    free(names);
    free(imp);
    return rc;
}

/* Draws the plots the report embeds that are not in dir yet: text_<row>.png for the first
 * `shown` documents that have tokens, and vocab_importance.png when there are words. */
int shapc_cli_text_results_draw_missing(const char *dir, const shapc_cli_text_results *t,
                                        size_t shown)
{
    char path[4096];
    for (size_t i = 0; i < shown; i++) {
        const shapc_cli_text_doc *d = &t->docs[i];
        snprintf(path, sizeof path, "%s/text_%zu.png", dir, d->row);
        if (d->t > 0 && !file_exists(path) && shapc_cli_text_plot(path, t, d, 0, NULL))
            return 1;
    }
    snprintf(path, sizeof path, "%s/vocab_importance.png", dir);
    if (t->vocab && t->vocab->n > 0 && !file_exists(path) && draw_vocab_plot(path, t))
        return 1;
    return 0;
}

