/* token_display.c - what the text plot shows for each token (text.h, shapc_tokens_display).
 *
 * A token's text is lower-cased so that it matches the vocabulary; a reader wants the words
 * as written ("WONDERFUL", "Movie"). The tokenizer keeps each token's byte offset and length
 * in the source, so the display string is simply those bytes, with one leading space when
 * whitespace separated the token from the one before it - the form shapc_plot_text lays out
 * as running text. */
#include "shapc/text.h"

#include <string.h>

#include "util/alloc.h"

void shapc_tokens_display_free(char **strings, size_t n)
{
    size_t i;
    if (!strings)
        return;
    for (i = 0; i < n; i++)
        shapc__free(strings[i]);
    shapc__free(strings);
}

shapc_status shapc_tokens_display(const char *text, size_t len, const shapc_token *tokens,
                                  size_t n, char ***out, shapc_error *err)
{
    char **s;
    size_t i;
    if (!out || (n > 0 && (!text || !tokens)))
        return shapc_error_set(err, SHAPC_EINVAL, "tokens_display: NULL argument");
    *out = NULL;
    for (i = 0; i < n; i++)
        if (tokens[i].offset > len || tokens[i].length > len - tokens[i].offset)
            return shapc_error_set(err, SHAPC_EINVAL,
                                   "tokens_display: token %zu (bytes %zu+%zu) lies outside "
                                   "the %zu-byte text", i, tokens[i].offset, tokens[i].length,
                                   len);
    if (n == 0)
        return SHAPC_OK;
    s = shapc__calloc(n, sizeof *s);
    if (!s)
        return shapc_error_set(err, SHAPC_ENOMEM, "tokens_display: out of memory");
    for (i = 0; i < n; i++) {
        size_t lead = tokens[i].space_before && i > 0 ? 1 : 0;
        s[i] = shapc__malloc(lead + tokens[i].length + 1);
        if (!s[i]) {
            shapc_tokens_display_free(s, n);
            return shapc_error_set(err, SHAPC_ENOMEM, "tokens_display: out of memory");
        }
        if (lead)
            s[i][0] = ' ';
        memcpy(s[i] + lead, text + tokens[i].offset, tokens[i].length);
        s[i][lead + tokens[i].length] = '\0';
    }
    *out = s;
    return SHAPC_OK;
}
