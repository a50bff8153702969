/* fuzz_protocol.c - libFuzzer harness for the external-process protocol decoders
 * (src/model/protocol.h): the bytes a model server writes to shapc's stdin are untrusted.
 *
 * The input is what the child sent. Checked properties:
 *   - the incremental handshake parser, fed growing prefixes, moves only from "need more" to
 *     a final verdict (error or complete) that later prefixes keep, never completes before
 *     the length it asked for, agrees with a one-shot parse of everything, and never reads
 *     past the length it was given (each prefix is an exact-size heap copy);
 *   - a parsed handshake re-encodes to exactly the bytes it was parsed from (the format has
 *     one spelling), and parses again to the same values;
 *   - hello, request and reply headers decode to sizes consistent with their fields;
 *   - the excerpt writer stays inside any buffer of at least 8 bytes;
 *   - with one library allocation failing, the parser fails cleanly and leaks nothing. */
#include "fuzz_common.h"

#include "model/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses the first len bytes from an exact-size copy, so reading past len is an ASan error. */
static shapc_status parse_prefix(const uint8_t *data, size_t len, shapc__proto_handshake *hs,
                                 size_t *need, size_t *used, shapc_error *err)
{
    uint8_t *copy = malloc(len ? len : 1);
    shapc_status st;
    if (!copy)
        abort();
    memcpy(copy, data, len);
    memset(hs, 0, sizeof *hs);
    st = shapc__proto_parse_handshake(copy, len, hs, need, used, err);
    free(copy);
    return st;
}

static void check_handshake(const uint8_t *data, size_t size)
{
    shapc__proto_handshake full, inc, again;
    shapc_error err = {0};
    size_t need = 0, used = 0, need_i = 0, used_i = 0, len;
    shapc_status st, st_i = SHAPC_OK;

    st = parse_prefix(data, size, &full, &need, &used, &err);
    if (st != SHAPC_OK)
        FUZZ_CHECK(err.message[0] != '\0' && full.names == NULL);
    else if (need == 0)
        FUZZ_CHECK(used >= SHAPC__PROTO_HANDSHAKE_FIXED + 4 && used <= size);
    else
        FUZZ_CHECK(need > size && need <= SHAPC__PROTO_MAX_HANDSHAKE + 4);

    /* Incremental: the caller re-parses whenever more bytes arrive, so over growing prefixes
     * the verdict may only go from "waiting" to an error or to complete, a verdict once
     * reached never changes, and no prefix shorter than an announced *need completes. */
    {
        size_t step = size <= 128 ? 1 : size / 64, waiting_for = 0, first_used = 0;
        int verdict = 0; /* 0 waiting, 1 complete, 2 error */
        shapc_status first_st = SHAPC_OK;
        for (len = 0;; len += step) {
            if (len > size)
                len = size;
            memset(&err, 0, sizeof err);
            st_i = parse_prefix(data, len, &inc, &need_i, &used_i, &err);
            shapc__proto_handshake_clear(&inc);
            if (st_i != SHAPC_OK) {
                FUZZ_CHECK(verdict != 1);
                if (verdict == 0) {
                    verdict = 2;
                    first_st = st_i;
                }
                FUZZ_CHECK(st_i == first_st);
            } else if (need_i == 0) {
                FUZZ_CHECK(verdict != 2 && len >= waiting_for);
                if (verdict == 0) {
                    verdict = 1;
                    first_used = used_i;
                }
                FUZZ_CHECK(used_i == first_used && used_i <= len);
            } else {
                FUZZ_CHECK(verdict == 0 && need_i > len);
                if (need_i > waiting_for)
                    waiting_for = need_i;
            }
            if (len == size)
                break;
        }
        /* the last prefix is the whole input: same verdict as the one-shot parse */
        FUZZ_CHECK(st_i == st && need_i == need && used_i == used);
    }

    if (st == SHAPC_OK && need == 0) {
        uint8_t *enc = NULL;
        size_t enc_len = 0;
        FUZZ_CHECK(full.version == SHAPC__PROTO_VERSION);
        memset(&err, 0, sizeof err);
        FUZZ_CHECK(shapc__proto_encode_handshake(&full, &enc, &enc_len, &err) == SHAPC_OK);
        FUZZ_CHECK(enc_len == used && memcmp(enc, data, used) == 0);
        FUZZ_CHECK(shapc__proto_parse_handshake(enc, enc_len, &again, &need, &used, &err) ==
                   SHAPC_OK);
        FUZZ_CHECK(need == 0 && used == enc_len && again.d == full.d && again.k == full.k);
        for (uint32_t i = 0; full.names && i < full.k; i++)
            FUZZ_CHECK(again.names && strcmp(again.names[i], full.names[i]) == 0);
        shapc__proto_handshake_clear(&again);
        shapc__free(enc);
    }
    shapc__proto_handshake_clear(&full);

    /* out-of-memory replay */
    memset(&err, 0, sizeof err);
    shapc__alloc_fail_after(fuzz_fail_nth(data, size));
    st = parse_prefix(data, size, &full, &need, &used, &err);
    shapc__alloc_fail_after(0);
    FUZZ_CHECK(st == SHAPC_OK || (full.names == NULL && err.message[0] != '\0'));
    shapc__proto_handshake_clear(&full);
}

static void check_headers(const uint8_t *data, size_t size)
{
    uint8_t hello[SHAPC__PROTO_HELLO_SIZE], head[SHAPC__PROTO_HEADER_SIZE];
    shapc_error err = {0};
    uint32_t max_batch = 0, n = 0, rows, k;
    size_t payload = 0;
    int is_error = 0;
    shapc_status st;

    if (size >= SHAPC__PROTO_HELLO_SIZE) {
        memcpy(hello, data, sizeof hello);
        st = shapc__proto_decode_hello(hello, &max_batch, &err);
        FUZZ_CHECK(st != SHAPC_OK || max_batch >= 1);
    }
    if (size < SHAPC__PROTO_HEADER_SIZE)
        return;
    memcpy(head, data, sizeof head);
    rows = size >= 12 ? shapc__proto_get_u32(data + 8) : 1;
    k = size >= 16 ? shapc__proto_get_u32(data + 12) : 1;

    memset(&err, 0, sizeof err);
    st = shapc__proto_decode_request(head, rows, &n, &err);
    FUZZ_CHECK(st != SHAPC_OK || (n >= 1 && n <= rows));

    memset(&err, 0, sizeof err);
    st = shapc__proto_decode_reply(head, rows, k, &payload, &is_error, &err);
    if (st == SHAPC_OK && is_error)
        FUZZ_CHECK(payload <= SHAPC__PROTO_MAX_MESSAGE);
    else if (st == SHAPC_OK)
        FUZZ_CHECK(payload == (size_t)rows * k * 4);
    else
        FUZZ_CHECK(err.message[0] != '\0');
}

static void check_excerpt(const uint8_t *data, size_t size)
{
    /* cap from the input, 8..71, in an exact-size heap buffer */
    size_t cap = 8 + (size ? data[size / 2] % 64 : 0);
    char *out = malloc(cap);
    if (!out)
        abort();
    shapc__proto_excerpt(data, size, out, cap);
    FUZZ_CHECK(memchr(out, '\0', cap) != NULL && out[0] == '"');
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_handshake(data, size);
    check_headers(data, size);
    check_excerpt(data, size);
    return 0;
}
