/* fuzz_npy.c - libFuzzer harness for the NPY reader (shapc_npy_read).
 *
 * The input is the whole .npy file. A successful read must account for every byte: preamble
 * plus header plus exactly the element bytes the shape promises, in a supported dtype. */
#include "fuzz_common.h"

#include "shapc/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_temp(data, size, 0);
    shapc_array *a = NULL;
    shapc_error err = {0};
    shapc_status st;

    /* out-of-memory replay first: it must fail cleanly or succeed */
    shapc__alloc_fail_after(fuzz_fail_nth(data, size));
    st = shapc_npy_read(path, &a, &err);
    shapc__alloc_fail_after(0);
    FUZZ_CHECK(st == SHAPC_OK || (a == NULL && err.message[0] != '\0'));
    shapc_array_free(a);
    a = NULL;
    memset(&err, 0, sizeof err);

    st = shapc_npy_read(path, &a, &err);

    if (st != SHAPC_OK) {
        FUZZ_CHECK(a == NULL);
        FUZZ_CHECK(err.status == st && err.message[0] != '\0');
        return 0;
    }
    {
        size_t bytes = shapc_array_size(a) * shapc_dtype_size(shapc_array_dtype(a));
        size_t preamble, hlen;
        FUZZ_CHECK(size >= 10 && memcmp(data, "\x93NUMPY", 6) == 0);
        FUZZ_CHECK(shapc_array_rank(a) <= SHAPC_MAX_RANK);
        if (data[6] == 1) {
            preamble = 10;
            hlen = (size_t)data[8] | (size_t)data[9] << 8;
        } else {
            FUZZ_CHECK(size >= 12);
            preamble = 12;
            hlen = (size_t)data[8] | (size_t)data[9] << 8 | (size_t)data[10] << 16 |
                   (size_t)data[11] << 24;
        }
        FUZZ_CHECK(preamble + hlen + bytes == size);
        /* the elements are the file's trailing bytes, unchanged on a little-endian host */
        {
            const uint16_t one = 1;
            if (*(const unsigned char *)&one == 1)
                FUZZ_CHECK(bytes == 0 ||
                           memcmp(shapc_array_cdata(a), data + size - bytes, bytes) == 0);
        }
        fuzz_touch(shapc_array_cdata(a), bytes);
    }
    shapc_array_free(a);
    return 0;
}
