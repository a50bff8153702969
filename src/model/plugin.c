/* plugin.c - the plugin model adapter: a shared object implementing include/shapc/plugin.h,
 * loaded with dlopen and driven through its versioned function table.
 *
 * The ABI version is read before any other field of the table, so a plugin built for a later
 * (or garbage) table is refused with a clear message instead of being called through the
 * wrong layout. RTLD_LOCAL keeps the plugin's symbols from resolving other plugins' names. */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "model/model_impl.h"
#include "shapc/plugin.h"
#include "util/alloc.h"

typedef struct plug {
    void *dl;                   /* dlopen handle */
    const shapc_plugin_v1 *t;   /* the plugin's table (static storage in the plugin) */
    void *h;                    /* the plugin's instance, or NULL */
    char *path;                 /* owned copy, for messages */
    pthread_mutex_t mu;
} plug;

static shapc_status plug_predict(void *user, const float *x, size_t n, float *out,
                                 shapc_error *err)
{
    plug *p = user;
    int rc;
    pthread_mutex_lock(&p->mu);
    rc = p->t->predict(p->h, x, n, out);
    if (rc != 0) {
        const char *why = p->t->last_error ? p->t->last_error(p->h) : NULL;
        shapc_error_set(err, SHAPC_EMODEL, "model plugin %s: predict failed (%d): %s", p->path,
                        rc, why && why[0] ? why : "no message");
    }
    pthread_mutex_unlock(&p->mu);
    return rc != 0 ? SHAPC_EMODEL : SHAPC_OK;
}

static void plug_free(void *user)
{
    plug *p = user;
    if (!p)
        return;
    if (p->h && p->t->destroy)
        p->t->destroy(p->h);
    if (p->dl)
        dlclose(p->dl);
    pthread_mutex_destroy(&p->mu);
    shapc__free(p->path);
    shapc__free(p);
}

/* "plugin logistic (./libx.so): 4 -> 1" */
static shapc_status set_describe(shapc_model *m, const plug *p)
{
    char label[400];
    snprintf(label, sizeof label, "plugin %s (%.300s)", p->t->name ? p->t->name : "?",
             p->path);
    return shapc__model_set_kind_label(m, label);
}

/* Checks the table and the shapes, creates the model; p is owned by the model on success. */
static shapc_status wrap(plug *p, const char *arg, shapc_model **out, shapc_error *err)
{
    shapc_plugin_shape sh;
    shapc_model *m = NULL;
    char ebuf[512];
    shapc_status st;

    if (p->t->abi_version != SHAPC_PLUGIN_ABI_VERSION)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "model plugin %s: ABI version %u, this "
                               "shapc supports version %u (rebuild the plugin against this "
                               "shapc/plugin.h)", p->path, p->t->abi_version,
                               SHAPC_PLUGIN_ABI_VERSION);
    if (p->t->struct_size < sizeof(shapc_plugin_v1))
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "model plugin %s: function table of %u "
                               "bytes, version 1 needs %zu", p->path, p->t->struct_size,
                               sizeof(shapc_plugin_v1));
    if (!p->t->create || !p->t->describe || !p->t->predict || !p->t->destroy)
        return shapc_error_set(err, SHAPC_EMODEL, "model plugin %s: the function table has a "
                               "NULL create, describe, predict or destroy", p->path);
    ebuf[0] = '\0';
    p->h = p->t->create(arg ? arg : "", ebuf, sizeof ebuf);
    ebuf[sizeof ebuf - 1] = '\0';
    if (!p->h)
        return shapc_error_set(err, SHAPC_EMODEL, "model plugin %s: create(\"%.100s\") failed: %s",
                               p->path, arg ? arg : "", ebuf[0] ? ebuf : "no message");
    memset(&sh, 0, sizeof sh);
    if (p->t->describe(p->h, &sh) != 0) {
        const char *why = p->t->last_error ? p->t->last_error(p->h) : NULL;
        return shapc_error_set(err, SHAPC_EMODEL, "model plugin %s: describe failed: %s",
                               p->path, why && why[0] ? why : "no message");
    }
    if (sh.d == 0 || sh.k == 0 || sh.input_rank > SHAPC_PLUGIN_MAX_RANK)
        return shapc_error_set(err, SHAPC_EMODEL, "model plugin %s: describe gave d = %u, "
                               "k = %u, rank %u (need d, k >= 1 and rank <= %d)", p->path,
                               sh.d, sh.k, sh.input_rank, SHAPC_PLUGIN_MAX_RANK);
    if (sh.output_names) {
        for (uint32_t i = 0; i < sh.k; i++)
            if (!sh.output_names[i])
                return shapc_error_set(err, SHAPC_EMODEL, "model plugin %s: output name %u is "
                                       "NULL", p->path, i);
    }
    st = shapc_model_create(sh.d, sh.k, plug_predict, p, NULL, &m, err);
    if (st != SHAPC_OK)
        return st;
    if (sh.input_rank > 0) {
        size_t shape[SHAPC_PLUGIN_MAX_RANK];
        for (uint32_t i = 0; i < sh.input_rank; i++)
            shape[i] = sh.input_shape[i];
        st = shapc_model_set_input_shape(m, sh.input_rank, shape, err);
        if (st != SHAPC_OK)
            shapc_error_prefix(err, p->path);
    }
    if (st == SHAPC_OK && sh.output_names)
        st = shapc_model_set_output_names(m, sh.output_names, err);
    if (st == SHAPC_OK && set_describe(m, p) != SHAPC_OK)
        st = shapc_error_set(err, SHAPC_ENOMEM, "model plugin %s: out of memory", p->path);
    if (st != SHAPC_OK) {
        shapc_model_free(m); /* user_free not attached yet: p stays ours */
        return st;
    }
    /* Only now does the model take p, so every failure above has one release path. */
    m->user_free = plug_free;
    *out = m;
    return SHAPC_OK;
}

shapc_status shapc_model_open_plugin(const char *path, const char *arg, shapc_model **out,
                                     shapc_error *err)
{
    shapc_plugin_entry_fn entry;
    void *sym;
    plug *p;
    shapc_status st;

    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_open_plugin: out is NULL");
    *out = NULL;
    if (!path || !path[0])
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_model_open_plugin: empty path");
    p = shapc__calloc(1, sizeof *p);
    if (!p)
        return shapc_error_set(err, SHAPC_ENOMEM, "model plugin %s: out of memory", path);
    p->path = shapc__strdup(path);
    if (!p->path || pthread_mutex_init(&p->mu, NULL) != 0) {
        shapc__free(p->path);
        shapc__free(p);
        return shapc_error_set(err, SHAPC_ENOMEM, "model plugin %s: out of memory", path);
    }
    p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl) {
        const char *why = dlerror();
        st = shapc_error_set(err, SHAPC_EIO, "model plugin %s: cannot load: %s", path,
                             why ? why : "dlopen failed");
        plug_free(p);
        return st;
    }
    dlerror();
    sym = dlsym(p->dl, SHAPC_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        st = shapc_error_set(err, SHAPC_EIO, "model plugin %s: no symbol %s (is it a shapc "
                             "plugin?)", path, SHAPC_PLUGIN_ENTRY_SYMBOL);
        plug_free(p);
        return st;
    }
    /* ISO C forbids object-to-function pointer casts; POSIX guarantees this copy works. */
    memcpy(&entry, &sym, sizeof entry);
    p->t = entry();
    if (!p->t) {
        st = shapc_error_set(err, SHAPC_EMODEL, "model plugin %s: %s() returned NULL", path,
                             SHAPC_PLUGIN_ENTRY_SYMBOL);
        plug_free(p);
        return st;
    }
    st = wrap(p, arg, out, err);
    if (st != SHAPC_OK)
        plug_free(p);
    return st;
}
