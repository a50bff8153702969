/* alloc.h - the library's single allocation path and overflow-checked size arithmetic.
 *
 * Every allocation goes through shapc__malloc/calloc/realloc so tests can inject
 * out-of-memory failures (Lua's test allocator): in builds with SHAPC_ALLOC_FAILPOINTS the
 * calling thread's n-th allocation from now can be made to fail. The countdown is
 * thread-local, so it never couples two threads. */
#ifndef SHAPC_UTIL_ALLOC_H
#define SHAPC_UTIL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *shapc__malloc(size_t n);
void *shapc__calloc(size_t count, size_t size);
void *shapc__realloc(void *p, size_t n);
void shapc__free(void *p);
char *shapc__strdup(const char *s);
/* Scratch that grows: makes *(void **)p hold at least n elements of size sz, *have being the
 * elements it holds (contents are not kept). Returns 0 on overflow or allocation failure
 * (the old buffer is then still in place). */
int shapc__ensure(void *p, size_t *have, size_t n, size_t sz);

/* Makes the calling thread's allocation number `n` (1 = the next) fail; 0 disables.
 * A no-op unless built with SHAPC_ALLOC_FAILPOINTS. */
void shapc__alloc_fail_after(size_t n);

/* *out = a * b; returns 0 on overflow (and leaves *out unspecified), 1 otherwise. */
static inline int shapc__mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

/* *out = a + b; returns 0 on overflow. */
static inline int shapc__add_size(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return 0;
    *out = a + b;
    return 1;
}

#endif /* SHAPC_UTIL_ALLOC_H */
