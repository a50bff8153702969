/* read.c - a results directory back into a shapc_results (include/shapc/results.h), for
 * `shapc plot` and `shapc report`. Every shape is checked against the others before anything
 * is copied, so a truncated or hand-edited file is one error naming it, never a crash or a
 * plot drawn from half the data.
 *
 * Tabular and image runs: the .npy arrays, with names, rows and per-row details from
 * summary.json (optional: defaults without it). Text runs ("kind": "text"): the documents come
 * from text_values.json (required, as directories of earlier versions have nothing else),
 * the token ids from inputs.npy when it is there. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "results/results_impl.h"
#include "util/alloc.h"
#include "util/json.h"

static int exists(const char *dir, const char *name)
{
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &sb) == 0;
}

/* Reads and parses dir/name into *out. A parse error at the very end means the file was cut
 * short (a copy or a full disk), which is worth saying in words. */
static shapc_status load_json(const char *dir, const char *name, shapc__jv **out,
                              shapc_error *err)
{
    char path[4096], why[256] = "malformed JSON";
    char *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *out = NULL;
    shapc_status st = shapc_file_read(path, (size_t)1 << 30, &text, &len, err);
    if (st != SHAPC_OK)
        return st;
    *out = shapc__json_parse(text, len, why, sizeof why);
    shapc__free(text);
    if (!*out) {
        size_t at = 0;
        const int cut = sscanf(why, "byte %zu", &at) == 1 && at >= len;
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: %s%s", path, cut ? "truncated: " : "",
                               why);
    }
    return SHAPC_OK;
}

/* Reads dir/name as dtype (converted); optional files that do not exist give NULL. */
static shapc_status load_npy(const char *dir, const char *name, shapc_dtype dt, int optional,
                             shapc_array **out, shapc_error *err)
{
    char path[4096];
    shapc_array *a = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *out = NULL;
    if (optional && !exists(dir, name))
        return SHAPC_OK;
    shapc_status st = shapc_npy_read(path, &a, err);
    if (st != SHAPC_OK)
        return st;
    if (shapc_array_dtype(a) == dt) {
        *out = a;
        return SHAPC_OK;
    }
    st = shapc_array_convert(a, dt, out, err);
    shapc_array_free(a);
    if (st != SHAPC_OK)
        shapc_error_prefix(err, path);
    return st;
}

/* ============================================================================================
 * summary.json: names, settings, timings and per-row details
 * ========================================================================================== */

/* A whole number in [0, 2^53) (row, class, count). */
static int is_whole(const shapc__jv *v)
{
    return v && v->type == SHAPC__JNUM && v->num >= 0 && v->num < 9007199254740992.0 &&
           v->num == floor(v->num);
}

static shapc_status read_setting(shapc_results *r, const char *key, const shapc__jv *v,
                                 shapc_error *err)
{
    shapc_setting s = {key, SHAPC_SETTING_NULL, NULL, 0, 0.0, {0, 0}};
    if (v->type == SHAPC__JSTR) {
        s.type = SHAPC_SETTING_STRING;
        s.text = v->str;
    } else if (v->type == SHAPC__JNUM && v->is_uint) {
        s.type = SHAPC_SETTING_UINT;
        s.uint = v->u;
    } else if (v->type == SHAPC__JNUM || v->type == SHAPC__JBOOL) {
        s.type = SHAPC_SETTING_NUMBER;
        s.number = v->num;
    } else if (v->type == SHAPC__JARR && v->n == 2 && v->items[0].is_uint &&
               v->items[1].is_uint) {
        s.type = SHAPC_SETTING_RANGE;
        s.range[0] = v->items[0].u;
        s.range[1] = v->items[1].u;
    }
    return shapc_results_add_setting(r, &s, err);
}

static shapc_status read_settings(shapc_results *r, const shapc__jv *settings, shapc_error *err)
{
    shapc_status st = SHAPC_OK;
    for (size_t i = 0; settings && settings->type == SHAPC__JOBJ && i < settings->n; i++) {
        const shapc__jv *v = &settings->items[i];
        if (v->type != SHAPC__JOBJ) {
            st = read_setting(r, settings->keys[i], v, err);
        } else {
            for (size_t t = 0; t < v->n && st == SHAPC_OK; t++) {
                char key[256];
                snprintf(key, sizeof key, "%s.%s", settings->keys[i], v->keys[t]);
                st = read_setting(r, key, &v->items[t], err);
            }
        }
        if (st != SHAPC_OK)
            return st;
    }
    return st;
}

/* Everything of summary.json besides the arrays. */
static shapc_status read_summary(shapc_results *r, const shapc__jv *sum, shapc_error *err)
{
    const shapc__jv *model = shapc__jv_get(sum, "model"), *v;
    shapc_status st = SHAPC_OK;
    if (!sum)
        return SHAPC_OK;
    if (shapc__jv_str(shapc__jv_get(sum, "shapc_version")))
        st = shapc__results_dup(&r->version, shapc__jv_str(shapc__jv_get(sum, "shapc_version")),
                                err);
    if (st == SHAPC_OK)
        st = shapc__results_dup(&r->model_path, shapc__jv_str(shapc__jv_get(model, "path")),
                                err);
    if (st == SHAPC_OK)
        st = shapc__results_dup(&r->model_description,
                                shapc__jv_str(shapc__jv_get(model, "description")), err);
    if (st == SHAPC_OK)
        st = shapc__results_dup(&r->input_path, shapc__jv_str(shapc__jv_get(sum, "input")), err);
    if (st == SHAPC_OK)
        st = shapc__results_dup(&r->unknown_word,
                                shapc__jv_str(shapc__jv_get(model, "unknown_word")), err);
    v = shapc__jv_get(model, "output_names");
    for (size_t c = 0; st == SHAPC_OK && c < r->layout.n_outputs; c++)
        if (shapc__jv_str(shapc__jv_at(v, c)))
            st = shapc__results_dup(&r->outputs[c], shapc__jv_str(shapc__jv_at(v, c)), err);
    v = shapc__jv_get(sum, "players");
    for (size_t g = 0; st == SHAPC_OK && r->players && g < r->layout.n_players; g++)
        if (shapc__jv_str(shapc__jv_at(v, g)))
            st = shapc__results_dup(&r->players[g], shapc__jv_str(shapc__jv_at(v, g)), err);
    v = shapc__jv_get(sum, "argv");
    if (st == SHAPC_OK && v && v->type == SHAPC__JARR && v->n > 0 && v->n < 1u << 20) {
        const char **av = shapc__calloc(v->n, sizeof *av);
        if (!av)
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        for (size_t i = 0; i < v->n; i++)
            av[i] = shapc__jv_str(&v->items[i]) ? shapc__jv_str(&v->items[i]) : "";
        st = shapc_results_set_source(r, r->input_path, (int)v->n, av, err);
        shapc__free((void *)av);
    }
    if (st == SHAPC_OK)
        st = read_settings(r, shapc__jv_get(sum, "settings"), err);
    if (st != SHAPC_OK)
        return st;
    v = shapc__jv_get(model, "input_shape");
    if (v && v->type == SHAPC__JARR && v->n >= 1 && v->n <= SHAPC_MAX_RANK) {
        size_t prod = 1;
        for (size_t j = 0; j < v->n; j++) {
            const double e = shapc__jv_num(&v->items[j], 0);
            r->input_shape[j] = e >= 1 && e < 1e9 ? (size_t)e : 0;
            prod *= r->input_shape[j];
        }
        r->meta.input_rank = prod == r->layout.n_features && prod > 0 ? v->n : 0;
    }
    r->meta.vocab_size = (size_t)shapc__jv_num(shapc__jv_get(model, "vocab_size"), 0);
    const shapc__jv *t = shapc__jv_get(sum, "timings");
    r->meta.total_s = shapc__jv_num(shapc__jv_get(t, "total_s"), 0);
    r->meta.explain_s = shapc__jv_num(shapc__jv_get(t, "explain_s"), 0);
    v = shapc__jv_get(sum, "instances");
    shapc_results_data *D = &r->data;
    for (size_t i = 0; v && i < r->layout.n_rows && i < v->n; i++) {
        const shapc__jv *e = &v->items[i];
        shapc_kernel_info *in = &D->info[i];
        if (is_whole(shapc__jv_get(e, "row")))
            D->rows[i] = (size_t)shapc__jv_get(e, "row")->num;
        shapc__results_estimator_parse(shapc__jv_str(shapc__jv_get(e, "estimator")),
                                       &in->sampler);
        in->exact = shapc__jv_num(shapc__jv_get(e, "exact"), 0) != 0;
        in->n_players = (size_t)shapc__jv_num(shapc__jv_get(e, "n_players"), 0);
        in->n_evals = (size_t)shapc__jv_num(shapc__jv_get(e, "n_evals"), 0);
        in->n_coalitions = (size_t)shapc__jv_num(shapc__jv_get(e, "n_samples"), 0);
    }
    shapc__results_refresh_meta(r);
    return SHAPC_OK;
}

/* ============================================================================================
 * Tabular and image results
 * ========================================================================================== */

static shapc_status read_table(const char *dir, const shapc__jv *sum, shapc_results **out,
                               shapc_error *err)
{
    shapc_array *phi = NULL, *se = NULL, *base = NULL, *pred = NULL, *cls = NULL;
    shapc_array *inp = NULL, *grp = NULL;
    shapc_results *r = NULL;
    shapc_status st;
    if ((st = load_npy(dir, "shap_values.npy", SHAPC_F32, 0, &phi, err)) != SHAPC_OK ||
        (st = load_npy(dir, "stderr.npy", SHAPC_F32, 1, &se, err)) != SHAPC_OK ||
        (st = load_npy(dir, "base_values.npy", SHAPC_F32, 0, &base, err)) != SHAPC_OK ||
        (st = load_npy(dir, "predictions.npy", SHAPC_F32, 0, &pred, err)) != SHAPC_OK ||
        (st = load_npy(dir, "classes.npy", SHAPC_I32, 0, &cls, err)) != SHAPC_OK ||
        (st = load_npy(dir, "inputs.npy", SHAPC_F32, 1, &inp, err)) != SHAPC_OK ||
        (st = load_npy(dir, "groups.npy", SHAPC_I32, 1, &grp, err)) != SHAPC_OK)
        goto done;
    st = SHAPC_EFORMAT;
    if (shapc_array_rank(phi) != 3 || shapc_array_rank(base) != 2 ||
        shapc_array_rank(pred) != 2 || shapc_array_rank(cls) != 2) {
        shapc_error_set(err, st, "%s: shap_values/base_values/predictions/classes have the "
                        "wrong rank", dir);
        goto done;
    }
    shapc_results_layout l = shapc_results_layout_default();
    l.n_rows = shapc_array_dim(phi, 0);
    l.n_players = shapc_array_dim(phi, 1);
    l.n_columns = shapc_array_dim(phi, 2);
    l.n_outputs = shapc_array_dim(pred, 1);
    const size_t n = l.n_rows, M = l.n_players, K = l.n_columns;
    if (n == 0 || M == 0 || K == 0 || shapc_array_dim(base, 0) != n ||
        shapc_array_dim(base, 1) != K || shapc_array_dim(pred, 0) != n ||
        shapc_array_dim(cls, 0) != n || shapc_array_dim(cls, 1) != K || l.n_outputs == 0 ||
        (se && shapc_array_size(se) != shapc_array_size(phi))) {
        shapc_error_set(err, st, "%s: result arrays disagree on (n, M, K)", dir);
        goto done;
    }
    if (inp && (shapc_array_rank(inp) != 2 || shapc_array_dim(inp, 0) != n ||
                shapc_array_dim(inp, 1) == 0)) {
        shapc_error_set(err, st, "%s/inputs.npy: expected (%zu, d)", dir, n);
        goto done;
    }
    l.n_features = inp ? shapc_array_dim(inp, 1) : M;
    if (!inp && grp)
        l.n_features = shapc_array_dim(grp, shapc_array_rank(grp) == 2 ? 1 : 0);
    const size_t d = l.n_features;
    /* (d): one grouping for all rows; (n, d): per-row groups (superpixels). */
    if (grp && shapc_array_rank(grp) == 2 && shapc_array_dim(grp, 0) == n &&
        shapc_array_dim(grp, 1) == d)
        l.groups_per_row = 1;
    else if (grp && shapc_array_size(grp) != d) {
        shapc_error_set(err, st, "%s/groups.npy: expected %zu entries or (%zu, %zu)", dir, d, n,
                        d);
        goto done;
    }
    if ((st = shapc_results_create(&l, &r, err)) != SHAPC_OK)
        goto done;
    shapc_results_data *D = &r->data;
    memcpy(D->phi, shapc_array_cdata(phi), shapc_array_size(phi) * sizeof *D->phi);
    if (se)
        memcpy(D->se, shapc_array_cdata(se), shapc_array_size(se) * sizeof *D->se);
    memcpy(D->base, shapc_array_cdata(base), n * K * sizeof *D->base);
    memcpy(D->pred, shapc_array_cdata(pred), n * l.n_outputs * sizeof *D->pred);
    memcpy(D->classes, shapc_array_cdata(cls), n * K * sizeof *D->classes);
    if (inp)
        memcpy(D->inputs, shapc_array_cdata(inp), n * d * sizeof *D->inputs);
    if (grp)
        memcpy(D->groups, shapc_array_cdata(grp), shapc_array_size(grp) * sizeof *D->groups);
    st = SHAPC_EFORMAT;
    for (size_t i = 0; i < n * K; i++)
        if (D->classes[i] < 0 || (size_t)D->classes[i] >= l.n_outputs) {
            shapc_error_set(err, st, "%s/classes.npy: class %d out of range", dir,
                            (int)D->classes[i]);
            goto done;
        }
    for (size_t j = 0; grp && j < shapc_array_size(grp); j++)
        if (D->groups[j] < 0 || (size_t)D->groups[j] >= M) {
            shapc_error_set(err, st, "%s/groups.npy: player %d out of range", dir,
                            (int)D->groups[j]);
            goto done;
        }
    for (size_t i = 0; i < n; i++) {
        /* link(f(x)) of each column, from efficiency: base + the sum of the values */
        for (size_t c = 0; c < K; c++) {
            double s = (double)D->base[i * K + c];
            for (size_t g = 0; g < M; g++)
                s += (double)D->phi[(i * M + g) * K + c];
            D->fx[i * K + c] = s;
        }
        size_t used = M;
        if (l.groups_per_row) {
            used = 0;
            for (size_t f = 0; f < d; f++)
                used = (size_t)D->groups[i * d + f] + 1 > used ? (size_t)D->groups[i * d + f] + 1
                                                                 : used;
        }
        D->row_players[i] = used;
    }
    st = read_summary(r, sum, err);
    /* fx written in summary.json is exact; prefer it to the sum above. */
    const shapc__jv *inst = shapc__jv_get(sum, "instances");
    for (size_t i = 0; st == SHAPC_OK && inst && i < n && i < inst->n; i++) {
        const shapc__jv *fx = shapc__jv_get(&inst->items[i], "fx");
        for (size_t c = 0; fx && fx->type == SHAPC__JARR && fx->n == K && c < K; c++)
            if (fx->items[c].type == SHAPC__JNUM)
                D->fx[i * K + c] = fx->items[c].num;
    }
done:
    shapc_array_free(phi);
    shapc_array_free(se);
    shapc_array_free(base);
    shapc_array_free(pred);
    shapc_array_free(cls);
    shapc_array_free(inp);
    shapc_array_free(grp);
    if (st != SHAPC_OK) {
        shapc_results_free(r);
        return st;
    }
    *out = r;
    return SHAPC_OK;
}

/* ============================================================================================
 * Text results: text_values.json
 * ========================================================================================== */

/* v is an array of n numbers; with nulls, null is accepted too (an infinite standard error is
 * written as null). */
static int is_numbers(const shapc__jv *v, size_t n, int nulls)
{
    if (!v || v->type != SHAPC__JARR || v->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v->items[i].type != SHAPC__JNUM && !(nulls && v->items[i].type == SHAPC__JNULL))
            return 0;
    return 1;
}

/* v is an array of n arrays of k numbers (per token, per column). */
static int is_matrix(const shapc__jv *v, size_t n, size_t k, int nulls)
{
    if (!v || v->type != SHAPC__JARR || v->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_numbers(&v->items[i], k, nulls))
            return 0;
    return 1;
}

static int is_array_of(const shapc__jv *v, size_t n, shapc__jtype ty)
{
    if (!v || v->type != SHAPC__JARR || v->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v->items[i].type != ty)
            return 0;
    return 1;
}

/* Checks entry i of text_values.json; *k is the first entry's column count, which every
 * other entry must share. */
static shapc_status check_doc(const char *path, size_t i, const shapc__jv *e, size_t *k,
                              shapc_error *err)
{
    char why[160];
    const shapc__jv *row = shapc__jv_get(e, "row"), *tokens = shapc__jv_get(e, "tokens");
    const shapc__jv *classes = shapc__jv_get(e, "classes");
    if (!e || e->type != SHAPC__JOBJ)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: entry %zu is not an object", path, i);
    if (!is_whole(row))
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: entry %zu: \"row\" is not a row number",
                               path, i);
    const size_t r = (size_t)row->num;
    if (!tokens || tokens->type != SHAPC__JARR)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: row %zu: \"tokens\" is not an array",
                               path, r);
    const size_t t = tokens->n;
    if (!classes || classes->type != SHAPC__JARR || classes->n == 0)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: row %zu: \"classes\" is not a "
                               "non-empty array", path, r);
    if (*k && classes->n != *k)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: row %zu: %zu explained outputs, the "
                               "first document has %zu", path, r, classes->n, *k);
    *k = classes->n;
    const shapc__jv *vocab = shapc__jv_get(e, "in_vocab");
    why[0] = 0;
    if (!is_array_of(tokens, t, SHAPC__JSTR))
        snprintf(why, sizeof why, "\"tokens\" holds a non-string");
    else if (!is_array_of(shapc__jv_get(e, "space_before"), t, SHAPC__JBOOL))
        snprintf(why, sizeof why, "\"space_before\" is not %zu booleans", t);
    else if (vocab && !is_array_of(vocab, t, SHAPC__JBOOL))
        snprintf(why, sizeof why, "\"in_vocab\" is not %zu booleans", t);
    else if (shapc__jv_get(e, "display") && !is_array_of(shapc__jv_get(e, "display"), t,
                                                          SHAPC__JSTR))
        snprintf(why, sizeof why, "\"display\" is not %zu strings", t);
    else if (!is_numbers(classes, *k, 0))
        snprintf(why, sizeof why, "\"classes\" holds a non-number");
    else if (!is_numbers(shapc__jv_get(e, "base"), *k, 0) ||
             !is_numbers(shapc__jv_get(e, "fx"), *k, 0))
        snprintf(why, sizeof why, "\"base\" and \"fx\" must be %zu numbers", *k);
    else if (!is_matrix(shapc__jv_get(e, "phi"), t, *k, 0))
        snprintf(why, sizeof why, "\"phi\" is not %zu arrays (one per token) of %zu numbers", t,
                 *k);
    else if (!is_matrix(shapc__jv_get(e, "se"), t, *k, 1))
        snprintf(why, sizeof why, "\"se\" is not %zu arrays (one per token) of %zu numbers", t,
                 *k);
    for (size_t c = 0; !why[0] && c < *k; c++)
        if (!is_whole(&classes->items[c]))
            snprintf(why, sizeof why, "\"classes\" holds %g, not an output index",
                     classes->items[c].num);
    if (why[0])
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: row %zu: %s", path, r, why);
    return SHAPC_OK;
}

/* Document i from its checked entry e; ids from inputs.npy (or, from a directory without it,
 * one id per distinct word). */
static shapc_status fill_doc(shapc_results *r, size_t i, const shapc__jv *e, const float *ids,
                             shapc_error *err)
{
    shapc_results_data *D = &r->data;
    const size_t M = r->layout.n_players, K = r->layout.n_columns;
    const shapc__jv *tokens = shapc__jv_get(e, "tokens"), *sp = shapc__jv_get(e, "space_before");
    const shapc__jv *vocab = shapc__jv_get(e, "in_vocab");
    const size_t t_n = tokens->n;
    shapc_token *tok = shapc__calloc(t_n ? t_n : 1, sizeof *tok);
    size_t *id = shapc__calloc(t_n ? t_n : 1, sizeof *id);
    int *known = shapc__calloc(t_n ? t_n : 1, sizeof *known);
    shapc_status st = SHAPC_OK;
    if (!tok || !id || !known)
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    for (size_t t = 0; st == SHAPC_OK && t < t_n; t++) {
        tok[t].text = tokens->items[t].str;
        tok[t].space_before = sp->items[t].num != 0;
        known[t] = !vocab || vocab->items[t].num != 0;
        if (ids && ids[i * M + t] >= 0.0f) {
            id[t] = (size_t)ids[i * M + t];
        } else {
            /* the first earlier token with the same word shares its id */
            id[t] = SIZE_MAX - t - i * M;
            for (size_t p = 0; p < t; p++)
                if (strcmp(tok[p].text, tok[t].text) == 0)
                    id[t] = id[p];
        }
    }
    if (st == SHAPC_OK)
        st = shapc_results_set_tokens(r, i, tok, id, known, t_n, err);
    const shapc__jv *display = shapc__jv_get(e, "display");
    if (display && st == SHAPC_OK) {
        const char **shown = shapc__calloc(t_n ? t_n : 1, sizeof *shown);
        for (size_t t = 0; shown && t < t_n; t++)
            shown[t] = display->items[t].str;
        st = shown ? shapc_results_set_token_display(r, i, shown, t_n, err)
                   : shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        shapc__free(shown);
    }
    shapc__free(tok);
    shapc__free(id);
    shapc__free(known);
    if (st != SHAPC_OK)
        return st;
    D->rows[i] = (size_t)shapc__jv_get(e, "row")->num;
    const shapc__jv *phi = shapc__jv_get(e, "phi"), *se = shapc__jv_get(e, "se");
    for (size_t c = 0; c < K; c++) {
        D->classes[i * K + c] = (int32_t)shapc__jv_get(e, "classes")->items[c].num;
        D->base[i * K + c] = (float)shapc__jv_get(e, "base")->items[c].num;
        D->fx[i * K + c] = shapc__jv_get(e, "fx")->items[c].num;
        for (size_t t = 0; t < t_n; t++) {
            const shapc__jv *s = &se->items[t].items[c];
            D->phi[(i * M + t) * K + c] = (float)phi->items[t].items[c].num;
            D->se[(i * M + t) * K + c] = s->type == SHAPC__JNULL ? INFINITY : (float)s->num;
        }
    }
    D->info[i].exact = shapc__jv_num(shapc__jv_get(e, "exact"), 0) != 0;
    D->info[i].n_evals = (size_t)shapc__jv_num(shapc__jv_get(e, "n_evals"), 0);
    D->info[i].n_players = t_n;
    return SHAPC_OK;
}

static shapc_status read_text(const char *dir, const shapc__jv *sum, shapc_results **out,
                              shapc_error *err)
{
    char path[4096];
    shapc__jv *values = NULL;
    shapc_results *r = NULL;
    shapc_array *ids = NULL, *pred = NULL;
    size_t K = 0, M = 1, max_class = 0;
    snprintf(path, sizeof path, "%s/text_values.json", dir);
    shapc_status st = load_json(dir, "text_values.json", &values, err);
    if (st != SHAPC_OK)
        goto done;
    st = SHAPC_EFORMAT;
    if (values->type != SHAPC__JARR) {
        shapc_error_set(err, st, "%s: not an array of documents", path);
        goto done;
    }
    if (values->n == 0) {
        shapc_error_set(err, st, "%s: no documents", path);
        goto done;
    }
    for (size_t i = 0; i < values->n; i++) {
        if ((st = check_doc(path, i, &values->items[i], &K, err)) != SHAPC_OK)
            goto done;
        const shapc__jv *e = &values->items[i], *cls = shapc__jv_get(e, "classes");
        const size_t t = shapc__jv_get(e, "tokens")->n;
        M = t > M ? t : M;
        for (size_t c = 0; c < K; c++)
            max_class = (size_t)cls->items[c].num > max_class ? (size_t)cls->items[c].num
                                                               : max_class;
    }
    const shapc__jv *names = shapc__jv_get(shapc__jv_get(sum, "model"), "output_names");
    shapc_results_layout l = shapc_results_layout_default();
    l.n_rows = values->n;
    l.n_players = l.n_features = M;
    l.n_columns = K;
    l.n_outputs = names && names->type == SHAPC__JARR && names->n > max_class ? names->n
                                                                             : max_class + 1;
    l.documents = 1;
    if ((st = shapc_results_create(&l, &r, err)) != SHAPC_OK ||
        (st = load_npy(dir, "inputs.npy", SHAPC_F32, 1, &ids, err)) != SHAPC_OK ||
        (st = load_npy(dir, "predictions.npy", SHAPC_F32, 1, &pred, err)) != SHAPC_OK)
        goto done;
    /* The arrays of a newer run must describe the same documents; else they are ignored. */
    if (ids && (shapc_array_rank(ids) != 2 || shapc_array_dim(ids, 0) != l.n_rows ||
                shapc_array_dim(ids, 1) != M)) {
        shapc_array_free(ids);
        ids = NULL;
    }
    if (pred && shapc_array_size(pred) == l.n_rows * l.n_outputs)
        memcpy(r->data.pred, shapc_array_cdata(pred), l.n_rows * l.n_outputs * sizeof(float));
    for (size_t i = 0; i < l.n_rows && st == SHAPC_OK; i++)
        st = fill_doc(r, i, &values->items[i], ids ? shapc_array_cdata(ids) : NULL, err);
    if (st == SHAPC_OK)
        st = read_summary(r, sum, err);
    for (size_t i = 0; st == SHAPC_OK && i < l.n_rows; i++)
        r->data.info[i].n_players = r->data.row_players[i];
done:
    shapc__jv_free(values);
    shapc_array_free(ids);
    shapc_array_free(pred);
    if (st != SHAPC_OK) {
        shapc_results_free(r);
        return st;
    }
    *out = r;
    return SHAPC_OK;
}

shapc_status shapc_results_read_dir(const char *dir, shapc_results **out, shapc_error *err)
{
    shapc__jv *sum = NULL;
    shapc_error sum_err = {0};
    *out = NULL;
    if (!dir)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_results_read_dir: dir is NULL");
    const shapc_status sum_st = load_json(dir, "summary.json", &sum, &sum_err);
    const char *kind = shapc__jv_str(shapc__jv_get(sum, "kind"));
    /* A text run says so; a directory whose summary cannot be read is one if it has the
     * documents and no arrays (an earlier version's text run). */
    const int text = sum ? kind && strcmp(kind, "text") == 0
                         : exists(dir, "text_values.json") && !exists(dir, "shap_values.npy");
    shapc_status st;
    if (text && sum_st != SHAPC_OK) {
        st = sum_st;
        if (err)
            *err = sum_err;
    } else if (text) {
        st = read_text(dir, sum, out, err);
    } else {
        /* the arrays first (their errors come first); then a summary that exists but cannot
         * be read is an error, while a missing one leaves the default names */
        st = read_table(dir, sum, out, err);
        if (st == SHAPC_OK && sum_st != SHAPC_OK && exists(dir, "summary.json")) {
            st = sum_st;
            if (err)
                *err = sum_err;
        }
    }
    if (st != SHAPC_OK && *out) {
        shapc_results_free(*out);
        *out = NULL;
    }
    shapc__jv_free(sum);
    return st;
}
