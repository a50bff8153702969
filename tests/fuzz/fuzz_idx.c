/* fuzz_idx.c - libFuzzer harness for the IDX reader (shapc_idx_read), plain and gzip.
 *
 * Each input is read twice: as-is (so corrupt gzip streams from the corpus reach zlib and the
 * truncation paths) and gzip-compressed by the harness (so every mutation of the IDX header
 * is also seen through the gzip path, whose size bound differs: the decoded length is not
 * known up front). A successful read must describe exactly the bytes the header promised. */
#include "fuzz_common.h"

#include <zlib.h>

#include "shapc/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* gzip-compresses src into a malloc'd buffer (level 1: the harness's cost, not the reader's). */
static uint8_t *gzip_bytes(const uint8_t *src, size_t n, size_t *out_len)
{
    z_stream zs;
    uint8_t *dst;
    size_t cap;

    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    cap = deflateBound(&zs, (uLong)n) + 32;
    dst = malloc(cap);
    if (!dst)
        abort();
    zs.next_in = (Bytef *)(uintptr_t)src;
    zs.avail_in = (uInt)n;
    zs.next_out = dst;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    return dst;
}

static void check_one(const char *path, const uint8_t *decoded, size_t decoded_len)
{
    shapc_array *a = NULL;
    shapc_error err = {0};
    shapc_status st = shapc_idx_read(path, 0, &a, &err);

    if (st != SHAPC_OK) {
        /* a failure must say why, and must not hand back an array */
        FUZZ_CHECK(a == NULL);
        FUZZ_CHECK(err.status == st && err.message[0] != '\0');
        return;
    }
    {
        size_t rank = shapc_array_rank(a);
        size_t bytes = shapc_array_size(a) * shapc_dtype_size(shapc_array_dtype(a));
        /* the header is 4 + 4 * rank bytes and the elements fill the rest exactly */
        FUZZ_CHECK(decoded_len >= 4 && rank == decoded[3]);
        FUZZ_CHECK(4 + 4 * rank + bytes == decoded_len);
        fuzz_touch(shapc_array_cdata(a), bytes);
    }
    shapc_array_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t gz_len = 0;
    uint8_t *gz;

    /* As-is. If the input is itself gzip, the decoded length is unknown here: only a plain
     * input is checked byte for byte. */
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        shapc_array *a = NULL;
        shapc_error err = {0};
        if (shapc_idx_read(fuzz_write_temp(data, size, 0), 0, &a, &err) == SHAPC_OK)
            fuzz_touch(shapc_array_cdata(a),
                       shapc_array_size(a) * shapc_dtype_size(shapc_array_dtype(a)));
        else
            FUZZ_CHECK(a == NULL && err.message[0] != '\0');
        shapc_array_free(a);
    } else {
        check_one(fuzz_write_temp(data, size, 0), data, size);
    }

    gz = gzip_bytes(data, size, &gz_len);
    check_one(fuzz_write_temp(gz, gz_len, 1), data, size);
    free(gz);

    /* out-of-memory replay of the as-is file (still on disk in slot 0) */
    {
        shapc_array *a = NULL;
        shapc_error err = {0};
        shapc_status st;
        shapc__alloc_fail_after(fuzz_fail_nth(data, size));
        st = shapc_idx_read(fuzz_write_temp(data, size, 0), 0, &a, &err);
        shapc__alloc_fail_after(0);
        FUZZ_CHECK(st == SHAPC_OK || (a == NULL && err.message[0] != '\0'));
        shapc_array_free(a);
    }
    return 0;
}
