/* render_text.c - the plots of a text model's results (render.h): each document's tokens
 * coloured by their SHAP values, and the vocabulary's mean |SHAP value| per word - the same
 * whether `shapc explain`, `shapc plot text` or `shapc report` draws them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

#define VOCAB_PLOT_WORDS 20 /* bars of vocab_importance.png */

static shapc_status oom(shapc_error *err, const char *path)
{
    return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
}

const char *shapc_cli_render_column_name(const shapc_results *r, size_t c)
{
    const shapc_setting *cls = shapc_results_find_setting(r, "class");
    if (cls && cls->type == SHAPC_SETTING_STRING && strcmp(cls->text, "predicted") == 0)
        return "predicted class";
    return shapc_results_get_meta(r)->outputs[shapc_results_view(r)->classes[c]];
}

shapc_status shapc_cli_render_text(const shapc_results *r, size_t row, size_t col,
                                   const char *path, const shapc_plot_options *o,
                                   shapc_error *err)
{
    const shapc_results_data *D = shapc_results_view(r);
    const size_t t_n = D->row_players[row], K = shapc_results_get_layout(r)->n_columns;
    char title[256];
    char **toks = calloc(t_n ? t_n : 1, sizeof *toks);
    double *phi = malloc((t_n ? t_n : 1) * sizeof *phi);
    shapc_status st = toks && phi ? SHAPC_OK : oom(err, path);
    for (size_t t = 0; st == SHAPC_OK && t < t_n; t++) {
        /* The plot takes each token with its leading space, as shap's tokenizers give it. */
        int sp = 0;
        (void)shapc_results_token(r, row, t, &sp, NULL, NULL);
        const char *word = shapc_results_token_display(r, row, t); /* as written */
        const size_t len = strlen(word) + 2;
        if (!(toks[t] = malloc(len))) {
            st = oom(err, path);
            break;
        }
        snprintf(toks[t], len, "%s%s", sp ? " " : "", word);
        phi[t] = (double)D->phi[(row * shapc_results_get_layout(r)->n_players + t) * K + col];
    }
    snprintf(title, sizeof title, "document %zu: %s", D->rows[row],
             shapc_results_get_meta(r)->outputs[D->classes[row * K + col]]);
    const shapc_plot_options po = shapc_cli_render_titled(o, title);
    if (st == SHAPC_OK)
        st = shapc_plot_text(path, &po, (const char *const *)toks, phi, t_n,
                             (double)D->base[row * K + col], D->fx[row * K + col], err);
    for (size_t t = 0; toks && t < t_n; t++)
        free(toks[t]);
    free(toks);
    free(phi);
    return st;
}

/* vocab_importance.png: mean |phi| per word of the first column, top 20. */
shapc_status shapc_cli_render_vocabulary(const shapc_results *r, const char *path,
                                         shapc_error *err)
{
    shapc_results_word *w = NULL;
    size_t n = 0;
    shapc_status st = shapc_results_vocabulary(r, &w, &n, err);
    if (st != SHAPC_OK || n == 0) {
        shapc_results_vocabulary_free(w, n);
        return st;
    }
    shapc_plot_options po = shapc_plot_options_default();
    char title[256];
    const char **names = malloc(n * sizeof *names);
    double *imp = malloc(n * sizeof *imp);
    if (!names || !imp) {
        st = oom(err, path);
    } else {
        for (size_t i = 0; i < n; i++) {
            names[i] = w[i].word;
            imp[i] = w[i].mean_abs_phi[0];
        }
        snprintf(title, sizeof title, "mean |SHAP value| per word (%s)",
                 shapc_cli_render_column_name(r, 0));
        po.title = title;
        po.xlabel = "mean |SHAP value| over occurrences";
        po.max_display = VOCAB_PLOT_WORDS;
        st = shapc_plot_bar(path, &po, imp, n, names, err);
    }
    free((void *)names);
    free(imp);
    shapc_results_vocabulary_free(w, n);
    return st;
}

