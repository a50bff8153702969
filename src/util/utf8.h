/* utf8.h - strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF), for every module that must accept only valid text (tokens, vocabulary words,
 * CSV feature names that end up in JSON). */
#ifndef SHAPC_UTIL_UTF8_H
#define SHAPC_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point at s[*pos] (with *pos < len) and advances *pos. Returns 0 and the
 * code point in *cp, or -1 with a static reason in *why, *pos unchanged. */
int shapc__utf8_decode(const unsigned char *s, size_t len, size_t *pos, uint32_t *cp,
                       const char **why);

/* Returns 0 if len bytes at s are valid UTF-8, else -1 with the byte offset and reason. */
int shapc__utf8_validate(const unsigned char *s, size_t len, size_t *bad_at, const char **why);

#endif /* SHAPC_UTIL_UTF8_H */
