/* io_internal.h - byte-order and errno helpers shared by the data module's readers/writers.
 *
 * File formats fix their byte order (IDX big-endian, NPY little-endian as we write it), so
 * multi-byte fields are assembled byte by byte and element blocks are swapped only when the
 * host order differs: the code is correct on either kind of host. Files including this must
 * define _POSIX_C_SOURCE (for the XSI strerror_r) before any system header. */
#ifndef SHAPC_DATA_IO_INTERNAL_H
#define SHAPC_DATA_IO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline int shapc__host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

static inline uint32_t shapc__load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void shapc__store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static inline uint32_t shapc__load_le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | (uint32_t)p[0];
}

static inline void shapc__store_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Reverses the bytes of each of `count` elements of `elsize` bytes (no-op for 1-byte). */
static inline void shapc__swap_elements(void *data, size_t count, size_t elsize)
{
    unsigned char *p = data;
    size_t i, j;
    if (elsize < 2)
        return;
    for (i = 0; i < count; i++, p += elsize) {
        for (j = 0; j < elsize / 2; j++) {
            unsigned char t = p[j];
            p[j] = p[elsize - 1 - j];
            p[elsize - 1 - j] = t;
        }
    }
}

/* "(a, b, c)" into buf (truncated with "..." when cap is short): messages show the shape a
 * header promises, so "the product overflows" can be checked against the file's intent. */
static inline const char *shapc__shape_text(const size_t *shape, size_t rank, char *buf,
                                            size_t cap)
{
    size_t used = 0, i;
    int n;
    if (cap < 8)
        return "";
    buf[used++] = '(';
    for (i = 0; i < rank; i++) {
        n = snprintf(buf + used, cap - used, "%s%zu", i ? ", " : "", shape[i]);
        if (n < 0 || (size_t)n >= cap - used - 1) {
            memcpy(buf + cap - 5, "...)", 5);
            return buf;
        }
        used += (size_t)n;
    }
    snprintf(buf + used, cap - used, "%s)", rank == 1 ? "," : "");
    return buf;
}

/* Thread-safe errno text (strerror is not). */
static inline const char *shapc__errno_text(int errnum, char *buf, size_t cap)
{
    if (strerror_r(errnum, buf, cap) != 0)
        snprintf(buf, cap, "error %d", errnum);
    return buf;
}

#endif /* SHAPC_DATA_IO_INTERNAL_H */
