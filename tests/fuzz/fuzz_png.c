/* fuzz_png.c - libFuzzer harness for the PNG reader (shapc_png_read, libpng underneath).
 *
 * The input is the whole .png file. A successful read yields a float32 (H, W, C) array with
 * C 1 or 3 and every sample inside the file's bit-depth range. */
#include "fuzz_common.h"

#include "shapc/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_temp(data, size, 0);
    shapc_array *a = NULL;
    shapc_error err = {0};

    shapc__alloc_fail_after(fuzz_fail_nth(data, size));
    shapc_status st = shapc_png_read(path, &a, &err);
    shapc__alloc_fail_after(0);
    FUZZ_CHECK(st == SHAPC_OK || (a == NULL && err.message[0] != '\0'));
    shapc_array_free(a);
    a = NULL;
    memset(&err, 0, sizeof err);

    st = shapc_png_read(path, &a, &err);
    if (st != SHAPC_OK) {
        FUZZ_CHECK(a == NULL && err.message[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(shapc_array_rank(a) == 3 && shapc_array_dtype(a) == SHAPC_F32);
    FUZZ_CHECK(shapc_array_dim(a, 2) == 1 || shapc_array_dim(a, 2) == 3);
    const float *v = shapc_array_cdata(a);
    for (size_t i = 0; i < shapc_array_size(a); i++)
        FUZZ_CHECK(v[i] >= 0.0f && v[i] <= 65535.0f);
    shapc_array_free(a);
    return 0;
}
