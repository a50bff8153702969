/* alloc.c - see alloc.h. */
#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef SHAPC_ALLOC_FAILPOINTS
static _Thread_local size_t fail_countdown; /* per thread: no cross-thread coupling */

static int should_fail(void)
{
    if (fail_countdown == 0)
        return 0;
    return --fail_countdown == 0;
}
#else
static int should_fail(void) { return 0; }
#endif

void shapc__alloc_fail_after(size_t n)
{
#ifdef SHAPC_ALLOC_FAILPOINTS
    fail_countdown = n;
#else
    (void)n;
#endif
}

void *shapc__malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *shapc__calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    if (count == 0 || size == 0)
        count = size = 1;
    return calloc(count, size);
}

void *shapc__realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void shapc__free(void *p) { free(p); }

char *shapc__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = shapc__malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int shapc__ensure(void *p, size_t *have, size_t n, size_t sz)
{
    void **pp = p;
    if (*pp && n <= *have)
        return 1;
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / sz)
        return 0;
    void *q = shapc__malloc(n * sz);
    if (!q)
        return 0;
    shapc__free(*pp);
    *pp = q;
    *have = n;
    return 1;
}
