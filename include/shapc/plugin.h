/* plugin.h - the C ABI of a shapc model plugin (a shared object loaded with dlopen).
 *
 * A plugin exports one symbol, shapc_plugin_entry, returning a pointer to a static table of
 * function pointers. shapc reads abi_version first and refuses a table whose version it does
 * not know, so the table may grow in later versions without breaking old plugins. This header
 * is self-contained: a plugin includes it and does not link against shapc.
 *
 *     #include <shapc/plugin.h>
 *     static const shapc_plugin_v1 table = {SHAPC_PLUGIN_ABI_VERSION, sizeof table, "mine",
 *                                           my_create, my_describe, my_predict,
 *                                           my_last_error, my_destroy};
 *     SHAPC_PLUGIN_EXPORT const shapc_plugin_v1 *shapc_plugin_entry(void) { return &table; }
 *
 * Life cycle, as shapc drives it: entry() once; create(arg) once; describe() once; predict()
 * any number of times, never concurrently for one handle; destroy() once. Strings returned
 * by the plugin are owned by it and must stay valid until the next call on the same handle
 * (output names: until destroy). docs/adapters.md has a complete example. */
#ifndef SHAPC_PLUGIN_H
#define SHAPC_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHAPC_PLUGIN_ABI_VERSION 1u
#define SHAPC_PLUGIN_ENTRY_SYMBOL "shapc_plugin_entry"
#define SHAPC_PLUGIN_MAX_RANK 4

#if defined(__GNUC__)
#define SHAPC_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SHAPC_PLUGIN_EXPORT
#endif

/* What describe() fills in. shapc zero-initialises it before the call. */
typedef struct shapc_plugin_shape {
    uint32_t d;                                  /* inputs per row, >= 1 */
    uint32_t k;                                  /* outputs per row, >= 1 */
    uint32_t input_rank;                         /* 0 = plain vector (d); else 1..4 */
    uint32_t input_shape[SHAPC_PLUGIN_MAX_RANK]; /* product = d, e.g. {28, 28, 1} (HxWxC) */
    const char *const *output_names;             /* (k) UTF-8 or NULL for "0", "1", ...;
                                                  * owned by the plugin, copied by shapc */
} shapc_plugin_shape;

/* Version 1 of the table. All functions return 0 on success and non-zero on failure,
 * except create (NULL on failure) and last_error/destroy. */
typedef struct shapc_plugin_v1 {
    uint32_t abi_version; /* SHAPC_PLUGIN_ABI_VERSION; read before anything else */
    uint32_t struct_size; /* sizeof(shapc_plugin_v1) as the plugin was compiled */
    const char *name;     /* short name for messages and descriptions, e.g. "logistic" */

    /* Creates an instance from a free-form argument string ("" when none was given; e.g. a
     * weights path). On failure returns NULL and may write a NUL-terminated message into
     * errbuf (errcap bytes, errcap >= 256). */
    void *(*create)(const char *arg, char *errbuf, size_t errcap);

    /* Reports the shapes of the instance. */
    int (*describe)(void *handle, shapc_plugin_shape *shape);

    /* x: (n, d) row-major float32, borrowed for the call; out: (n, k) row-major float32 to
     * fill. n >= 1. Outputs must be finite (shapc rejects NaN/Inf). */
    int (*predict)(void *handle, const float *x, size_t n, float *out);

    /* Message for the last failure on this handle, or NULL. */
    const char *(*last_error)(void *handle);

    /* Releases the instance; shapc dlcloses the library afterwards. */
    void (*destroy)(void *handle);
} shapc_plugin_v1;

/* The one exported symbol. Its type, for dlsym users. */
typedef const shapc_plugin_v1 *(*shapc_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_PLUGIN_H */
