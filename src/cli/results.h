/* results.h - a results directory (docs: results-directory contract) loaded for plotting:
 * the .npy arrays as doubles/floats and the names and shapes from summary.json. Used by
 * render.c (default plots), cmd_plot.c and cmd_report.c; only the public API is used. */
#ifndef SHAPC_CLI_RESULTS_H
#define SHAPC_CLI_RESULTS_H

#include <stddef.h>

#include "json_read.h"

typedef struct shapc_cli_results {
    size_t n, m, k, d, k_all;     /* rows, players, explained columns, inputs, model outputs */
    double *phi;                  /* (n, m, k) */
    double *base;                 /* (n, k) */
    float *pred;                  /* (n, k_all) raw model outputs */
    int *classes;                 /* (n, k) model output index of each column */
    float *inputs;                /* (n, d) or NULL */
    int *groups;                  /* (d), or (n, d) when groups_per_row (superpixels), or NULL
                                   * (identity); use shapc_cli_results_groups */
    int groups_per_row;
    float *player_values;         /* (n, m): feature value, or a group's mean input; or NULL */
    char **players;               /* (m) names */
    char **outputs;               /* (k_all) names */
    size_t *rows;                 /* (n) the input-file row of each explained row */
    size_t input_shape[4], input_rank;
    shapc_cli_jv *summary;        /* the parsed summary.json */
} shapc_cli_results;

/* A whole file as a NUL-terminated malloc'd string (*len bytes), or NULL. */
char *shapc_cli_read_text(const char *path, size_t *len);

/* Loads dir; on failure prints one line ("shapc: DIR/shap_values.npy: ...") and returns 1. */
int shapc_cli_results_load(const char *dir, shapc_cli_results *r);
void shapc_cli_results_free(shapc_cli_results *r);

/* Player of each input feature for row i: (d) entries, or NULL for identity. */
const int *shapc_cli_results_groups(const shapc_cli_results *r, size_t i);
/* phi of row i, column c as a contiguous (m) vector in out. */
void shapc_cli_results_phi(const shapc_cli_results *r, size_t i, size_t c, double *out);
/* Explained column whose mean |phi| over all rows is largest (the summary plot's choice). */
size_t shapc_cli_results_main_column(const shapc_cli_results *r);
/* Column of row i to draw for one instance: the model's predicted (argmax) output if it is
 * explained, else column 0. */
size_t shapc_cli_results_instance_column(const shapc_cli_results *r, size_t i);
/* 1 if the model input is an image: shape (H, W) or (H, W, C) with C 1 or 3. */
int shapc_cli_results_is_image(const shapc_cli_results *r, size_t *h, size_t *w, size_t *c);
/* 1 if every row of predictions looks like probabilities (in [0,1], summing to ~1). */
int shapc_cli_results_probabilities(const shapc_cli_results *r);

#endif
