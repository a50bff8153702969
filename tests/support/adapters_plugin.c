/* adapters_plugin.c - test plugin serving the linear model of adapters_linear.h through the
 * plugin ABI (include/shapc/plugin.h). Built twice by tests/CMakeLists.txt: once as is, once
 * with TEST_PLUGIN_ABI=99 to check that shapc refuses an ABI it does not know.
 * create(arg): "D,K" (default "5,2"); "fail" makes create fail. predict fails with a message
 * when x[0] == -999. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/plugin.h>

#include "adapters_linear.h"

#ifndef TEST_PLUGIN_ABI
#define TEST_PLUGIN_ABI SHAPC_PLUGIN_ABI_VERSION
#endif

typedef struct inst {
    unsigned d, k;
    char err[128];
} inst;

static void *t_create(const char *arg, char *errbuf, size_t errcap)
{
    inst *h;
    unsigned d = 5, k = 2;
    if (strcmp(arg, "fail") == 0) {
        snprintf(errbuf, errcap, "asked to fail");
        return NULL;
    }
    if (arg[0] && (sscanf(arg, "%u,%u", &d, &k) != 2 || d == 0 || k == 0)) {
        snprintf(errbuf, errcap, "argument '%s' is not D,K", arg);
        return NULL;
    }
    h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->d = d;
    h->k = k;
    return h;
}

static int t_describe(void *handle, shapc_plugin_shape *shape)
{
    static const char *const names[2] = {"no", "yes"};
    inst *h = handle;
    shape->d = h->d;
    shape->k = h->k;
    shape->input_rank = 1;
    shape->input_shape[0] = h->d;
    shape->output_names = h->k == 2 ? names : NULL;
    return 0;
}

static int t_predict(void *handle, const float *x, size_t n, float *out)
{
    inst *h = handle;
    if (x[0] == -999.0f) {
        snprintf(h->err, sizeof h->err, "row 0 holds the poison value");
        return 1;
    }
    test_linear_predict(x, n, h->d, h->k, out);
    return 0;
}

static const char *t_last_error(void *handle) { return ((inst *)handle)->err; }

static void t_destroy(void *handle) { free(handle); }

static const shapc_plugin_v1 table = {TEST_PLUGIN_ABI, sizeof(shapc_plugin_v1), "test-linear",
                                      t_create, t_describe, t_predict, t_last_error, t_destroy};

SHAPC_PLUGIN_EXPORT const shapc_plugin_v1 *shapc_plugin_entry(void);
SHAPC_PLUGIN_EXPORT const shapc_plugin_v1 *shapc_plugin_entry(void) { return &table; }
