/* tokenizer.c - the UTF-8 tokenizer of text models (include/shapc/text.h, docs/text.md).
 *
 * Deliberately small and predictable rather than linguistically clever: the same rules run
 * when a model is trained (samples/sentiment) and when it is explained, so a vocabulary word
 * always matches the token the explainer shows. Rules, per code point:
 *   - whitespace and control characters end the current word;
 *   - CJK ideographs, hiragana and katakana are single-character tokens (Chinese and Japanese
 *     are written without spaces, so a "word" would be a whole clause);
 *   - letters, digits, marks and other scripts extend the current word, lower-cased;
 *   - an ASCII apostrophe between two word characters stays inside the word ("don't");
 *   - every other character (ASCII and Unicode punctuation, symbols) is its own token. */
#include <string.h>

#include "model/tokenizer.h"
#include "shapc/text.h"
#include "util/alloc.h"

/* ======================================================================================== */
/* character classes                                                                        */
/* ======================================================================================== */

typedef enum cclass { C_SPACE, C_WORD, C_SINGLE } cclass;

static int is_space(uint32_t c)
{
    return c <= 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 ||
           c == 0xFEFF;
}

/* CJK ideographs, kana and their compatibility forms: one token per character. */
static int is_cjk(uint32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
           (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF66 && c <= 0xFF9F) ||
           (c >= 0x20000 && c <= 0x3FFFF);
}

/* Punctuation and symbols outside ASCII that stand alone. */
static int is_punct(uint32_t c)
{
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 c == '_');
    return (c >= 0xA1 && c <= 0xBF && c != 0xAA && c != 0xB2 && c != 0xB3 && c != 0xB5 &&
            c != 0xB9 && c != 0xBA && c != 0xBC && c != 0xBD && c != 0xBE) ||
           c == 0xD7 || c == 0xF7 || (c >= 0x2010 && c <= 0x205E) ||
           (c >= 0x20A0 && c <= 0x20CF) || (c >= 0x2100 && c <= 0x2BFF) ||
           (c >= 0x3001 && c <= 0x303F) || (c >= 0xFF01 && c <= 0xFF0F) ||
           (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
           (c >= 0xFF5B && c <= 0xFF65) || (c >= 0x1F000 && c <= 0x1FAFF);
}

static cclass classify(uint32_t c)
{
    if (is_space(c))
        return C_SPACE;
    if (is_cjk(c) || is_punct(c))
        return C_SINGLE;
    return C_WORD;
}

/* Simple lower-casing: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals. */
static uint32_t to_lower(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c < 0xC0)
        return c;
    if (c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        /* Pairs capital/small alternate, with the parity flipping at U+0139..U+0148 and
         * U+0179..U+017E; U+0130 (I with dot) and U+0138, U+0149, U+017F have no pair here. */
        if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
            return c;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c & 1) ? c + 1 : c;
        if (c == 0x178)
            return 0xFF;
        return (c & 1) ? c : c + 1;
    }
    if ((c >= 0x391 && c <= 0x3A9 && c != 0x3A2))
        return c + 32;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    return c;
}

static size_t utf8_encode(uint32_t c, unsigned char *out)
{
    if (c < 0x80) {
        out[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (unsigned char)(0xC0 | c >> 6);
        out[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (unsigned char)(0xE0 | c >> 12);
        out[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        out[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | c >> 18);
    out[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
    out[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
    out[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* ======================================================================================== */
/* tokenizing                                                                               */
/* ======================================================================================== */

typedef struct builder {
    shapc_token *tok;
    size_t n, cap;
} builder;

/* Appends the token whose source is s[from, to), lower-casing it (re-decoding is safe: the
 * whole text was validated first). */
static shapc_status push(builder *b, const unsigned char *s, size_t from, size_t to, int space,
                         shapc_error *err)
{
    size_t bytes, pos = from, w = 0;
    char *text;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16, sz;
        shapc_token *t;
        if (!shapc__mul_size(cap, sizeof *t, &sz) || !(t = shapc__realloc(b->tok, sz)))
            return shapc_error_set(err, SHAPC_ENOMEM, "tokenizer: out of memory");
        b->tok = t;
        b->cap = cap;
    }
    /* Lower-casing within the covered ranges never lengthens a code point's encoding. */
    bytes = to - from;
    if (!(text = shapc__malloc(bytes + 1)))
        return shapc_error_set(err, SHAPC_ENOMEM, "tokenizer: out of memory");
    while (pos < to) {
        uint32_t c = 0;
        const char *why = NULL;
        (void)shapc__utf8_decode(s, to, &pos, &c, &why);
        w += utf8_encode(to_lower(c), (unsigned char *)text + w);
    }
    text[w] = '\0';
    b->tok[b->n].text = text;
    b->tok[b->n].offset = from;
    b->tok[b->n].length = bytes;
    b->tok[b->n].space_before = space;
    b->n++;
    return SHAPC_OK;
}

shapc_status shapc_tokenize(const char *text, size_t len, shapc_token **tokens, size_t *n,
                            shapc_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    builder b = {NULL, 0, 0};
    size_t pos = 0, bad = 0, word = 0;
    int in_word = 0, space = 0;
    const char *why = NULL;
    shapc_status st = SHAPC_OK;
    if (!tokens || !n || (!text && len > 0))
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_tokenize: NULL argument");
    *tokens = NULL;
    *n = 0;
    if (shapc__utf8_validate(s, len, &bad, &why) != 0)
        return shapc_error_set(err, SHAPC_EFORMAT, "invalid UTF-8 at byte %zu (0x%02x): %s", bad,
                               (unsigned)s[bad], why);
    while (pos < len && st == SHAPC_OK) {
        size_t at = pos;
        uint32_t c = 0;
        cclass k;
        (void)shapc__utf8_decode(s, len, &pos, &c, &why);
        k = classify(c);
        if (c == '\'' && in_word && pos < len) {
            size_t next = pos;
            uint32_t c2 = 0;
            (void)shapc__utf8_decode(s, len, &next, &c2, &why);
            if (classify(c2) == C_WORD)
                continue; /* inner apostrophe: part of the word */
        }
        if (k == C_WORD) {
            if (!in_word) {
                word = at;
                in_word = 1;
            }
            continue;
        }
        if (in_word) {
            st = push(&b, s, word, at, space, err);
            in_word = 0;
            space = 0;
            if (st != SHAPC_OK)
                break;
        }
        if (k == C_SPACE) {
            space = 1;
            continue;
        }
        st = push(&b, s, at, pos, space, err);
        space = 0;
    }
    if (st == SHAPC_OK && in_word)
        st = push(&b, s, word, len, space, err);
    if (st != SHAPC_OK) {
        shapc_tokens_free(b.tok, b.n);
        return st;
    }
    if (b.n > 0)
        b.tok[0].space_before = 0;
    *tokens = b.tok;
    *n = b.n;
    return SHAPC_OK;
}

void shapc_tokens_free(shapc_token *tokens, size_t n)
{
    if (!tokens)
        return;
    for (size_t i = 0; i < n; i++)
        shapc__free(tokens[i].text);
    shapc__free(tokens);
}
