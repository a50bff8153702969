/* write.c - a results directory from a shapc_results (include/shapc/results.h; the file
 * contract is docs/cli.md, "Output files", and docs/text.md). Arrays go to .npy, names and
 * the per-row summary to summary.json, a text run's tokens to text_values.json and its word
 * importances to vocab_importance.json - all atomically, summary.json last, so its presence
 * marks a complete set. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results/results_impl.h"
#include "util/alloc.h"
#include "util/json.h"

#define TOP_PER_COLUMN 5

/* ============================================================================================
 * summary.json
 * ========================================================================================== */

static void json_strings(shapc__json *j, const char *const *v, size_t n)
{
    shapc__json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        shapc__json_string(j, v[i]);
    shapc__json_end_array(j);
}

static void json_setting_value(shapc__json *j, const shapc_setting *s)
{
    switch (s->type) {
    case SHAPC_SETTING_STRING:
        shapc__json_string(j, s->text);
        break;
    case SHAPC_SETTING_UINT:
        shapc__json_uint(j, (unsigned long long)s->uint);
        break;
    case SHAPC_SETTING_NUMBER:
        shapc__json_number_exact(j, s->number);
        break;
    case SHAPC_SETTING_RANGE:
        shapc__json_begin_array(j);
        shapc__json_uint(j, (unsigned long long)s->range[0]);
        shapc__json_uint(j, (unsigned long long)s->range[1]);
        shapc__json_end_array(j);
        break;
    default:
        shapc__json_null(j);
        break;
    }
}

/* "settings": consecutive keys "group.name" form the object "group". */
static void json_settings(shapc__json *j, const shapc_results *r)
{
    shapc__json_key(j, "settings");
    shapc__json_begin_object(j);
    for (size_t i = 0; i < r->n_settings;) {
        const shapc_setting *s = &r->settings[i].view;
        const char *dot = strchr(s->key, '.');
        if (!dot) {
            shapc__json_key(j, s->key);
            json_setting_value(j, s);
            i++;
            continue;
        }
        const size_t glen = (size_t)(dot - s->key) + 1;
        char group[128];
        snprintf(group, sizeof group, "%.*s", (int)(glen - 1), s->key);
        shapc__json_key(j, group);
        shapc__json_begin_object(j);
        for (; i < r->n_settings && strncmp(r->settings[i].key, s->key, glen) == 0; i++) {
            shapc__json_key(j, r->settings[i].key + glen);
            json_setting_value(j, &r->settings[i].view);
        }
        shapc__json_end_object(j);
    }
    shapc__json_end_object(j);
}

/* One row's entry of "instances". */
static void json_instance(shapc__json *j, const shapc_results *r, size_t i)
{
    const shapc_results_data *D = &r->data;
    const size_t K = r->layout.n_columns;
    const shapc_kernel_info *info = &D->info[i];
    shapc__json_begin_object(j);
    shapc__json_key(j, "row");
    shapc__json_int(j, (long long)D->rows[i]);
    shapc__json_key(j, "estimator");
    shapc__json_string(j, shapc__results_estimator_name(info->sampler));
    shapc__json_key(j, "exact");
    shapc__json_bool(j, info->exact);
    shapc__json_key(j, "n_players");
    shapc__json_int(j, (long long)info->n_players);
    shapc__json_key(j, "n_evals");
    shapc__json_int(j, (long long)info->n_evals);
    shapc__json_key(j, "n_samples");
    shapc__json_int(j, (long long)info->n_coalitions);
    double worst = 0.0;
    shapc__json_key(j, "rel_se");
    shapc__json_begin_array(j);
    for (size_t c = 0; c < K; c++) {
        const double q = shapc_results_rel_se(r, i, c);
        worst = q > worst ? q : worst;
        shapc__json_number(j, q); /* infinite: null */
    }
    shapc__json_end_array(j);
    shapc__json_key(j, "rel_se_max");
    shapc__json_number(j, worst);
    shapc__json_key(j, "fx");
    shapc__json_begin_array(j);
    for (size_t c = 0; c < K; c++)
        shapc__json_number_exact(j, D->fx[i * K + c]);
    shapc__json_end_array(j);
    shapc__json_key(j, "top");
    shapc__json_begin_array(j);
    for (size_t c = 0; c < K; c++) {
        size_t best[TOP_PER_COLUMN];
        const size_t nb = shapc_results_top(r, i, c, best, TOP_PER_COLUMN);
        for (size_t t = 0; t < nb; t++) {
            shapc__json_begin_object(j);
            shapc__json_key(j, "player");
            shapc__json_int(j, (long long)best[t]);
            shapc__json_key(j, "name");
            shapc__json_string(j, shapc_results_player_name(r, i, best[t]));
            shapc__json_key(j, "class");
            shapc__json_int(j, D->classes[i * K + c]);
            shapc__json_key(j, "value");
            shapc__json_number(j, (double)D->phi[(i * r->layout.n_players + best[t]) * K + c]);
            shapc__json_end_object(j);
        }
    }
    shapc__json_end_array(j);
    shapc__json_end_object(j);
}

static void build_summary(shapc__json *j, const shapc_results *r)
{
    const shapc_results_meta *m = &r->meta;
    const size_t n = r->layout.n_rows;
    shapc__json_begin_object(j);
    shapc__json_key(j, "shapc_version");
    shapc__json_string(j, r->version);
    shapc__json_key(j, "command");
    shapc__json_string(j, "explain");
    if (r->layout.documents) {
        shapc__json_key(j, "kind");
        shapc__json_string(j, "text");
    }
    shapc__json_key(j, "argv");
    json_strings(j, m->argv, (size_t)m->argc);
    shapc__json_key(j, "model");
    shapc__json_begin_object(j);
    shapc__json_key(j, "path");
    shapc__json_string(j, r->model_path);
    shapc__json_key(j, "description");
    shapc__json_string(j, r->model_description);
    if (r->layout.documents) {
        shapc__json_key(j, "vocab_size");
        shapc__json_int(j, (long long)m->vocab_size);
        shapc__json_key(j, "unknown_word");
        shapc__json_string(j, r->unknown_word);
    } else {
        shapc__json_key(j, "input_shape");
        shapc__json_begin_array(j);
        for (size_t i = 0; i < m->input_rank; i++)
            shapc__json_int(j, (long long)r->input_shape[i]);
        shapc__json_end_array(j);
    }
    shapc__json_key(j, "output_names");
    json_strings(j, (const char *const *)r->outputs, r->layout.n_outputs);
    shapc__json_end_object(j);
    shapc__json_key(j, "input");
    shapc__json_string(j, r->input_path);
    json_settings(j, r);
    if (!r->layout.documents) {
        shapc__json_key(j, "players");
        json_strings(j, (const char *const *)r->players, r->layout.n_players);
    }
    shapc__json_key(j, "instances");
    shapc__json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        json_instance(j, r, i);
    shapc__json_end_array(j);
    shapc__json_key(j, "timings");
    shapc__json_begin_object(j);
    shapc__json_key(j, "total_s");
    shapc__json_number(j, m->total_s);
    shapc__json_key(j, "explain_s");
    shapc__json_number(j, m->explain_s);
    shapc__json_key(j, "per_instance_s");
    shapc__json_number(j, m->explain_s / (double)n);
    shapc__json_end_object(j);
    shapc__json_end_object(j);
}

/* ============================================================================================
 * text_values.json and vocab_importance.json
 * ========================================================================================== */

static void json_floats(shapc__json *j, const float *v, size_t n, size_t stride)
{
    shapc__json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        shapc__json_number(j, (double)v[i * stride]);
    shapc__json_end_array(j);
}

static void build_text_values(shapc__json *j, const shapc_results *r)
{
    const shapc_results_data *D = &r->data;
    const size_t M = r->layout.n_players, K = r->layout.n_columns;
    shapc__json_begin_array(j);
    for (size_t i = 0; i < r->layout.n_rows; i++) {
        const size_t t_n = D->row_players[i];
        const shapc__token *tok = r->tokens[i];
        shapc__json_begin_object(j);
        shapc__json_key(j, "row");
        shapc__json_int(j, (long long)D->rows[i]);
        shapc__json_key(j, "tokens");
        shapc__json_begin_array(j);
        for (size_t t = 0; t < t_n; t++)
            shapc__json_string(j, tok[t].text);
        shapc__json_end_array(j);
        int shown = 0;
        for (size_t t = 0; t < t_n; t++)
            shown |= tok[t].display != NULL;
        if (shown) { /* the document's own spelling, where it differs from the token */
            shapc__json_key(j, "display");
            shapc__json_begin_array(j);
            for (size_t t = 0; t < t_n; t++)
                shapc__json_string(j, tok[t].display ? tok[t].display : tok[t].text);
            shapc__json_end_array(j);
        }
        shapc__json_key(j, "in_vocab");
        shapc__json_begin_array(j);
        for (size_t t = 0; t < t_n; t++)
            shapc__json_bool(j, tok[t].in_vocab);
        shapc__json_end_array(j);
        shapc__json_key(j, "space_before");
        shapc__json_begin_array(j);
        for (size_t t = 0; t < t_n; t++)
            shapc__json_bool(j, tok[t].space_before);
        shapc__json_end_array(j);
        shapc__json_key(j, "classes");
        shapc__json_begin_array(j);
        for (size_t c = 0; c < K; c++)
            shapc__json_int(j, D->classes[i * K + c]);
        shapc__json_end_array(j);
        shapc__json_key(j, "base");
        json_floats(j, D->base + i * K, K, 1);
        shapc__json_key(j, "fx");
        shapc__json_begin_array(j);
        for (size_t c = 0; c < K; c++)
            shapc__json_number_exact(j, D->fx[i * K + c]);
        shapc__json_end_array(j);
        shapc__json_key(j, "phi");
        shapc__json_begin_array(j);
        for (size_t t = 0; t < t_n; t++)
            json_floats(j, D->phi + (i * M + t) * K, K, 1);
        shapc__json_end_array(j);
        shapc__json_key(j, "se");
        shapc__json_begin_array(j);
        for (size_t t = 0; t < t_n; t++)
            json_floats(j, D->se + (i * M + t) * K, K, 1);
        shapc__json_end_array(j);
        shapc__json_key(j, "exact");
        shapc__json_bool(j, D->info[i].exact);
        shapc__json_key(j, "n_evals");
        shapc__json_int(j, (long long)D->info[i].n_evals);
        shapc__json_end_object(j);
    }
    shapc__json_end_array(j);
}

static void json_doubles(shapc__json *j, const double *v, size_t n)
{
    shapc__json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        shapc__json_number(j, v[i]);
    shapc__json_end_array(j);
}

static void build_vocab(shapc__json *j, const shapc_results_word *w, size_t n, size_t K)
{
    shapc__json_begin_array(j);
    for (size_t i = 0; i < n; i++) {
        shapc__json_begin_object(j);
        shapc__json_key(j, "word");
        shapc__json_string(j, w[i].word);
        shapc__json_key(j, "id");
        shapc__json_int(j, (long long)w[i].id);
        shapc__json_key(j, "count");
        shapc__json_int(j, (long long)w[i].count);
        shapc__json_key(j, "mean_abs_phi");
        json_doubles(j, w[i].mean_abs_phi, K);
        shapc__json_key(j, "mean_phi");
        json_doubles(j, w[i].mean_phi, K);
        shapc__json_end_object(j);
    }
    shapc__json_end_array(j);
}

/* ============================================================================================
 * The directory
 * ========================================================================================== */

typedef struct out_file {
    const char *name;
    shapc_dtype dtype;
    size_t rank, shape[3];
    const void *data;   /* NULL: the JSON document below */
    shapc__json *json;
} out_file;

static shapc_status write_one(const char *path, const out_file *f, shapc_error *err)
{
    if (f->json) {
        if (shapc__json_failed(f->json))
            return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
        return shapc_file_write_atomic(path, f->json->buf, f->json->len, err);
    }
    shapc_array *a = NULL;
    shapc_status st = shapc_array_create(f->dtype, f->rank, f->shape, &a, err);
    if (st != SHAPC_OK)
        return st;
    memcpy(shapc_array_data(a), f->data,
           shapc_array_size(a) * shapc_dtype_size(shapc_array_dtype(a)));
    st = shapc_npy_write(path, a, err);
    shapc_array_free(a);
    return st;
}

static char *join(const char *dir, const char *name)
{
    const size_t a = strlen(dir), b = strlen(name);
    const int slash = a > 0 && dir[a - 1] != '/';
    char *p = shapc__malloc(a + (size_t)slash + b + 1);
    if (p) {
        memcpy(p, dir, a);
        if (slash)
            p[a] = '/';
        memcpy(p + a + (size_t)slash, name, b + 1);
    }
    return p;
}

shapc_status shapc_results_write_dir(const shapc_results *r, const char *dir, shapc_error *err)
{
    const shapc_results_layout *l = &r->layout;
    const shapc_results_data *D = &r->data;
    const size_t n = l->n_rows, M = l->n_players, K = l->n_columns, d = l->n_features;
    shapc__json summary, values, vocab;
    shapc__json_init(&summary, 2);
    shapc__json_init(&values, 3);
    shapc__json_init(&vocab, 2);
    shapc_results_word *words = NULL;
    size_t n_words = 0;
    shapc_status st = shapc_dir_create(dir, err);
    if (st == SHAPC_OK && l->documents)
        st = shapc_results_vocabulary(r, &words, &n_words, err);
    if (st != SHAPC_OK)
        return st;
    build_summary(&summary, r);
    if (l->documents) {
        build_text_values(&values, r);
        build_vocab(&vocab, words, n_words, K);
    }
    shapc_results_vocabulary_free(words, n_words);
    out_file files[10] = {
        {"shap_values.npy", SHAPC_F32, 3, {n, M, K}, D->phi, NULL},
        {"stderr.npy", SHAPC_F32, 3, {n, M, K}, D->se, NULL},
        {"base_values.npy", SHAPC_F32, 2, {n, K, 0}, D->base, NULL},
        {"predictions.npy", SHAPC_F32, 2, {n, l->n_outputs, 0}, D->pred, NULL},
        {"classes.npy", SHAPC_I32, 2, {n, K, 0}, D->classes, NULL},
        {"inputs.npy", SHAPC_F32, 2, {n, d, 0}, D->inputs, NULL},
    };
    size_t n_files = 6;
    if (l->documents) {
        files[n_files++] = (out_file){"text_values.json", SHAPC_U8, 0, {0}, NULL, &values};
        files[n_files++] = (out_file){"vocab_importance.json", SHAPC_U8, 0, {0}, NULL, &vocab};
    } else if (l->groups_per_row) {
        files[n_files++] = (out_file){"groups.npy", SHAPC_I32, 2, {n, d, 0}, D->groups, NULL};
    } else {
        files[n_files++] = (out_file){"groups.npy", SHAPC_I32, 1, {d, 0, 0}, D->groups, NULL};
    }
    files[n_files++] = (out_file){"summary.json", SHAPC_U8, 0, {0}, NULL, &summary};
    char *paths[10] = {NULL};
    size_t done = 0;
    for (; done < n_files && st == SHAPC_OK; done++) {
        if (!(paths[done] = join(dir, files[done].name)))
            st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", dir);
        else
            st = write_one(paths[done], &files[done], err);
    }
    /* A failure removes what this call wrote: no mix of two runs is left behind. */
    for (size_t i = 0; st != SHAPC_OK && i < done; i++)
        if (paths[i])
            remove(paths[i]);
    for (size_t i = 0; i < n_files; i++)
        shapc__free(paths[i]);
    shapc__json_free(&summary);
    shapc__json_free(&values);
    shapc__json_free(&vocab);
    return st;
}
