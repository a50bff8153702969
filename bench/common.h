/* common.h - pieces the benchmarks share: timing, the 13-feature tabular MLP, and the
 * Fashion-MNIST model with its background, explained under given options. */
#ifndef SHAPC_BENCH_COMMON_H
#define SHAPC_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/shapc.h"

/* Python shap's KernelExplainer on the Fashion-MNIST work (784 pixels, background 100,
 * 2M + 2048 coalitions, L1 off), as the performance issue measured it on a 2-core machine.
 * shap is not packaged for Debian, so it is quoted, not re-measured. */
#define SHAP_SECONDS 3.9

double now(void);
void die(const shapc_error *err);

/* ---- a small tabular model ------------------------------------------------------------ *
 * 13 correlated features (a wine-like table: a latent factor plus noise), an MLP 13 -> 32 tanh
 * -> 3 softmax with fixed pseudo-random weights. */
typedef struct tab_mlp {
    float w1[32 * 13], b1[32], w2[3 * 32];
} tab_mlp;

uint64_t lcg(uint64_t *s);
double unif(uint64_t *s);
double gauss(uint64_t *s);
shapc_status tab_predict(void *user, const float *x, size_t n, float *out, shapc_error *e);
/* n rows of the table from the generator s. */
void tab_data(uint64_t *s, float *rows, size_t n);
/* The model's weights from the generator s. */
void tab_setup(tab_mlp *m, uint64_t *s);

/* ---- the seed's Fashion-MNIST MLP ------------------------------------------------------ */
typedef struct fm_data {
    shapc_model *model;
    shapc_array *img;
    const float *x, *bg;
    const float *bg_w;
    size_t d, k, n_bg;
    size_t groups[784];  /* 4x4 patches: 49 players */
    size_t groups7[784]; /* 7x7 patches: 16 players */
    int design;          /* the permutation estimator's design (kernel_impl.h perm_design) */
} fm_data;

void fm_load(fm_data *f, const char *model_path, const char *images);
void fm_free(fm_data *f);
/* Explains instances first .. first+n-1 with opt (grouped: 0 pixels, 1 4x4 patches, 2 7x7
 * patches) after untimed warm-up instances; returns seconds per instance and, if asked, the
 * values (n, G, k), their standard errors, and the model rows and samples per instance. */
double fm_explain(const fm_data *f, shapc_kernel_options opt, int grouped, size_t first, size_t n,
                  double *phi, double *se, size_t *rows, size_t *coalitions, int row_parallel);
/* Relative squared error ||phi - ref||^2 / ||ref||^2 of each instance, averaged. */
double rel_error(const double *phi, const double *ref, size_t n, size_t gk);

#endif
