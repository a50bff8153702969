/* logistic_plugin.c - a sample shapc model plugin: a logistic scoring rule
 * p = sigmoid(b + sum_i w_i x_i), built as libshapc_sample_plugin.so.
 *
 *   shapc explain --model-plugin ./libshapc_sample_plugin.so --plugin-arg "0.5,-1,2,0.25,0.1" ...
 *
 * The argument lists the weights and then the bias ("w1,...,wd,b"); without one the plugin
 * serves a 4-feature credit rule. Everything a plugin needs is in <shapc/plugin.h>; it does
 * not link against shapc. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/plugin.h>

#define MAX_FEATURES 4096

typedef struct rule {
    unsigned d;
    double w[MAX_FEATURES], b;
    char err[256];
} rule;

static void *rule_create(const char *arg, char *errbuf, size_t errcap)
{
    static const char *const fallback = "0.8,-1.2,0.3,-2.0,0.5"; /* income, debt, age, late */
    double v[MAX_FEATURES + 1];
    unsigned n = 0;
    const char *s = arg[0] ? arg : fallback;
    rule *r;
    while (*s) {
        char *end;
        if (n == MAX_FEATURES + 1) {
            snprintf(errbuf, errcap, "more than %d weights", MAX_FEATURES);
            return NULL;
        }
        errno = 0;
        v[n] = strtod(s, &end);
        if (end == s || errno || !isfinite(v[n]) || (*end && *end != ',')) {
            snprintf(errbuf, errcap, "'%s' is not a comma-separated list of numbers", arg);
            return NULL;
        }
        n++;
        s = *end ? end + 1 : end;
    }
    if (n < 2) {
        snprintf(errbuf, errcap, "need at least one weight and the bias, got '%s'", arg);
        return NULL;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(errbuf, errcap, "out of memory");
        return NULL;
    }
    r->d = n - 1;
    memcpy(r->w, v, r->d * sizeof *v);
    r->b = v[n - 1];
    return r;
}

static int rule_describe(void *handle, shapc_plugin_shape *shape)
{
    static const char *const names[1] = {"p(default)"};
    const rule *r = handle;
    shape->d = r->d;
    shape->k = 1;
    shape->output_names = names;
    return 0;
}

static int rule_predict(void *handle, const float *x, size_t n, float *out)
{
    rule *r = handle;
    for (size_t i = 0; i < n; i++) {
        double z = r->b;
        for (unsigned j = 0; j < r->d; j++)
            z += r->w[j] * (double)x[i * r->d + j];
        if (!isfinite(z)) {
            snprintf(r->err, sizeof r->err, "row %zu: non-finite score", i);
            return 1;
        }
        /* split by sign so exp() never overflows */
        out[i] = (float)(z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z)));
    }
    return 0;
}

static const char *rule_last_error(void *handle) { return ((rule *)handle)->err; }

static void rule_destroy(void *handle) { free(handle); }

static const shapc_plugin_v1 table = {
    SHAPC_PLUGIN_ABI_VERSION, sizeof(shapc_plugin_v1), "logistic",
    rule_create, rule_describe, rule_predict, rule_last_error, rule_destroy,
};

SHAPC_PLUGIN_EXPORT const shapc_plugin_v1 *shapc_plugin_entry(void);
SHAPC_PLUGIN_EXPORT const shapc_plugin_v1 *shapc_plugin_entry(void) { return &table; }
