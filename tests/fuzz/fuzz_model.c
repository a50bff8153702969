/* fuzz_model.c - libFuzzer harness for the model.bin reader.
 *
 * Bytes go through shapc__model_load_mem, the parsing half of shapc_model_load. The trailing
 * CRC-32 would stop almost every mutation at the checksum check, so each input is tried twice:
 * as-is (covers the envelope checks) and with its last four bytes replaced by the correct
 * checksum (reaches the field parser). A model that loads must evaluate one row without
 * crashing (a non-finite output is a clean error, not a bug). */
#include "fuzz_common.h"

#include <zlib.h>

#include "model/model_bin.h"
#include "shapc/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_one(const uint8_t *data, size_t size)
{
    shapc_model *m = NULL;
    shapc_error err = {0};
    shapc_status st;
    size_t d, k, rank, prod = 1;
    float *x, *y;

    /* out-of-memory replay first: it must fail cleanly or succeed */
    shapc__alloc_fail_after(fuzz_fail_nth(data, size));
    st = shapc__model_load_mem(data, size, "fuzz.bin", &m, &err);
    shapc__alloc_fail_after(0);
    FUZZ_CHECK(st == SHAPC_OK || (m == NULL && strncmp(err.message, "fuzz.bin", 8) == 0));
    shapc_model_free(m);
    m = NULL;
    memset(&err, 0, sizeof err);

    st = shapc__model_load_mem(data, size, "fuzz.bin", &m, &err);

    if (st != SHAPC_OK) {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(err.status == st && strncmp(err.message, "fuzz.bin", 8) == 0);
        return;
    }
    d = shapc_model_n_inputs(m);
    k = shapc_model_n_outputs(m);
    rank = shapc_model_input_rank(m);
    FUZZ_CHECK(d >= 1 && k >= 1 && rank >= 1 && rank <= 4);
    /* every weight is 4 bytes of the file, so neither size can exceed it */
    FUZZ_CHECK(d <= size / 4 && k <= size / 4);
    for (size_t i = 0; i < rank; i++)
        prod *= shapc_model_input_shape(m)[i];
    FUZZ_CHECK(prod == d);
    for (size_t i = 0; i < k; i++)
        FUZZ_CHECK(shapc_model_output_name(m, i) != NULL);
    FUZZ_CHECK(shapc_model_describe(m) != NULL);
    size_t n_bg = 0;
    const float *bg = shapc_model_background(m, &n_bg);
    if (bg)
        fuzz_touch(bg, n_bg * d * sizeof(float));

    x = calloc(d, sizeof *x);
    y = calloc(k, sizeof *y);
    if (!x || !y)
        abort();
    memset(&err, 0, sizeof err);
    st = shapc_model_predict(m, x, 1, y, &err);
    FUZZ_CHECK(st == SHAPC_OK || st == SHAPC_ENONFINITE);
    free(x);
    free(y);
    shapc_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_one(data, size);
    if (size >= 20) {
        uint8_t *copy = malloc(size);
        uLong crc;
        if (!copy)
            abort();
        memcpy(copy, data, size);
        crc = crc32(0L, copy, (uInt)(size - 4));
        copy[size - 4] = (uint8_t)crc;
        copy[size - 3] = (uint8_t)(crc >> 8);
        copy[size - 2] = (uint8_t)(crc >> 16);
        copy[size - 1] = (uint8_t)(crc >> 24);
        if (memcmp(copy, data, size) != 0)
            check_one(copy, size);
        free(copy);
    }
    return 0;
}
