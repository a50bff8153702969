/* models.c - the test models and references shared by test_kernel.c and test_estimators.c
 * (see models.h). */
#include "models.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

shapc_status linear_predict(void *user, const float *x, size_t n, float *out, shapc_error *err)
{
    const linear *m = user;
    (void)err;
    for (size_t r = 0; r < n; r++)
        for (size_t o = 0; o < m->k; o++) {
            double s = m->c[o];
            for (size_t i = 0; i < m->d; i++)
                s += m->w[o * m->d + i] * (double)x[r * m->d + i];
            out[r * m->k + o] = (float)s;
        }
    return SHAPC_OK;
}

void mlp_eval(const mlp *m, const double *x, double *out)
{
    double hid[16], z[3], mx = -1e300, s = 0.0;
    for (size_t j = 0; j < m->h; j++) {
        double a = m->b1[j];
        for (size_t i = 0; i < m->d; i++)
            if ((int)i != m->unused_feature)
                a += m->w1[j * m->d + i] * x[i];
        hid[j] = tanh(a);
    }
    for (size_t o = 0; o < m->k; o++) {
        z[o] = 0.0;
        for (size_t j = 0; j < m->h; j++)
            z[o] += m->w2[o * m->h + j] * hid[j];
        if (z[o] > mx)
            mx = z[o];
    }
    for (size_t o = 0; o < m->k; o++)
        s += (z[o] = exp(z[o] - mx));
    for (size_t o = 0; o < m->k; o++)
        out[o] = z[o] / s;
}

shapc_status mlp_predict(void *user, const float *x, size_t n, float *out, shapc_error *err)
{
    const mlp *m = user;
    (void)err;
    for (size_t r = 0; r < n; r++) {
        double xd[12], o[3];
        for (size_t i = 0; i < m->d; i++)
            xd[i] = (double)x[r * m->d + i];
        mlp_eval(m, xd, o);
        for (size_t c = 0; c < m->k; c++)
            out[r * m->k + c] = (float)o[c];
    }
    return SHAPC_OK;
}

double urand(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return ((*state >> 8) & 0xFFFFFF) / (double)0x1000000;
}

void mlp_init(mlp *m, size_t d, unsigned seed)
{
    memset(m, 0, sizeof *m);
    m->d = d;
    m->h = 16;
    m->k = 3;
    m->unused_feature = -1;
    for (size_t i = 0; i < m->h * d; i++)
        m->w1[i] = 2.0 * urand(&seed) - 1.0;
    for (size_t i = 0; i < m->h; i++)
        m->b1[i] = urand(&seed) - 0.5;
    for (size_t i = 0; i < m->k * m->h; i++)
        m->w2[i] = 3.0 * urand(&seed) - 1.5;
}

/* ---- brute-force reference ---------------------------------------------------------------
 * v(S) = link(sum_j w_j f(x_S, b_j)), phi_i = sum_S |S|!(M-|S|-1)!/M! (v(S+i) - v(S)). */
double link_of(shapc_link link, double p)
{
    if (link == SHAPC_LINK_LOGIT) {
        p = p < 1e-7 ? 1e-7 : (p > 1 - 1e-7 ? 1 - 1e-7 : p);
        return log(p / (1 - p));
    }
    return p;
}

void brute_force(const mlp *m, const float *x, const float *bg, const double *bw, size_t n_bg,
                 shapc_link link, double *phi /* (d, k) */)
{
    const size_t d = m->d, k = m->k;
    const size_t n_sets = (size_t)1 << d;
    double *v = calloc(n_sets * k, sizeof *v);
    double fact[13] = {1};
    for (size_t i = 1; i <= 12; i++)
        fact[i] = fact[i - 1] * (double)i;
    for (size_t s = 0; s < n_sets; s++) {
        double acc[3] = {0, 0, 0};
        for (size_t j = 0; j < n_bg; j++) {
            double row[12], out[3];
            for (size_t i = 0; i < d; i++)
                row[i] = (double)((s >> i & 1) ? x[i] : bg[j * d + i]);
            /* Evaluate in float like the adapter does, to compare like with like. */
            float rf[12], of[3];
            for (size_t i = 0; i < d; i++)
                rf[i] = (float)row[i];
            mlp_predict((void *)(uintptr_t)m, rf, 1, of, NULL);
            for (size_t o = 0; o < k; o++)
                out[o] = (double)of[o];
            for (size_t o = 0; o < k; o++)
                acc[o] += bw[j] * out[o];
        }
        for (size_t o = 0; o < k; o++)
            v[s * k + o] = link_of(link, acc[o]);
    }
    memset(phi, 0, d * k * sizeof *phi);
    for (size_t i = 0; i < d; i++)
        for (size_t s = 0; s < n_sets; s++) {
            if (s >> i & 1)
                continue;
            size_t size = (size_t)__builtin_popcountll(s);
            double w = fact[size] * fact[d - size - 1] / fact[d];
            for (size_t o = 0; o < k; o++)
                phi[i * k + o] += w * (v[(s | ((size_t)1 << i)) * k + o] - v[s * k + o]);
        }
    free(v);
}

/* ---- fixtures ------------------------------------------------------------------------- */

void make_data(size_t d, unsigned seed, float *x, float *bg)
{
    for (size_t i = 0; i < d; i++)
        x[i] = (float)(2.0 * urand(&seed) - 1.0);
    for (size_t j = 0; j < NBG * d; j++)
        bg[j] = (float)(2.0 * urand(&seed) - 1.0);
}

shapc_model *mlp_model(mlp *m)
{
    shapc_model *model = NULL;
    assert_int_equal(shapc_model_create(m->d, m->k, mlp_predict, m, NULL, &model, NULL), SHAPC_OK);
    return model;
}

const float bg_weights[NBG] = {1, 2, 1, 3, 0.5f};

void explain_mlp(mlp *m, const float *x, const float *bg, shapc_kernel_options opt, double *phi,
                 double *se, double *fx, shapc_kernel_info *info)
{
    shapc_model *model = mlp_model(m);
    shapc_kernel *kr = NULL;
    shapc_error err = {0};
    assert_int_equal(shapc_kernel_create(model, bg, NBG, bg_weights, &opt, &kr, &err), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(kr, x, phi, se, fx, info, &err), SHAPC_OK);
    shapc_kernel_free(kr);
    shapc_model_free(model);
}

void normalised_weights(double *bw)
{
    double s = 0;
    for (int j = 0; j < NBG; j++)
        s += (double)bg_weights[j];
    for (int j = 0; j < NBG; j++)
        bw[j] = (double)bg_weights[j] / s;
}

/* A native model (dense relu -> dense softmax, with preprocessing) built from a spec. */
shapc_model *native_model(size_t d, unsigned seed)
{
    /* The spec is copied by shapc_model_from_spec: these only need to live for the call. */
    float w1[24 * 40], b1[24], w2[3 * 24], b2[3] = {0, 0, 0}, off[40];
    for (size_t i = 0; i < 24 * d; i++)
        w1[i] = (float)(urand(&seed) - 0.5);
    for (size_t i = 0; i < 24; i++)
        b1[i] = (float)(urand(&seed) - 0.5);
    for (size_t i = 0; i < 72; i++)
        w2[i] = (float)(2.0 * urand(&seed) - 1.0);
    for (size_t i = 0; i < d; i++)
        off[i] = (float)(0.1 * urand(&seed));
    shapc_layer_spec layers[2] = {
        {SHAPC_LAYER_DENSE, d, 24, w1, b1, SHAPC_ACT_RELU},
        {SHAPC_LAYER_DENSE, 24, 3, w2, b2, SHAPC_ACT_SOFTMAX},
    };
    shapc_model_spec spec = shapc_model_spec_default();
    spec.input_rank = 1;
    spec.input_shape[0] = d;
    spec.input_scale = 0.5f;
    spec.input_offset = off;
    spec.n_layers = 2;
    spec.layers = layers;
    shapc_model *m = NULL;
    assert_int_equal(shapc_model_from_spec(&spec, &m, NULL), SHAPC_OK);
    return m;
}

void brute_force_model(const shapc_model *model, const float *x, const float *bg,
                       const double *bw, size_t n_bg, const size_t *group_of, size_t m,
                       shapc_link link, double *phi)
{
    const size_t d = shapc_model_n_inputs(model), k = shapc_model_n_outputs(model);
    const size_t n_sets = (size_t)1 << m;
    double *v = calloc(n_sets * k, sizeof *v);
    float *row = malloc(d * sizeof *row), *out = malloc(k * sizeof *out);
    assert_non_null(v);
    assert_non_null(row);
    assert_non_null(out);
    double fact[25] = {1};
    for (size_t i = 1; i <= 24; i++)
        fact[i] = fact[i - 1] * (double)i;
    for (size_t s = 0; s < n_sets; s++) {
        for (size_t j = 0; j < n_bg; j++) {
            for (size_t i = 0; i < d; i++) {
                const size_t g = group_of ? group_of[i] : i;
                row[i] = (s >> g & 1) ? x[i] : bg[j * d + i];
            }
            assert_int_equal(shapc_model_predict(model, row, 1, out, NULL), SHAPC_OK);
            for (size_t o = 0; o < k; o++)
                v[s * k + o] += bw[j] * (double)out[o];
        }
        for (size_t o = 0; o < k; o++)
            v[s * k + o] = link_of(link, v[s * k + o]);
    }
    memset(phi, 0, m * k * sizeof *phi);
    for (size_t i = 0; i < m; i++)
        for (size_t s = 0; s < n_sets; s++) {
            if (s >> i & 1)
                continue;
            const size_t size = (size_t)__builtin_popcountll(s);
            const double w = fact[size] * fact[m - size - 1] / fact[m];
            for (size_t o = 0; o < k; o++)
                phi[i * k + o] += w * (v[(s | ((size_t)1 << i)) * k + o] - v[s * k + o]);
        }
    free(v);
    free(row);
    free(out);
}
