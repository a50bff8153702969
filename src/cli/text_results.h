/* text_results.h - a text model's results directory (docs/text.md) loaded for `shapc report`
 * and `shapc plot text`: summary.json, text_values.json and vocab_importance.json parsed and
 * checked, and the text plots drawn from them as `shapc explain` draws them. The HTML is
 * written by cmd_report.c, as for the other results (results.h). */
#ifndef SHAPC_CLI_TEXT_RESULTS_H
#define SHAPC_CLI_TEXT_RESULTS_H

#include <stddef.h>

#include <shapc/plot.h>

#include "json_read.h"

/* One entry of text_values.json, checked: every array has the length its comment gives and
 * the types shown, so readers index it without further checks. Pointers borrow from the
 * parsed file (shapc_cli_text_results.values). */
typedef struct shapc_cli_text_doc {
    size_t row, t;                     /* input-file line (from 0), tokens */
    const shapc_cli_jv *tokens;        /* (t) strings */
    const shapc_cli_jv *space;         /* (t) booleans: whitespace before the token */
    const shapc_cli_jv *vocab;         /* (t) booleans (in_vocab), or NULL if absent */
    const shapc_cli_jv *classes;       /* (k) whole numbers: model output of each column */
    const shapc_cli_jv *base, *fx;     /* (k) numbers */
    const shapc_cli_jv *phi, *se;      /* (t) arrays of (k) numbers; se may hold null (inf) */
    int exact;
    double n_evals;
} shapc_cli_text_doc;

typedef struct shapc_cli_text_results {
    shapc_cli_jv *summary;        /* summary.json (owned) */
    shapc_cli_jv *values;         /* text_values.json (owned) */
    shapc_cli_jv *vocab;          /* vocab_importance.json, or NULL when absent (owned); each
                                   * entry checked: word, count, mean_abs_phi (k),
                                   * mean_phi (k) */
    shapc_cli_text_doc *docs;     /* (n) */
    size_t n, k;                  /* documents (>= 1), explained columns (>= 1) */
    const char **outputs;         /* (n_outputs) output names, borrowed from summary */
    size_t n_outputs;
} shapc_cli_text_results;

/* 1 if dir holds a text model's results: summary.json says "kind": "text", or summary.json
 * cannot be read and text_values.json is there without shap_values.npy (loading then reports
 * what is wrong with summary.json). Prints nothing. */
int shapc_cli_text_results_found(const char *dir);

/* Loads and checks dir's text results into *t (free with shapc_cli_text_results_free, also
 * after a failure). summary.json and text_values.json are required, vocab_importance.json is
 * optional. Returns 0, or prints one line naming the file and the reason
 * ("shapc: out/text_values.json: byte 812: unexpected end") and returns 1. */
int shapc_cli_text_results_load(const char *dir, shapc_cli_text_results *t);
void shapc_cli_text_results_free(shapc_cli_text_results *t);

/* Draws document d's text plot for explained column col to path (PNG/SVG/PDF by extension).
 * o NULL: as `shapc explain` draws text_<row>.png (default options, titled "document N:
 * output"). Returns 0, or prints one line naming path and returns 1. */
int shapc_cli_text_plot(const char *path, const shapc_cli_text_results *t,
                        const shapc_cli_text_doc *d, size_t col, const shapc_plot_options *o);

/* Draws into dir, as `shapc explain` does, the plots a report of the first `shown` documents
 * embeds that are missing: text_<row>.png (first explained column) for each document with
 * tokens and vocab_importance.png. Returns 0, or prints one line and returns 1. */
int shapc_cli_text_results_draw_missing(const char *dir, const shapc_cli_text_results *t,
                                        size_t shown);

/* The name of model output cls, or "output N" written into tmp (cap >= 32) if it has none. */
const char *shapc_cli_text_output_name(const shapc_cli_text_results *t, double cls, char *tmp,
                                       size_t cap);
/* A label for explained column c over all documents: "predicted class" with --class
 * predicted (each document's own), else the output's name. */
const char *shapc_cli_text_column_name(const shapc_cli_text_results *t, size_t c, char *tmp,
                                       size_t cap);
/* Element (i, c) of a per-token matrix (phi, se) as a number; NAN for null. */
double shapc_cli_text_value(const shapc_cli_jv *m, size_t i, size_t c);

#endif
