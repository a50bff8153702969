/* utf8.c - strict UTF-8 decoding (RFC 3629), shared by the tokenizer, the text model's
 * vocabulary and the CSV header check. */
#include "util/utf8.h"

int shapc__utf8_decode(const unsigned char *s, size_t len, size_t *pos, uint32_t *cp,
                       const char **why)
{
    size_t i = *pos, need;
    uint32_t c = s[i], min;
    if (c < 0x80) {
        *cp = c;
        *pos = i + 1;
        return 0;
    }
    if (c < 0xC0) {
        *why = "unexpected continuation byte";
        return -1;
    } else if (c < 0xE0) {
        need = 1, min = 0x80, c &= 0x1F;
    } else if (c < 0xF0) {
        need = 2, min = 0x800, c &= 0x0F;
    } else if (c < 0xF8) {
        need = 3, min = 0x10000, c &= 0x07;
    } else {
        *why = "invalid lead byte";
        return -1;
    }
    if (need > len - i - 1) {
        *why = "truncated sequence";
        return -1;
    }
    for (size_t t = 1; t <= need; t++) {
        if ((s[i + t] & 0xC0) != 0x80) {
            *why = "truncated sequence";
            return -1;
        }
        c = c << 6 | (s[i + t] & 0x3F);
    }
    if (c < min) {
        *why = "overlong encoding";
        return -1;
    }
    if (c >= 0xD800 && c <= 0xDFFF) {
        *why = "UTF-16 surrogate";
        return -1;
    }
    if (c > 0x10FFFF) {
        *why = "code point above U+10FFFF";
        return -1;
    }
    *cp = c;
    *pos = i + 1 + need;
    return 0;
}

int shapc__utf8_validate(const unsigned char *s, size_t len, size_t *bad_at, const char **why)
{
    size_t pos = 0;
    uint32_t cp;
    while (pos < len) {
        if (shapc__utf8_decode(s, len, &pos, &cp, why) != 0) {
            *bad_at = pos;
            return -1;
        }
    }
    return 0;
}
