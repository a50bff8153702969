/* results.c - the results object (include/shapc/results.h): its arrays, names and settings,
 * storing an explained row, and the views derived from it (relative standard error, top
 * players, vocabulary importance). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/results_impl.h"
#include "shapc/version.h"
#include "util/alloc.h"

shapc_results_layout shapc_results_layout_default(void)
{
    shapc_results_layout l;
    memset(&l, 0, sizeof l);
    l.size = sizeof l;
    return l;
}

shapc_status shapc__results_dup(char **slot, const char *s, shapc_error *err)
{
    char *copy = NULL;
    if (s && !(copy = shapc__strdup(s)))
        return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
    shapc__free(*slot);
    *slot = copy;
    return SHAPC_OK;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        shapc__free(v[i]);
    shapc__free(v);
}

static void free_tokens(shapc__token *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++) {
        shapc__free(t[i].text);
        shapc__free(t[i].display);
    }
    shapc__free(t);
}

void shapc_results_free(shapc_results *r)
{
    if (!r)
        return;
    shapc_results_data *d = &r->data;
    shapc__free(d->phi);
    shapc__free(d->se);
    shapc__free(d->base);
    shapc__free(d->fx);
    shapc__free(d->pred);
    shapc__free(d->classes);
    shapc__free(d->inputs);
    shapc__free(d->groups);
    shapc__free(d->rows);
    shapc__free(d->info);
    shapc__free(d->seconds);
    if (r->tokens)
        for (size_t i = 0; i < r->layout.n_rows; i++)
            free_tokens(r->tokens[i], d->row_players[i]);
    shapc__free(r->tokens);
    shapc__free(d->row_players);
    shapc__free(r->version);
    shapc__free(r->model_path);
    shapc__free(r->model_description);
    shapc__free(r->input_path);
    shapc__free(r->unknown_word);
    free_strings(r->outputs, r->layout.n_outputs);
    free_strings(r->players, r->layout.n_players);
    free_strings(r->argv, (size_t)r->meta.argc);
    for (size_t i = 0; i < r->n_settings; i++) {
        shapc__free(r->settings[i].key);
        shapc__free(r->settings[i].text);
    }
    shapc__free(r->settings);
    shapc__free(r);
}

/* calloc of a * b elements of size s, overflow-checked. */
static void *alloc_cells(size_t a, size_t b, size_t s)
{
    size_t n;
    return shapc__mul_size(a, b, &n) && n <= SIZE_MAX / s ? shapc__calloc(n ? n : 1, s) : NULL;
}

/* Default names: outputs "0", "1", ...; players "Feature 0", ... */
static shapc_status default_names(shapc_results *r, shapc_error *err)
{
    const shapc_results_layout *l = &r->layout;
    char buf[48];
    r->outputs = shapc__calloc(l->n_outputs, sizeof *r->outputs);
    if (!r->outputs)
        return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
    for (size_t c = 0; c < l->n_outputs; c++) {
        snprintf(buf, sizeof buf, "%zu", c);
        if (!(r->outputs[c] = shapc__strdup(buf)))
            return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
    }
    if (l->documents) {
        r->tokens = shapc__calloc(l->n_rows, sizeof *r->tokens);
        return r->tokens ? SHAPC_OK : shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    }
    r->players = shapc__calloc(l->n_players, sizeof *r->players);
    if (!r->players)
        return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
    for (size_t g = 0; g < l->n_players; g++) {
        snprintf(buf, sizeof buf, "Feature %zu", g);
        if (!(r->players[g] = shapc__strdup(buf)))
            return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
    }
    return SHAPC_OK;
}

shapc_status shapc_results_create(const shapc_results_layout *layout, shapc_results **out,
                                  shapc_error *err)
{
    *out = NULL;
    if (!layout || layout->size != sizeof *layout)
        return shapc_error_set(err, SHAPC_EINVAL, "results layout: initialise it with "
                               "shapc_results_layout_default()");
    const shapc_results_layout *l = layout;
    if (!l->n_rows || !l->n_players || !l->n_columns || !l->n_outputs || !l->n_features)
        return shapc_error_set(err, SHAPC_EINVAL, "results of %zu rows x %zu players x %zu "
                               "columns (%zu outputs, %zu features): every size must be >= 1",
                               l->n_rows, l->n_players, l->n_columns, l->n_outputs,
                               l->n_features);
    if (l->documents && (l->n_features != l->n_players || l->groups_per_row))
        return shapc_error_set(err, SHAPC_EINVAL, "results of documents have one input slot "
                               "per player and no groups");
    size_t MK;
    if (!shapc__mul_size(l->n_players, l->n_columns, &MK) || MK > SIZE_MAX / 8 / l->n_rows)
        return shapc_error_set(err, SHAPC_ERANGE, "results of %zu rows x %zu players x %zu "
                               "columns are too large", l->n_rows, l->n_players, l->n_columns);
    shapc_results *r = shapc__calloc(1, sizeof *r);
    if (!r)
        return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
    r->layout = *l;
    const size_t n = l->n_rows, K = l->n_columns, d = l->n_features;
    shapc_results_data *D = &r->data;
    D->phi = alloc_cells(n, MK, sizeof *D->phi);
    D->se = alloc_cells(n, MK, sizeof *D->se);
    D->base = alloc_cells(n, K, sizeof *D->base);
    D->fx = alloc_cells(n, K, sizeof *D->fx);
    D->pred = alloc_cells(n, l->n_outputs, sizeof *D->pred);
    D->classes = alloc_cells(n, K, sizeof *D->classes);
    D->inputs = alloc_cells(n, d, sizeof *D->inputs);
    D->rows = alloc_cells(n, 1, sizeof *D->rows);
    D->row_players = alloc_cells(n, 1, sizeof *D->row_players);
    D->info = alloc_cells(n, 1, sizeof *D->info);
    D->seconds = alloc_cells(n, 1, sizeof *D->seconds);
    if (!l->documents)
        D->groups = alloc_cells(l->groups_per_row ? n : 1, d, sizeof *D->groups);
    shapc_status st = SHAPC_OK;
    if (!D->phi || !D->se || !D->base || !D->fx || !D->pred || !D->classes || !D->inputs ||
        !D->rows || !D->row_players || !D->info || !D->seconds || (!l->documents && !D->groups))
        st = shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory for %zu rows", n);
    if (st == SHAPC_OK)
        st = default_names(r, err);
    if (st == SHAPC_OK)
        st = shapc__results_dup(&r->version, shapc_version_string(), err);
    if (st != SHAPC_OK) {
        shapc_results_free(r);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        D->rows[i] = i;
        D->row_players[i] = l->documents ? 0 : l->n_players;
        for (size_t f = 0; l->documents && f < d; f++)
            D->inputs[i * d + f] = -1.0f;
    }
    for (size_t f = 0; D->groups && f < (l->groups_per_row ? n : 1) * d; f++)
        D->groups[f] = (int32_t)(f % d < l->n_players ? f % d : 0);
    shapc__results_refresh_meta(r);
    *out = r;
    return SHAPC_OK;
}

const shapc_results_layout *shapc_results_get_layout(const shapc_results *r)
{
    return &r->layout;
}

const shapc_results_data *shapc_results_get_data(shapc_results *r)
{
    return &r->data;
}

const shapc_results_data *shapc_results_view(const shapc_results *r)
{
    return &r->data;
}

shapc_status shapc_results_set_row(shapc_results *r, size_t i, const shapc_results_row *row,
                                   shapc_error *err)
{
    const size_t M = r->layout.n_players, K = r->layout.n_columns, k = r->layout.n_outputs;
    if (i >= r->layout.n_rows || row->m > M || (row->m > 0 && !row->phi))
        return shapc_error_set(err, SHAPC_EINVAL, "results: row %zu with %zu players does not "
                               "fit %zu rows x %zu players", i, row->m, r->layout.n_rows, M);
    shapc_results_data *D = &r->data;
    for (size_t j = 0; j < K; j++)
        if (D->classes[i * K + j] < 0 || (size_t)D->classes[i * K + j] >= k)
            return shapc_error_set(err, SHAPC_EINVAL, "results: row %zu, column %zu explains "
                                   "output %d of %zu", i, j, (int)D->classes[i * K + j], k);
    for (size_t j = 0; j < K; j++) {
        const size_t col = (size_t)D->classes[i * K + j];
        for (size_t g = 0; g < M; g++) {
            const int in = g < row->m;
            D->phi[(i * M + g) * K + j] = in ? (float)row->phi[g * k + col] : 0.0f;
            D->se[(i * M + g) * K + j] = in && row->se ? (float)row->se[g * k + col] : 0.0f;
        }
        D->base[i * K + j] = (float)row->base[col];
        D->fx[i * K + j] = row->fx[col];
    }
    D->info[i] = row->info;
    D->seconds[i] = row->seconds;
    D->row_players[i] = row->m;
    return SHAPC_OK;
}

/* ============================================================================================
 * Names, settings, timings
 * ========================================================================================== */

shapc_status shapc_results_set_model(shapc_results *r, const shapc_model *model,
                                     const char *path, shapc_error *err)
{
    if (!model || shapc_model_n_outputs(model) != r->layout.n_outputs)
        return shapc_error_set(err, SHAPC_EINVAL, "results of %zu outputs: the model has %zu",
                               r->layout.n_outputs, model ? shapc_model_n_outputs(model) : 0);
    shapc_status st = shapc__results_dup(&r->model_path, path, err);
    if (st == SHAPC_OK)
        st = shapc__results_dup(&r->model_description, shapc_model_describe(model), err);
    for (size_t c = 0; st == SHAPC_OK && c < r->layout.n_outputs; c++)
        st = shapc__results_dup(&r->outputs[c], shapc_model_output_name(model, c), err);
    const shapc_text_model *tm = shapc_model_text(model);
    if (st == SHAPC_OK && tm) {
        r->meta.vocab_size = shapc_text_vocab_size(tm);
        st = shapc__results_dup(&r->unknown_word,
                                shapc_text_vocab_word(tm, shapc_text_unk_id(tm)), err);
    }
    r->meta.input_rank = shapc_model_input_rank(model);
    if (r->meta.input_rank > SHAPC_MAX_RANK)
        r->meta.input_rank = 0;
    memcpy(r->input_shape, shapc_model_input_shape(model),
           r->meta.input_rank * sizeof *r->input_shape);
    shapc__results_refresh_meta(r);
    return st;
}

shapc_status shapc_results_set_source(shapc_results *r, const char *input_path, int argc,
                                      const char *const *argv, shapc_error *err)
{
    shapc_status st = shapc__results_dup(&r->input_path, input_path, err);
    shapc__results_refresh_meta(r);
    if (st != SHAPC_OK || argc <= 0)
        return st;
    char **v = shapc__calloc((size_t)argc, sizeof *v);
    if (!v)
        return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
    for (int i = 0; i < argc; i++)
        if (!(v[i] = shapc__strdup(argv[i] ? argv[i] : ""))) {
            free_strings(v, (size_t)argc);
            return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
        }
    free_strings(r->argv, (size_t)r->meta.argc);
    r->argv = v;
    r->meta.argc = argc;
    shapc__results_refresh_meta(r);
    return SHAPC_OK;
}

shapc_status shapc_results_set_players(shapc_results *r, const char *const *names,
                                       shapc_error *err)
{
    if (r->layout.documents || !names)
        return shapc_error_set(err, SHAPC_EINVAL, "results: documents name their players by "
                               "their tokens");
    for (size_t g = 0; g < r->layout.n_players; g++) {
        shapc_status st = shapc__results_dup(&r->players[g], names[g], err);
        if (st != SHAPC_OK)
            return st;
    }
    return SHAPC_OK;
}

shapc_status shapc_results_set_tokens(shapc_results *r, size_t i, const shapc_token *tokens,
                                      const size_t *ids, const int *in_vocab, size_t n,
                                      shapc_error *err)
{
    const size_t M = r->layout.n_players;
    if (!r->layout.documents || i >= r->layout.n_rows || n > M || (n > 0 && !tokens))
        return shapc_error_set(err, SHAPC_EINVAL, "results: document %zu of %zu tokens does "
                               "not fit %zu players", i, n, M);
    shapc__token *t = shapc__calloc(n ? n : 1, sizeof *t);
    if (!t)
        return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
    for (size_t j = 0; j < n; j++) {
        t[j].text = shapc__strdup(tokens[j].text);
        t[j].id = ids ? ids[j] : 0;
        t[j].space_before = tokens[j].space_before != 0;
        t[j].in_vocab = !in_vocab || in_vocab[j];
        if (!t[j].text) {
            free_tokens(t, n);
            return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
        }
    }
    free_tokens(r->tokens[i], r->data.row_players[i]);
    r->tokens[i] = t;
    r->data.row_players[i] = n;
    for (size_t f = 0; f < M; f++)
        r->data.inputs[i * M + f] = f < n ? (float)t[f].id : -1.0f;
    return SHAPC_OK;
}

shapc_status shapc_results_set_token_display(shapc_results *r, size_t i,
                                             const char *const *display, size_t n,
                                             shapc_error *err)
{
    if (!r->layout.documents || i >= r->layout.n_rows || n != r->data.row_players[i] ||
        (n > 0 && !display))
        return shapc_error_set(err, SHAPC_EINVAL, "results: document %zu: %zu display "
                               "strings for %zu tokens", i, n,
                               i < r->layout.n_rows ? r->data.row_players[i] : 0);
    shapc__token *t = r->tokens[i];
    for (size_t j = 0; j < n; j++) {
        if (!display[j])
            return shapc_error_set(err, SHAPC_EINVAL, "results: document %zu: token %zu has "
                                   "no display string", i, j);
        char *copy = NULL;
        if (strcmp(display[j], t[j].text) != 0 && !(copy = shapc__strdup(display[j])))
            return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
        shapc__free(t[j].display);
        t[j].display = copy;
    }
    return SHAPC_OK;
}

const char *shapc_results_token_display(const shapc_results *r, size_t i, size_t t)
{
    if (!r->layout.documents || i >= r->layout.n_rows || t >= r->data.row_players[i])
        return NULL;
    const shapc__token *tok = &r->tokens[i][t];
    return tok->display ? tok->display : tok->text;
}

shapc_status shapc_results_add_setting(shapc_results *r, const shapc_setting *s,
                                       shapc_error *err)
{
    if (!s || !s->key || !*s->key || (s->type == SHAPC_SETTING_STRING && !s->text))
        return shapc_error_set(err, SHAPC_EINVAL, "results: a setting needs a key");
    /* A group ("background.rows") must not be interrupted by another key. */
    const char *dot = strchr(s->key, '.');
    const size_t glen = dot ? (size_t)(dot - s->key) : 0;
    int open = r->n_settings > 0 && dot &&
               strncmp(r->settings[r->n_settings - 1].key, s->key, glen + 1) == 0;
    for (size_t i = 0; dot && !open && i < r->n_settings; i++)
        if (strncmp(r->settings[i].key, s->key, glen + 1) == 0)
            return shapc_error_set(err, SHAPC_EINVAL, "results: setting '%s' after the group "
                                   "'%.*s' was closed", s->key, (int)glen, s->key);
    if (r->n_settings == r->cap_settings) {
        const size_t cap = r->cap_settings ? 2 * r->cap_settings : 16;
        shapc__setting *v = shapc__realloc(r->settings, cap * sizeof *v);
        if (!v)
            return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
        r->settings = v;
        r->cap_settings = cap;
    }
    shapc__setting c = {*s, shapc__strdup(s->key), NULL};
    if (s->type == SHAPC_SETTING_STRING)
        c.text = shapc__strdup(s->text);
    if (!c.key || (s->type == SHAPC_SETTING_STRING && !c.text)) {
        shapc__free(c.key);
        shapc__free(c.text);
        return shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
    }
    c.view.key = c.key;
    c.view.text = c.text;
    r->settings[r->n_settings++] = c;
    return SHAPC_OK;
}

size_t shapc_results_n_settings(const shapc_results *r)
{
    return r->n_settings;
}

const shapc_setting *shapc_results_setting(const shapc_results *r, size_t i)
{
    return i < r->n_settings ? &r->settings[i].view : NULL;
}

const shapc_setting *shapc_results_find_setting(const shapc_results *r, const char *key)
{
    for (size_t i = 0; i < r->n_settings; i++)
        if (strcmp(r->settings[i].key, key) == 0)
            return &r->settings[i].view;
    return NULL;
}

void shapc_results_set_total_seconds(shapc_results *r, double seconds)
{
    double sum = 0.0;
    for (size_t i = 0; i < r->layout.n_rows; i++)
        sum += r->data.seconds[i];
    r->meta.total_s = seconds;
    r->meta.explain_s = sum;
}

void shapc__results_refresh_meta(shapc_results *r)
{
    shapc_results_meta *m = &r->meta;
    m->version = r->version;
    m->model_path = r->model_path;
    m->model_description = r->model_description;
    m->input_path = r->input_path;
    m->input_shape = r->input_shape;
    m->outputs = (const char *const *)r->outputs;
    m->players = (const char *const *)r->players;
    m->argv = (const char *const *)r->argv;
}

const shapc_results_meta *shapc_results_get_meta(const shapc_results *r)
{
    return &r->meta;
}

const char *shapc_results_player_name(const shapc_results *r, size_t i, size_t g)
{
    if (i >= r->layout.n_rows || g >= r->data.row_players[i])
        return NULL;
    return r->layout.documents ? r->tokens[i][g].text : r->players[g];
}

const char *shapc_results_token(const shapc_results *r, size_t i, size_t t, int *space_before,
                                int *in_vocab, size_t *id)
{
    if (!r->layout.documents || i >= r->layout.n_rows || t >= r->data.row_players[i])
        return NULL;
    const shapc__token *tok = &r->tokens[i][t];
    if (space_before)
        *space_before = tok->space_before;
    if (in_vocab)
        *in_vocab = tok->in_vocab;
    if (id)
        *id = tok->id;
    return tok->text;
}

/* ============================================================================================
 * Derived views
 * ========================================================================================== */

double shapc_results_rel_se(const shapc_results *r, size_t i, size_t c)
{
    const size_t M = r->layout.n_players, K = r->layout.n_columns;
    const float *phi = r->data.phi + i * M * K, *se = r->data.se + i * M * K;
    double p2 = 0.0, s2 = 0.0;
    for (size_t g = 0; g < M; g++) {
        const double p = (double)phi[g * K + c], e = (double)se[g * K + c];
        p2 += p * p;
        s2 += e * e;
    }
    if (s2 == 0.0)
        return 0.0;
    return p2 > 0.0 ? sqrt(s2 / p2) : (double)INFINITY;
}

size_t shapc_results_top(const shapc_results *r, size_t i, size_t c, size_t *best, size_t max)
{
    const size_t M = r->layout.n_players, K = r->layout.n_columns;
    const float *phi = r->data.phi + i * M * K;
    size_t nb = 0;
    for (size_t g = 0; g < M && max > 0; g++) {
        const double v = fabs((double)phi[g * K + c]);
        if (v == 0.0)
            continue;
        /* Insertion into a short sorted list; ties keep the lower player index first. */
        size_t pos = nb;
        while (pos > 0 && fabs((double)phi[best[pos - 1] * K + c]) < v)
            pos--;
        if (pos >= max)
            continue;
        const size_t last = nb < max ? nb : max - 1;
        for (size_t t = last; t > pos; t--)
            best[t] = best[t - 1];
        best[pos] = g;
        if (nb < max)
            nb++;
    }
    return nb;
}

typedef struct ranked {
    size_t id;
    double key;
} ranked;

/* Most important first; ties by vocabulary id so the order is deterministic. */
static int by_importance(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? 1 : -1;
    return (a->id > b->id) - (a->id < b->id);
}

void shapc_results_vocabulary_free(shapc_results_word *w, size_t n)
{
    for (size_t i = 0; w && i < n; i++) {
        shapc__free(w[i].mean_abs_phi);
        shapc__free(w[i].mean_phi);
    }
    shapc__free(w);
}

shapc_status shapc_results_vocabulary(const shapc_results *r, shapc_results_word **words,
                                      size_t *n_words, shapc_error *err)
{
    *words = NULL;
    *n_words = 0;
    if (!r->layout.documents)
        return shapc_error_set(err, SHAPC_EINVAL, "results: no documents, no vocabulary");
    const size_t n = r->layout.n_rows, M = r->layout.n_players, K = r->layout.n_columns;
    /* Tables indexed by vocabulary id: occurrences, sum |phi| and sum phi per column, and
     * the word each id stands for (the token itself, or the unknown word). */
    size_t V = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < r->data.row_players[i]; t++)
            V = r->tokens[i][t].id + 1 > V ? r->tokens[i][t].id + 1 : V;
    size_t *count = shapc__calloc(V ? V : 1, sizeof *count);
    const char **word = shapc__calloc(V ? V : 1, sizeof *word);
    double *acc = alloc_cells(V ? V : 1, 2 * K, sizeof *acc);
    ranked *rk = shapc__calloc(V ? V : 1, sizeof *rk);
    shapc_results_word *out = NULL;
    size_t seen = 0;
    shapc_status st = SHAPC_OK;
    if (!count || !word || !acc || !rk) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory for the vocabulary");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < r->data.row_players[i]; t++) {
            const shapc__token *tok = &r->tokens[i][t];
            const size_t v = tok->id;
            if (!word[v] || !tok->in_vocab)
                word[v] = tok->in_vocab || !r->unknown_word ? tok->text : r->unknown_word;
            count[v]++;
            for (size_t c = 0; c < K; c++) {
                const double p = (double)r->data.phi[(i * M + t) * K + c];
                acc[v * 2 * K + c] += fabs(p);
                acc[v * 2 * K + K + c] += p;
            }
        }
    for (size_t v = 0; v < V; v++)
        if (count[v] > 0) {
            rk[seen].id = v;
            rk[seen++].key = acc[v * 2 * K] / (double)count[v];
        }
    qsort(rk, seen, sizeof *rk, by_importance);
    out = shapc__calloc(seen ? seen : 1, sizeof *out);
    if (!out) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory for the vocabulary");
        goto done;
    }
    for (size_t j = 0; j < seen; j++) {
        const size_t v = rk[j].id;
        out[j].word = word[v];
        out[j].id = v;
        out[j].count = count[v];
        out[j].mean_abs_phi = shapc__malloc(K * sizeof(double));
        out[j].mean_phi = shapc__malloc(K * sizeof(double));
        if (!out[j].mean_abs_phi || !out[j].mean_phi) {
            shapc_results_vocabulary_free(out, j + 1);
            out = NULL;
            st = shapc_error_set(err, SHAPC_ENOMEM, "results: out of memory");
            goto done;
        }
        for (size_t c = 0; c < K; c++) {
            out[j].mean_abs_phi[c] = acc[v * 2 * K + c] / (double)count[v];
            out[j].mean_phi[c] = acc[v * 2 * K + K + c] / (double)count[v];
        }
    }
    *words = out;
    *n_words = seen;
done:
    shapc__free(count);
    shapc__free((void *)word);
    shapc__free(acc);
    shapc__free(rk);
    return st;
}

/* ============================================================================================
 * Estimator names (summary.json's "estimator", the CLI's --sampler)
 * ========================================================================================== */

static const char *const estimator_names[] = {
    [SHAPC_SAMPLER_KERNEL] = "kernel",           [SHAPC_SAMPLER_LEVERAGE] = "leverage",
    [SHAPC_SAMPLER_PERMUTATION] = "permutation", [SHAPC_SAMPLER_AUTO] = "auto",
    [SHAPC_SAMPLER_EXACT] = "exact",
};

const char *shapc__results_estimator_name(shapc_sampler s)
{
    return (size_t)s < sizeof estimator_names / sizeof estimator_names[0] ? estimator_names[s]
                                                                           : "unknown";
}

int shapc__results_estimator_parse(const char *name, shapc_sampler *out)
{
    for (size_t i = 0; name && i < sizeof estimator_names / sizeof estimator_names[0]; i++)
        if (strcmp(name, estimator_names[i]) == 0) {
            *out = (shapc_sampler)i;
            return 0;
        }
    return -1;
}
