/* models.h - test models with independent references, shared by the explainer's tests:
 * a linear model (closed-form Shapley values), a small tanh MLP with a brute-force Shapley sum
 * over all coalitions (the textbook formula, not a regression), and a native dense model. */
#ifndef SHAPC_TEST_MODELS_H
#define SHAPC_TEST_MODELS_H

#include <stddef.h>

#include "shapc/kernel.h"
#include "shapc/model.h"

typedef struct linear {
    size_t d, k;
    double w[96 * 3];
    double c[3];
} linear;
/* out = c + W x, in double, rounded to float. user: a linear. */
shapc_status linear_predict(void *user, const float *x, size_t n, float *out, shapc_error *err);

/* Small nonlinear multi-output net: h = tanh(W1 x + b1), out = softmax(W2 h). Interactions
 * between features make the Shapley values depend on every coalition. */
typedef struct mlp {
    size_t d, h, k;
    double w1[16 * 12], b1[16], w2[3 * 16];
    int unused_feature; /* -1, or a feature the model ignores */
} mlp;
void mlp_eval(const mlp *m, const double *x, double *out);
shapc_status mlp_predict(void *user, const float *x, size_t n, float *out, shapc_error *err);
/* Random weights from seed; d <= 12 features, 16 hidden, 3 outputs. */
void mlp_init(mlp *m, size_t d, unsigned seed);
/* A callback model over m (borrowed). */
shapc_model *mlp_model(mlp *m);

/* Uniform in [0, 1) from a small LCG. */
double urand(unsigned *state);
/* The explainer's link, independently. */
double link_of(shapc_link link, double p);

/* phi (d, k): v(S) = link(sum_j bw_j f(x_S, b_j)), phi_i = sum_S |S|!(M-|S|-1)!/M!
 * (v(S+i) - v(S)), every feature a player. */
void brute_force(const mlp *m, const float *x, const float *bg, const double *bw, size_t n_bg,
                 shapc_link link, double *phi);

/* The same for any model, with features grouped into m players (group_of (d), NULL: one
 * player per feature; m <= 24): phi (m, k). */
void brute_force_model(const shapc_model *model, const float *x, const float *bg,
                       const double *bw, size_t n_bg, const size_t *group_of, size_t m,
                       shapc_link link, double *phi);

/* The standard fixture: x (d) and NBG background rows (NBG, d) uniform in [-1, 1), weighted
 * by bg_weights (normalised_weights gives them summing to 1). */
#define NBG 5
extern const float bg_weights[NBG];
void make_data(size_t d, unsigned seed, float *x, float *bg);
void normalised_weights(double *bw);
/* Explains x against the fixture background with opt; phi, se (d, k) or NULL. */
void explain_mlp(mlp *m, const float *x, const float *bg, shapc_kernel_options opt,
                 double *phi, double *se, double *fx, shapc_kernel_info *info);

/* A native model (dense 24 relu -> dense 3 softmax, with preprocessing) built from a spec,
 * d <= 40. */
shapc_model *native_model(size_t d, unsigned seed);

#endif
