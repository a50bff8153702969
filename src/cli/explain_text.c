/* explain_text.c - `shapc explain` on a text model (explain.h, docs/text.md): INPUT is a UTF-8
 * file with one document per line; each selected document is a row whose players are its
 * tokens, explained by the library in one call (shapc_text_explain). The results hold token t
 * of document i in player column t and pad shorter documents with zeros, so the run itself -
 * journal, --resume, MPI, the results directory - is the one array inputs have. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/data.h>
#include <shapc/text.h>

#include "explain.h"
#include "progress.h"

typedef struct documents {
    shapc_cli_run *x;
    char *text;    /* the whole input file */
    size_t *start; /* (n) byte offset of each selected document */
    size_t *len;   /* (n) its length (a final \r dropped); one block with start */
    size_t *line;  /* (n) its line number in the file, from 0 (--rows numbers) */
    size_t n;
} documents;

/* Explains documents i0 .. i0 + nb - 1 into the results, one after another: each spreads its
 * own masked evaluations over the worker threads. */
static shapc_status text_explain(void *kind, size_t i0, size_t nb, shapc_error *err)
{
    documents *docs = kind;
    shapc_cli_run *x = docs->x;
    for (size_t i = i0; i < i0 + nb; i++) {
        shapc_text_explanation e;
        const double t0 = shapc_cli_now();
        shapc_status st = shapc_text_explain(x->model, docs->text + docs->start[i], docs->len[i],
                                             x->a.text_mask, &x->ko, &e, err);
        if (st == SHAPC_OK) {
            shapc_results_row row = {e.phi, e.se, e.n_tokens, e.base, e.fx, e.info,
                                     shapc_cli_now() - t0};
            st = shapc_results_set_row(x->res, i, &row, err);
        }
        shapc_text_explanation_free(&e);
        if (st == SHAPC_ECANCELED)
            return st;
        if (st != SHAPC_OK)
            return shapc_cli_error_context(err, st, "%s:%zu", x->a.input_path,
                                           docs->line[i] + 1);
    }
    return SHAPC_OK;
}

static void documents_free(void *kind)
{
    documents *docs = kind;
    free(docs->start);
    free(docs->line);
    free(docs->text);
    free(docs);
}

/* Splits the file into lines (a final newline ends the last line, it does not start an empty
 * one) and keeps the --rows ones. */
static shapc_status select_lines(documents *docs, size_t size, shapc_error *err)
{
    const shapc_cli_explain_args *a = &docs->x->a;
    size_t n_lines = 0, n_sel = 0;
    for (size_t i = 0; i < size; i++)
        n_lines += docs->text[i] == '\n';
    if (size > 0 && docs->text[size - 1] != '\n')
        n_lines++;
    if (n_lines == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: no documents (the file is empty)",
                               a->input_path);
    const int rc = shapc_cli_range_rows(&a->rows, n_lines, &docs->line, &n_sel);
    if (rc == -2)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    if (rc != 0)
        return shapc_error_set(err, SHAPC_ERANGE, "%s: --rows out of range (the file has %zu "
                               "documents: 0:%zu)", a->input_path, n_lines, n_lines);
    if (!(docs->start = malloc(2 * n_sel * sizeof *docs->start)))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    docs->len = docs->start + n_sel;
    const size_t end = docs->line[n_sel - 1] + 1;
    for (size_t line = 0, pos = 0; pos < size && line < end && docs->n < n_sel; line++) {
        const char *nl = memchr(docs->text + pos, '\n', size - pos);
        const size_t stop = nl ? (size_t)(nl - docs->text) : size;
        size_t len = stop - pos;
        if (len > 0 && docs->text[pos + len - 1] == '\r')
            len--;
        if (line == docs->line[docs->n]) {
            docs->start[docs->n] = pos;
            docs->len[docs->n++] = len;
        }
        pos = stop + 1;
    }
    return SHAPC_OK;
}

/* The options of array inputs have no meaning here: say why rather than ignore them. */
static shapc_status refuse_options(shapc_cli_run *x, shapc_error *err)
{
    const shapc_cli_explain_args *a = &x->a;
    if (a->given_background)
        return shapc_cli_explain_usage(x, err, "--background does not apply to text models: "
                                       "the background is the document with its tokens masked "
                                       "(see --text-mask)");
    if (a->given_groups)
        return shapc_cli_explain_usage(x, err, "--groups does not apply to text models: the "
                                       "players are the document's tokens");
    const char *other = a->given_segments     ? a->given_segments
                        : a->given_mask         ? a->given_mask
                        : a->given_share_design ? a->given_share_design
                                                : NULL;
    if (other)
        return shapc_cli_explain_usage(x, err, "%s does not apply to text models: the players "
                                       "are the document's tokens (see --text-mask)", other);
    if (a->text_mask == SHAPC_TEXT_MASK_TOKEN &&
        shapc_text_mask_id(shapc_model_text(x->model)) == SHAPC_TEXT_NO_ID)
        return shapc_cli_explain_usage(x, err, "--text-mask token: %s has no mask token",
                                       a->model_path);
    return SHAPC_OK;
}

/* Document i's tokens as written (their case), which the text plots show. */
static shapc_status set_display(shapc_results *res, size_t i, const char *text, size_t len,
                                const shapc_text_explanation *e, shapc_error *err)
{
    char **shown = NULL;
    shapc_status st = shapc_text_tokens_display(text, len, e->tokens, e->n_tokens, &shown, err);
    if (st != SHAPC_OK)
        return st;
    const char **bare = malloc((e->n_tokens ? e->n_tokens : 1) * sizeof *bare);
    if (!bare) {
        shapc_text_tokens_display_free(shown, e->n_tokens);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    }
    for (size_t t = 0; t < e->n_tokens; t++) /* the separating space is space_before's */
        bare[t] = shown[t] + (shown[t][0] == ' ' && e->tokens[t].space_before);
    st = shapc_results_set_token_display(res, i, bare, e->n_tokens, err);
    free(bare);
    shapc_text_tokens_display_free(shown, e->n_tokens);
    return st;
}

/* The results of the selected documents: their tokens (players), vocabulary ids (inputs),
 * f(document) and the output each column explains. */
static shapc_status lay_out(documents *docs, shapc_error *err)
{
    shapc_cli_run *x = docs->x;
    const shapc_cli_explain_args *a = &x->a;
    const size_t k = shapc_model_n_outputs(x->model);
    shapc_text_explanation *prep = calloc(docs->n, sizeof *prep);
    if (!prep)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    shapc_status st = SHAPC_OK;
    size_t M = 1;
    for (size_t i = 0; i < docs->n && st == SHAPC_OK; i++) {
        st = shapc_text_prepare(x->model, docs->text + docs->start[i], docs->len[i], &prep[i],
                                err);
        if (st != SHAPC_OK)
            st = shapc_cli_error_context(err, st, "%s:%zu", a->input_path, docs->line[i] + 1);
        M = prep[i].n_tokens > M ? prep[i].n_tokens : M;
    }
    if (st == SHAPC_OK)
        st = shapc_cli_explain_results(x, docs->n, M, M, 0, 1, err);
    for (size_t i = 0; i < docs->n && st == SHAPC_OK; i++) {
        const shapc_text_explanation *e = &prep[i];
        const shapc_results_data *D = shapc_results_get_data(x->res);
        st = shapc_results_set_tokens(x->res, i, e->tokens, e->ids, e->in_vocab, e->n_tokens,
                                      err);
        if (st == SHAPC_OK)
            st = set_display(x->res, i, docs->text + docs->start[i], docs->len[i], e, err);
        D->rows[i] = docs->line[i];
        memcpy(D->pred + i * k, e->pred, k * sizeof *D->pred);
    }
    if (st == SHAPC_OK)
        shapc_cli_explain_classes(x);
    for (size_t i = 0; i < docs->n; i++)
        shapc_text_explanation_free(&prep[i]);
    free(prep);
    return st;
}

shapc_status shapc_cli_explain_setup_text(shapc_cli_run *x, shapc_error *err)
{
    const shapc_cli_explain_args *a = &x->a;
    shapc_status st = refuse_options(x, err);
    if (st != SHAPC_OK)
        return st;
    documents *docs = shapc_cli_explain_attach(x, sizeof *docs, text_explain, documents_free,
                                               "document");
    if (!docs)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    x->block = 1;
    docs->x = x;
    size_t size = 0;
    if ((st = shapc_file_read(a->input_path, 0, &docs->text, &size, err)) != SHAPC_OK ||
        (st = select_lines(docs, size, err)) != SHAPC_OK || (st = lay_out(docs, err)) != SHAPC_OK)
        return st;
    const char *mask = a->text_mask == SHAPC_TEXT_MASK_TOKEN ? "token" : "remove";
    const shapc_setting own[] = {
        {"text_mask", SHAPC_SETTING_STRING, mask, 0, 0, {0, 0}},
        {"batches", SHAPC_SETTING_UINT, NULL, a->batches, 0, {0, 0}},
    };
    st = shapc_cli_explain_settings(x, own, 2, err);
    snprintf(x->groups_text, sizeof x->groups_text, "none");
    snprintf(x->tail_text, sizeof x->tail_text, "--text-mask=%s", mask);
    return st;
}
