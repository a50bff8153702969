/* fuzz_csv.c - libFuzzer harness for the CSV reader (shapc_csv_read).
 *
 * The input is the whole .csv file. A successful read yields a float32 (rows, cols) array of
 * finite values, cols names that are NUL-terminated and distinct in count. */
#include "fuzz_common.h"

#include <math.h>

#include "shapc/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_temp(data, size, 0);
    shapc_array *a = NULL;
    char **names = NULL;
    size_t n_cols = 0;
    shapc_error err = {0};

    shapc__alloc_fail_after(fuzz_fail_nth(data, size));
    shapc_status st = shapc_csv_read(path, &a, &names, &n_cols, &err);
    shapc__alloc_fail_after(0);
    FUZZ_CHECK(st == SHAPC_OK || (a == NULL && err.message[0] != '\0'));
    shapc_array_free(a);
    shapc_csv_names_free(names, n_cols);
    a = NULL;
    names = NULL;
    n_cols = 0;
    memset(&err, 0, sizeof err);

    st = shapc_csv_read(path, &a, &names, &n_cols, &err);
    if (st != SHAPC_OK) {
        FUZZ_CHECK(a == NULL);
        FUZZ_CHECK(err.message[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(shapc_array_dtype(a) == SHAPC_F32 && shapc_array_rank(a) == 2);
    FUZZ_CHECK(shapc_array_dim(a, 1) == n_cols && n_cols > 0);
    const float *v = shapc_array_cdata(a);
    for (size_t i = 0; i < shapc_array_size(a); i++)
        FUZZ_CHECK(isfinite(v[i]));
    for (size_t j = 0; j < n_cols; j++)
        fuzz_touch(names[j], strlen(names[j]) + 1);
    shapc_array_free(a);
    shapc_csv_names_free(names, n_cols);
    return 0;
}
