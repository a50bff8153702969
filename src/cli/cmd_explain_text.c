/* cmd_explain_text.c - the text path of `shapc explain` (docs/text.md): when MODEL is a text
 * model (model.bin with a TEXT section), INPUT is a UTF-8 file with one document per line and
 * each document is explained with its own tokens as players.
 *
 * Each document becomes a callback model over a 0/1 mask of its tokens
 * (shapc_text_model_document), explained by the ordinary kernel against one all-masked
 * background row, so lengths may differ freely. Results: text_values.json (per-document
 * tokens and values), vocab_importance.json (mean |phi| per vocabulary word), summary.json,
 * and the plots text_<row>.png and vocab_importance.png. Nothing is written until every
 * document is explained. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/data.h>
#include <shapc/kernel.h>
#include <shapc/model.h>
#include <shapc/plot.h>
#include <shapc/text.h>

#include "args.h"
#include "cmd_explain_text.h"
#include "json.h"
#include "loaders.h"
#include "progress.h"

#define MAX_TEXT_PLOTS 200 /* text_<row>.png files; more documents are still in the JSON */

/* The shared explain options (args.h) and this path's own; --background and --groups are
 * listed only to be refused with a reason. */
enum { OPT_TEXT_MASK = SHAPC_CLI_EXPLAIN_OPT_END, OPT_BACKGROUND, OPT_BACKGROUND_ROWS, OPT_GROUPS };

static const shapc_cli_option options[] = {
    SHAPC_CLI_EXPLAIN_OPTIONS(SHAPC_CLI_OPTION_ROW) /* shared: args.h */
    {OPT_TEXT_MASK, "text-mask", 0, 1},
    {OPT_BACKGROUND, "background", 0, 1},
    {OPT_BACKGROUND_ROWS, "background-rows", 0, 1},
    {OPT_GROUPS, "groups", 0, 1},
    {0, NULL, 0, 0},
};

typedef struct targs {
    const char *model_path, *input_path;
    shapc_cli_explain_settings s;
    shapc_kernel_options ko; /* from s once parsed */
    shapc_text_mask mask;
} targs;

/* One explained document. */
typedef struct doc {
    size_t row;          /* line number - 1 */
    shapc_token *tok;
    size_t n;            /* tokens = players */
    size_t *ids;
    int32_t *cls;        /* (K) model output of each explained column */
    double *phi, *se;    /* (n, K) */
    double *base, *fx;   /* (K) */
    shapc_kernel_info info;
} doc;

typedef struct trun {
    targs a;
    shapc_model *model;
    const shapc_text_model *tm;
    size_t k, K;
    shapc_cli_class target; /* --class */
    char *text;          /* whole input file */
    size_t text_len;
    doc *docs;
    size_t n_docs;
    double t_start, t_explain;
} trun;

/* ============================================================================================
 * Detection: is MODEL a text model?
 * ========================================================================================== */

/* The first positional argument, or NULL; sets *blackbox for --model-cmd/--model-plugin and
 * *help for -h/--help. */
static const char *find_model_path(int argc, char **argv, const shapc_cli_option *explain_options,
                                   int *blackbox, int *help)
{
    const char *first = NULL;
    int done = 0;
    *blackbox = *help = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!done && strcmp(s, "--") == 0) {
            done = 1;
        } else if (!done && s[0] == '-' && s[1] != '\0') {
            if (strncmp(s, "--model-cmd", 11) == 0 || strncmp(s, "--model-plugin", 14) == 0)
                *blackbox = 1;
            if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)
                *help = 1;
            /* The generic path's options and this path's own (--text-mask). */
            if (shapc_cli_takes_value(explain_options, s) || shapc_cli_takes_value(options, s))
                i++;
        } else if (!first) {
            first = s;
        }
    }
    return first;
}

/* ============================================================================================
 * Arguments
 * ========================================================================================== */

static int parse_args(int argc, char **argv, targs *a)
{
    shapc_cli_parser p;
    const char *v;
    int id, rc;
    memset(a, 0, sizeof *a);
    a->s = shapc_cli_explain_settings_default();
    a->mask = SHAPC_TEXT_MASK_REMOVE;
    shapc_cli_parser_init(&p, "explain", argc, argv);
    while ((id = shapc_cli_next(&p, options, &v)) != SHAPC_CLI_END) {
        switch (id) {
        case OPT_TEXT_MASK:
            if (strcmp(v, "remove") == 0)
                a->mask = SHAPC_TEXT_MASK_REMOVE;
            else if (strcmp(v, "token") == 0)
                a->mask = SHAPC_TEXT_MASK_TOKEN;
            else
                return shapc_cli_usage_error("explain", "--text-mask: '%s' is not remove or "
                                             "token", v);
            break;
        case OPT_BACKGROUND:
        case OPT_BACKGROUND_ROWS:
            return shapc_cli_usage_error("explain", "--background does not apply to text models: "
                                         "the background is the document with its tokens masked "
                                         "(see --text-mask)");
        case OPT_GROUPS:
            return shapc_cli_usage_error("explain", "--groups does not apply to text models: "
                                         "the players are the document's tokens");
        default:
            if ((rc = shapc_cli_explain_option(&a->s, id, v)) >= 0)
                return rc;
            break;
        }
    }
    if (a->s.n_positional < 2)
        return shapc_cli_usage_error("explain", "expected MODEL and INPUT (a UTF-8 text file, "
                                     "one document per line)");
    a->model_path = a->s.positional[0];
    a->input_path = a->s.positional[1];
    /* Documents run one after another; each one's kernel spreads its masked evaluation over
     * the worker threads, bit-identically for any count (kernel.h). */
    a->ko = shapc_cli_explain_kernel_options(&a->s);
    return -1;
}

/* ============================================================================================
 * Input and setup
 * ========================================================================================== */

static int read_text(trun *r)
{
    FILE *f = fopen(r->a.input_path, "rb");
    size_t cap = 1 << 16, len = 0;
    char *buf;
    if (!f)
        return shapc_cli_fail("%s: cannot open", r->a.input_path);
    buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len < cap)
            break;
        char *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (!buf) {
        fclose(f);
        return shapc_cli_fail("%s: out of memory", r->a.input_path);
    }
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return shapc_cli_fail("%s: read error", r->a.input_path);
    }
    fclose(f);
    r->text = buf;
    r->text_len = len;
    return -1;
}

static void docs_free(trun *r)
{
    for (size_t i = 0; i < r->n_docs; i++) {
        doc *d = &r->docs[i];
        shapc_text_tokens_free(d->tok, d->n);
        free(d->ids);
        free(d->cls);
        free(d->phi);
        free(d->se);
        free(d->base);
        free(d->fx);
    }
    free(r->docs);
    r->docs = NULL;
    r->n_docs = 0;
}

/* Splits the file into lines (a final newline ends the last line, it does not start an
 * empty one), selects --rows and tokenizes each selected line. */
static int tokenize_docs(trun *r)
{
    size_t n_lines = 0, begin, end;
    shapc_error err = {0};
    for (size_t i = 0; i < r->text_len; i++)
        if (r->text[i] == '\n')
            n_lines++;
    if (r->text_len > 0 && r->text[r->text_len - 1] != '\n')
        n_lines++;
    if (n_lines == 0)
        return shapc_cli_fail("%s: no documents (the file is empty)", r->a.input_path);
    if (shapc_cli_range_resolve(&r->a.s.rows, n_lines, &begin, &end) != 0)
        return shapc_cli_fail("%s: --rows out of range (the file has %zu documents: 0:%zu)",
                              r->a.input_path, n_lines, n_lines);
    r->docs = calloc(end - begin, sizeof *r->docs);
    if (!r->docs)
        return shapc_cli_fail("out of memory");
    size_t line = 0, pos = 0;
    while (pos < r->text_len && line < end) {
        const char *nl = memchr(r->text + pos, '\n', r->text_len - pos);
        size_t stop = nl ? (size_t)(nl - r->text) : r->text_len, len = stop - pos;
        if (len > 0 && r->text[pos + len - 1] == '\r')
            len--;
        if (line >= begin) {
            doc *d = &r->docs[r->n_docs++];
            d->row = line;
            if (shapc_text_tokenize(r->text + pos, len, &d->tok, &d->n, &err) != SHAPC_OK)
                return shapc_cli_fail("%s:%zu: %s", r->a.input_path, line + 1, err.message);
            d->ids = malloc((d->n ? d->n : 1) * sizeof *d->ids);
            d->cls = calloc(r->K, sizeof *d->cls);
            d->base = calloc(r->K, sizeof *d->base);
            d->fx = calloc(r->K, sizeof *d->fx);
            d->phi = calloc((d->n ? d->n : 1) * r->K, sizeof *d->phi);
            d->se = calloc((d->n ? d->n : 1) * r->K, sizeof *d->se);
            if (!d->ids || !d->cls || !d->base || !d->fx || !d->phi || !d->se)
                return shapc_cli_fail("out of memory");
            for (size_t t = 0; t < d->n; t++)
                d->ids[t] = shapc_text_token_id(r->tm, d->tok[t].text);
        }
        line++;
        pos = stop + 1;
    }
    return -1;
}

/* ============================================================================================
 * Compute
 * ========================================================================================== */

static double link_value(shapc_link link, double p)
{
    if (link != SHAPC_LINK_LOGIT)
        return p;
    p = p < 1e-7 ? 1e-7 : (p > 1.0 - 1e-7 ? 1.0 - 1e-7 : p);
    return log(p / (1.0 - p));
}

/* Explains one document into d (whose arrays are allocated). */
static int explain_doc(trun *r, doc *d, float *f_full, double *phi_all, double *se_all,
                       double *fx_all)
{
    shapc_error err = {0};
    size_t k = r->k;
    if (shapc_text_predict_ids(r->tm, d->ids, d->n, f_full, &err) != SHAPC_OK)
        return shapc_cli_fail("%s:%zu: %s", r->a.input_path, d->row + 1, err.message);
    for (size_t j = 0; j < r->K; j++)
        d->cls[j] = (int32_t)shapc_cli_class_output(&r->target, j, f_full, k);
    if (d->n == 0) {
        /* No players: the value of the empty document is all there is. */
        for (size_t j = 0; j < r->K; j++)
            d->base[j] = d->fx[j] = link_value(r->a.ko.link, (double)f_full[d->cls[j]]);
        d->info.exact = 1;
        return -1;
    }
    shapc_model *dm = NULL;
    shapc_kernel *kern = NULL;
    float *ones = malloc(d->n * sizeof *ones), *zeros = calloc(d->n, sizeof *zeros);
    int rc = -1;
    if (!ones || !zeros) {
        rc = shapc_cli_fail("out of memory");
        goto done;
    }
    for (size_t t = 0; t < d->n; t++)
        ones[t] = 1.0f;
    if (shapc_text_model_document(r->model, d->ids, d->n, r->a.mask, &dm, &err) != SHAPC_OK ||
        shapc_kernel_create(dm, zeros, 1, NULL, &r->a.ko, &kern, &err) != SHAPC_OK ||
        shapc_kernel_explain(kern, ones, phi_all, se_all, fx_all, &d->info, &err) != SHAPC_OK) {
        rc = shapc_cli_fail("%s:%zu: %s", r->a.input_path, d->row + 1, err.message);
        goto done;
    }
    const double *base = shapc_kernel_base_values(kern);
    for (size_t j = 0; j < r->K; j++) {
        size_t c = (size_t)d->cls[j];
        d->base[j] = base[c];
        d->fx[j] = fx_all[c];
        for (size_t t = 0; t < d->n; t++) {
            d->phi[t * r->K + j] = phi_all[t * k + c];
            d->se[t * r->K + j] = se_all[t * k + c];
        }
    }
done:
    shapc_kernel_free(kern);
    shapc_model_free(dm);
    free(ones);
    free(zeros);
    return rc;
}

static int compute(trun *r)
{
    size_t max_n = 1;
    int rc = -1;
    for (size_t i = 0; i < r->n_docs; i++)
        if (r->docs[i].n > max_n)
            max_n = r->docs[i].n;
    float *f_full = malloc(r->k * sizeof *f_full);
    double *phi_all = malloc(max_n * r->k * sizeof *phi_all);
    double *se_all = malloc(max_n * r->k * sizeof *se_all);
    double *fx_all = malloc(r->k * sizeof *fx_all);
    shapc_cli_progress prog;
    double t0 = shapc_cli_now();
    if (!f_full || !phi_all || !se_all || !fx_all) {
        rc = shapc_cli_fail("out of memory");
        goto done;
    }
    shapc_cli_progress_init(&prog, "documents", r->n_docs, r->a.s.quiet);
    for (size_t i = 0; i < r->n_docs && rc < 0; i++) {
        rc = explain_doc(r, &r->docs[i], f_full, phi_all, se_all, fx_all);
        shapc_cli_progress_update(&prog, i + 1);
    }
    shapc_cli_progress_finish(&prog);
    r->t_explain = shapc_cli_now() - t0;
done:
    free(f_full);
    free(phi_all);
    free(se_all);
    free(fx_all);
    return rc;
}

/* ============================================================================================
 * Results
 * ========================================================================================== */

static void json_doubles(shapc_cli_json *j, const double *v, size_t n)
{
    shapc_cli_json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        shapc_cli_json_number(j, v[i]);
    shapc_cli_json_end_array(j);
}

static void build_values(shapc_cli_json *j, const trun *r)
{
    shapc_cli_json_begin_array(j);
    for (size_t i = 0; i < r->n_docs; i++) {
        const doc *d = &r->docs[i];
        shapc_cli_json_begin_object(j);
        shapc_cli_json_key(j, "row");
        shapc_cli_json_int(j, (long long)d->row);
        shapc_cli_json_key(j, "tokens");
        shapc_cli_json_begin_array(j);
        for (size_t t = 0; t < d->n; t++)
            shapc_cli_json_string(j, d->tok[t].text);
        shapc_cli_json_end_array(j);
        shapc_cli_json_key(j, "in_vocab");
        shapc_cli_json_begin_array(j);
        for (size_t t = 0; t < d->n; t++)
            shapc_cli_json_bool(j, d->ids[t] != shapc_text_unk_id(r->tm) ||
                                       strcmp(d->tok[t].text,
                                              shapc_text_vocab_word(r->tm, d->ids[t])) == 0);
        shapc_cli_json_end_array(j);
        shapc_cli_json_key(j, "space_before");
        shapc_cli_json_begin_array(j);
        for (size_t t = 0; t < d->n; t++)
            shapc_cli_json_bool(j, d->tok[t].space_before);
        shapc_cli_json_end_array(j);
        shapc_cli_json_key(j, "classes");
        shapc_cli_json_begin_array(j);
        for (size_t c = 0; c < r->K; c++)
            shapc_cli_json_int(j, d->cls[c]);
        shapc_cli_json_end_array(j);
        shapc_cli_json_key(j, "base");
        json_doubles(j, d->base, r->K);
        shapc_cli_json_key(j, "fx");
        json_doubles(j, d->fx, r->K);
        shapc_cli_json_key(j, "phi");
        shapc_cli_json_begin_array(j);
        for (size_t t = 0; t < d->n; t++)
            json_doubles(j, d->phi + t * r->K, r->K);
        shapc_cli_json_end_array(j);
        shapc_cli_json_key(j, "se");
        shapc_cli_json_begin_array(j);
        for (size_t t = 0; t < d->n; t++)
            json_doubles(j, d->se + t * r->K, r->K);
        shapc_cli_json_end_array(j);
        shapc_cli_json_key(j, "exact");
        shapc_cli_json_bool(j, d->info.exact);
        shapc_cli_json_key(j, "n_evals");
        shapc_cli_json_int(j, (long long)d->info.n_evals);
        shapc_cli_json_end_object(j);
    }
    shapc_cli_json_end_array(j);
}

/* Per vocabulary word: occurrences and mean |phi| / mean phi per explained column over its
 * occurrences in the explained documents. Words never seen are left out. */
typedef struct vocab_stats {
    size_t n_words;    /* words with count > 0, sorted by importance of column 0 */
    size_t *word;      /* (n_words) vocabulary ids */
    size_t *count;     /* (V) */
    double *abs_sum;   /* (V, K) */
    double *sum;       /* (V, K) */
} vocab_stats;

typedef struct ranked {
    size_t word;
    double key;
} ranked;

/* Most important first; ties by vocabulary id so the order is deterministic. */
static int by_importance(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? 1 : -1;
    return (a->word > b->word) - (a->word < b->word);
}

static int vocab_stats_build(const trun *r, vocab_stats *vs)
{
    size_t V = shapc_text_vocab_size(r->tm), K = r->K;
    memset(vs, 0, sizeof *vs);
    vs->count = calloc(V, sizeof *vs->count);
    vs->abs_sum = calloc(V * K, sizeof *vs->abs_sum);
    vs->sum = calloc(V * K, sizeof *vs->sum);
    vs->word = malloc(V * sizeof *vs->word);
    if (!vs->count || !vs->abs_sum || !vs->sum || !vs->word)
        return shapc_cli_fail("out of memory");
    for (size_t i = 0; i < r->n_docs; i++) {
        const doc *d = &r->docs[i];
        for (size_t t = 0; t < d->n; t++) {
            size_t w = d->ids[t];
            vs->count[w]++;
            for (size_t c = 0; c < K; c++) {
                vs->abs_sum[w * K + c] += fabs(d->phi[t * K + c]);
                vs->sum[w * K + c] += d->phi[t * K + c];
            }
        }
    }
    ranked *rk = malloc(V * sizeof *rk);
    if (!rk)
        return shapc_cli_fail("out of memory");
    for (size_t w = 0; w < V; w++)
        if (vs->count[w] > 0) {
            rk[vs->n_words].word = w;
            rk[vs->n_words++].key = vs->abs_sum[w * K] / (double)vs->count[w];
        }
    qsort(rk, vs->n_words, sizeof *rk, by_importance);
    for (size_t i = 0; i < vs->n_words; i++)
        vs->word[i] = rk[i].word;
    free(rk);
    return -1;
}

static void vocab_stats_free(vocab_stats *vs)
{
    free(vs->word);
    free(vs->count);
    free(vs->abs_sum);
    free(vs->sum);
}

static void build_vocab_json(shapc_cli_json *j, const trun *r, const vocab_stats *vs)
{
    size_t K = r->K;
    shapc_cli_json_begin_array(j);
    for (size_t i = 0; i < vs->n_words; i++) {
        size_t w = vs->word[i];
        shapc_cli_json_begin_object(j);
        shapc_cli_json_key(j, "word");
        shapc_cli_json_string(j, shapc_text_vocab_word(r->tm, w));
        shapc_cli_json_key(j, "id");
        shapc_cli_json_int(j, (long long)w);
        shapc_cli_json_key(j, "count");
        shapc_cli_json_int(j, (long long)vs->count[w]);
        shapc_cli_json_key(j, "mean_abs_phi");
        shapc_cli_json_begin_array(j);
        for (size_t c = 0; c < K; c++)
            shapc_cli_json_number(j, vs->abs_sum[w * K + c] / (double)vs->count[w]);
        shapc_cli_json_end_array(j);
        shapc_cli_json_key(j, "mean_phi");
        shapc_cli_json_begin_array(j);
        for (size_t c = 0; c < K; c++)
            shapc_cli_json_number(j, vs->sum[w * K + c] / (double)vs->count[w]);
        shapc_cli_json_end_array(j);
        shapc_cli_json_end_object(j);
    }
    shapc_cli_json_end_array(j);
}

static void build_summary(shapc_cli_json *j, const trun *r, int argc, char **argv)
{
    const targs *a = &r->a;
    shapc_cli_json_explain_head(j, "text", argc, argv, a->model_path, r->model);
    shapc_cli_json_key(j, "vocab_size");
    shapc_cli_json_int(j, (long long)shapc_text_vocab_size(r->tm));
    shapc_cli_json_output_names(j, r->model);
    shapc_cli_json_end_object(j);
    shapc_cli_json_key(j, "input");
    shapc_cli_json_string(j, a->input_path);
    shapc_cli_json_key(j, "settings");
    shapc_cli_json_begin_object(j);
    shapc_cli_json_explain_settings(j, &a->s, &r->target);
    shapc_cli_json_key(j, "text_mask");
    shapc_cli_json_string(j, a->mask == SHAPC_TEXT_MASK_TOKEN ? "token" : "remove");
    shapc_cli_json_key(j, "batches");
    shapc_cli_json_int(j, (long long)a->ko.n_batches);
    shapc_cli_json_key(j, "rows");
    shapc_cli_json_begin_array(j);
    shapc_cli_json_int(j, (long long)(r->n_docs ? r->docs[0].row : 0));
    shapc_cli_json_int(j, (long long)(r->n_docs ? r->docs[r->n_docs - 1].row + 1 : 0));
    shapc_cli_json_end_array(j);
    shapc_cli_json_end_object(j);
    shapc_cli_json_key(j, "instances");
    shapc_cli_json_begin_array(j);
    for (size_t i = 0; i < r->n_docs; i++) {
        const doc *d = &r->docs[i];
        shapc_cli_json_begin_object(j);
        shapc_cli_json_key(j, "row");
        shapc_cli_json_int(j, (long long)d->row);
        shapc_cli_json_key(j, "estimator");
        shapc_cli_json_string(j, shapc_cli_sampler_name(d->info.sampler));
        shapc_cli_json_key(j, "exact");
        shapc_cli_json_bool(j, d->info.exact);
        shapc_cli_json_key(j, "n_players");
        shapc_cli_json_int(j, (long long)d->n);
        shapc_cli_json_key(j, "n_evals");
        shapc_cli_json_int(j, (long long)d->info.n_evals);
        shapc_cli_json_key(j, "fx");
        json_doubles(j, d->fx, r->K);
        shapc_cli_json_end_object(j);
    }
    shapc_cli_json_end_array(j);
    shapc_cli_json_key(j, "timings");
    shapc_cli_json_begin_object(j);
    shapc_cli_json_key(j, "total_s");
    shapc_cli_json_number(j, shapc_cli_now() - r->t_start);
    shapc_cli_json_key(j, "explain_s");
    shapc_cli_json_number(j, r->t_explain);
    shapc_cli_json_key(j, "per_instance_s");
    shapc_cli_json_number(j, r->n_docs ? r->t_explain / (double)r->n_docs : 0.0);
    shapc_cli_json_end_object(j);
    shapc_cli_json_end_object(j);
}

static int write_json(const char *dir, const char *name, const shapc_cli_json *j)
{
    shapc_error err = {0};
    char *path = shapc_cli_path_join(dir, name);
    int rc = -1;
    if (!path)
        return shapc_cli_fail("out of memory");
    if (shapc_cli_json_failed(j))
        rc = shapc_cli_fail("out of memory writing %s", name);
    else if (shapc_file_write_atomic(path, j->buf, j->len, &err) != SHAPC_OK)
        rc = shapc_cli_fail("%s", err.message);
    free(path);
    return rc;
}

/* text_<row>.png for the first explained column of each document (capped) and
 * vocab_importance.png for the first column's mean |phi| per word. */
static int draw_plots(const trun *r, const vocab_stats *vs)
{
    shapc_error err = {0};
    shapc_plot_options po = shapc_plot_options_default();
    char name[64], title[256];
    size_t drawn = 0;
    for (size_t i = 0; i < r->n_docs && drawn < MAX_TEXT_PLOTS; i++) {
        const doc *d = &r->docs[i];
        if (d->n == 0)
            continue;
        char **toks = calloc(d->n, sizeof *toks);
        double *phi = malloc(d->n * sizeof *phi);
        int bad = !toks || !phi;
        for (size_t t = 0; !bad && t < d->n; t++) {
            size_t len = strlen(d->tok[t].text);
            toks[t] = malloc(len + 2);
            if (!toks[t]) {
                bad = 1;
                break;
            }
            snprintf(toks[t], len + 2, "%s%s", d->tok[t].space_before ? " " : "", d->tok[t].text);
            phi[t] = d->phi[t * r->K];
        }
        snprintf(name, sizeof name, "text_%zu.png", d->row);
        snprintf(title, sizeof title, "document %zu: %s", d->row,
                 shapc_model_output_name(r->model, (size_t)d->cls[0]));
        po.title = title;
        char *path = bad ? NULL : shapc_cli_path_join(r->a.s.out_dir, name);
        shapc_status st = SHAPC_ENOMEM;
        if (path)
            st = shapc_plot_text(path, &po, (const char *const *)toks, phi, d->n, d->base[0],
                                 d->fx[0], &err);
        for (size_t t = 0; toks && t < d->n; t++)
            free(toks[t]);
        free(toks);
        free(phi);
        free(path);
        if (st != SHAPC_OK)
            return shapc_cli_fail("%s: %s", name, st == SHAPC_ENOMEM && !err.message[0]
                                                      ? "out of memory" : err.message);
        drawn++;
    }
    if (vs->n_words == 0)
        return -1;
    const char **names = malloc(vs->n_words * sizeof *names);
    double *imp = malloc(vs->n_words * sizeof *imp);
    char *path = shapc_cli_path_join(r->a.s.out_dir, "vocab_importance.png");
    int rc = -1;
    if (!names || !imp || !path) {
        rc = shapc_cli_fail("out of memory");
    } else {
        for (size_t i = 0; i < vs->n_words; i++) {
            size_t w = vs->word[i];
            names[i] = shapc_text_vocab_word(r->tm, w);
            imp[i] = vs->abs_sum[w * r->K] / (double)vs->count[w];
        }
        const char *what = "predicted class";
        if (r->target.mode == SHAPC_CLI_CLASS_ALL)
            what = shapc_model_output_name(r->model, 0);
        else if (r->target.mode == SHAPC_CLI_CLASS_ONE)
            what = shapc_model_output_name(r->model, r->target.index);
        snprintf(title, sizeof title, "mean |SHAP value| per word (%s)", what);
        po.title = title;
        po.xlabel = "mean |SHAP value| over occurrences";
        po.max_display = 20;
        if (shapc_plot_bar(path, &po, imp, vs->n_words, names, &err) != SHAPC_OK)
            rc = shapc_cli_fail("vocab_importance.png: %s", err.message);
    }
    free(names);
    free(imp);
    free(path);
    return rc;
}

/* ============================================================================================
 * Entry point
 * ========================================================================================== */

int shapc_cli_explain_text(int argc, char **argv, const shapc_cli_option *explain_options)
{
    int blackbox, help;
    const char *mpath = find_model_path(argc, argv, explain_options, &blackbox, &help);
    shapc_model *model = NULL;
    shapc_error err = {0};
    if (!mpath || blackbox || help)
        return -1;
    if (shapc_model_load(mpath, &model, &err) != SHAPC_OK || !shapc_model_text(model)) {
        shapc_model_free(model); /* not ours: the generic path reports any error */
        return -1;
    }

    trun r;
    memset(&r, 0, sizeof r);
    r.t_start = shapc_cli_now();
    r.model = model;
    r.tm = shapc_model_text(model);
    r.k = shapc_model_n_outputs(model);
    shapc_cli_json values, vocab, summary;
    shapc_cli_json_init(&values, 3);
    shapc_cli_json_init(&vocab, 2);
    shapc_cli_json_init(&summary, 2);
    vocab_stats vs;
    memset(&vs, 0, sizeof vs);
    int rc = parse_args(argc, argv, &r.a);
    if (rc >= 0)
        goto cleanup;
    if (r.a.mask == SHAPC_TEXT_MASK_TOKEN && shapc_text_mask_id(r.tm) == SHAPC_TEXT_NO_ID) {
        rc = shapc_cli_usage_error("explain", "--text-mask token: %s has no mask token",
                                   r.a.model_path);
        goto cleanup;
    }
    if ((rc = shapc_cli_class_resolve(r.a.s.class_text, model, r.a.model_path, &r.target)) >= 0)
        goto cleanup;
    r.K = r.target.columns;
    if ((rc = read_text(&r)) >= 0 || (rc = tokenize_docs(&r)) >= 0)
        goto cleanup;
    if (shapc_cli_mkdir_p(r.a.s.out_dir, &err) != SHAPC_OK) {
        rc = shapc_cli_fail("%s", err.message);
        goto cleanup;
    }
    /* One level of threading, the kernel's workers; and OpenBLAS's threaded kernels round
     * differently, so the output would depend on --threads. */
    shapc_blas_set_threads(1);
    if ((rc = compute(&r)) >= 0 || (rc = vocab_stats_build(&r, &vs)) >= 0)
        goto cleanup;
    build_values(&values, &r);
    build_vocab_json(&vocab, &r, &vs);
    build_summary(&summary, &r, argc, argv);
    /* summary.json last: its presence marks a complete set. */
    if ((rc = write_json(r.a.s.out_dir, "text_values.json", &values)) >= 0 ||
        (rc = write_json(r.a.s.out_dir, "vocab_importance.json", &vocab)) >= 0 ||
        (rc = write_json(r.a.s.out_dir, "summary.json", &summary)) >= 0)
        goto cleanup;
    if (!r.a.s.no_plots && (rc = draw_plots(&r, &vs)) >= 0)
        goto cleanup;
    if (!r.a.s.quiet) {
        size_t players = 0;
        for (size_t i = 0; i < r.n_docs; i++)
            players += r.docs[i].n;
        printf("explained %zu document%s x %zu class%s (%zu tokens) in %.1f s -> %s\n",
               r.n_docs, r.n_docs == 1 ? "" : "s", r.K, r.K == 1 ? "" : "es", players,
               shapc_cli_now() - r.t_start, r.a.s.out_dir);
    }
    rc = SHAPC_CLI_EXIT_OK;
cleanup:
    vocab_stats_free(&vs);
    shapc_cli_json_free(&values);
    shapc_cli_json_free(&vocab);
    shapc_cli_json_free(&summary);
    docs_free(&r);
    free(r.text);
    shapc_model_free(model);
    return rc;
}
