/* fuzz_tokenizer.c - libFuzzer harness for the UTF-8 tokenizer (shapc_text_tokenize).
 *
 * The input is raw text. Invalid UTF-8 must be a clean SHAPC_EFORMAT; valid text yields
 * non-empty tokens that are NUL-terminated and point inside the input (offset + length). */
#include "fuzz_common.h"

#include "shapc/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    shapc_token *tok = NULL;
    size_t n = 0;
    shapc_error err = {0};

    shapc__alloc_fail_after(fuzz_fail_nth(data, size));
    shapc_status st = shapc_text_tokenize((const char *)data, size, &tok, &n, &err);
    shapc__alloc_fail_after(0);
    FUZZ_CHECK(st == SHAPC_OK || (tok == NULL && err.message[0] != '\0'));
    shapc_text_tokens_free(tok, n);
    tok = NULL;
    n = 0;

    st = shapc_text_tokenize((const char *)data, size, &tok, &n, &err);
    if (st != SHAPC_OK) {
        FUZZ_CHECK(tok == NULL && (st == SHAPC_EFORMAT || st == SHAPC_ENOMEM));
        return 0;
    }
    FUZZ_CHECK(n == 0 || tok != NULL);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(tok[i].text != NULL && tok[i].text[0] != '\0');
        FUZZ_CHECK(tok[i].length > 0 && tok[i].offset + tok[i].length <= size);
        FUZZ_CHECK(i == 0 || tok[i].offset >= tok[i - 1].offset + tok[i - 1].length);
    }
    shapc_text_tokens_free(tok, n);
    return 0;
}
