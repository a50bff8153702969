/* test_data.c - arrays, IDX and NPY readers/writers, atomic writes, malformed inputs. */
#define _POSIX_C_SOURCE 200809L

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "shapc/data.h"
#include "util/alloc.h"
#include "util/atomic_file.h"

#define PATH_CAP 512
#define DIR_CAP 256 /* < PATH_CAP, so "<dir>/<name>" fits */

static const shapc_dtype ALL_DTYPES[] = {SHAPC_U8,  SHAPC_I8,  SHAPC_I16,
                                         SHAPC_I32, SHAPC_F32, SHAPC_F64};
#define N_DTYPES (sizeof ALL_DTYPES / sizeof ALL_DTYPES[0])

/* ======================================================================================== */
/* helpers                                                                                  */
/* ======================================================================================== */

/* Asserts a failure with the exact status and a message naming the file. */
static void expect_fail(shapc_status got, const shapc_error *err, shapc_status want,
                        const char *path)
{
    if (got != want)
        fail_msg("expected %s, got %s (%s)", shapc_status_name(want), shapc_status_name(got),
                 err->message);
    assert_int_equal(err->status, want);
    if (path && !strstr(err->message, path))
        fail_msg("message \"%s\" does not name %s", err->message, path);
    assert_null(strchr(err->message, '\n'));
}

/* Value i of the test pattern; the same formula is used by the numpy check script. */
static double pattern(shapc_dtype dtype, size_t i)
{
    double v = (double)(i % 50) - 20.0;
    switch (dtype) {
    case SHAPC_U8:
        return (double)(i % 200);
    case SHAPC_F32:
    case SHAPC_F64:
        return v * 0.25;
    default:
        return v;
    }
}

static void fill_pattern(shapc_array *a)
{
    size_t i, n = shapc_array_size(a);
    void *d = shapc_array_data(a);
    for (i = 0; i < n; i++) {
        double v = pattern(shapc_array_dtype(a), i);
        switch (shapc_array_dtype(a)) {
        case SHAPC_U8:
            ((uint8_t *)d)[i] = (uint8_t)v;
            break;
        case SHAPC_I8:
            ((int8_t *)d)[i] = (int8_t)v;
            break;
        case SHAPC_I16:
            ((int16_t *)d)[i] = (int16_t)(v * 1000.0); /* exercise both bytes */
            break;
        case SHAPC_I32:
            ((int32_t *)d)[i] = (int32_t)(v * 100000.0);
            break;
        case SHAPC_F32:
            ((float *)d)[i] = (float)v;
            break;
        case SHAPC_F64:
            ((double *)d)[i] = v;
            break;
        }
    }
}

static shapc_array *make_array(shapc_dtype dtype, size_t rank, const size_t *shape)
{
    shapc_array *a = NULL;
    shapc_error err = {0};
    assert_int_equal(shapc_array_create(dtype, rank, shape, &a, &err), SHAPC_OK);
    assert_non_null(a);
    return a;
}

static void assert_arrays_equal(const shapc_array *a, const shapc_array *b)
{
    size_t i;
    assert_int_equal(shapc_array_dtype(a), shapc_array_dtype(b));
    assert_int_equal(shapc_array_rank(a), shapc_array_rank(b));
    for (i = 0; i < shapc_array_rank(a); i++)
        assert_int_equal(shapc_array_dim(a, i), shapc_array_dim(b, i));
    assert_int_equal(shapc_array_size(a), shapc_array_size(b));
    assert_memory_equal(shapc_array_cdata(a), shapc_array_cdata(b),
                        shapc_array_size(a) * shapc_dtype_size(shapc_array_dtype(a)));
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Empties (or creates) a scratch directory. */
static const char *fresh_dir(char *buf, size_t cap, const char *name)
{
    DIR *d;
    struct dirent *e;
    char p[PATH_CAP];
    tu_tmp_path(buf, cap, name);
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        fail_msg("cannot create %s", buf);
    d = opendir(buf);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", buf, e->d_name);
        unlink(p);
    }
    closedir(d);
    return buf;
}

/* Number of entries in dir (without . and ..); fails the test if any is a temp file. */
static size_t count_entries_no_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strstr(e->d_name, ".tmp."))
            fail_msg("temporary file left behind: %s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static void write_gz(const char *path, const void *data, size_t len)
{
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
    assert_int_equal(gzclose(gz), Z_OK);
}

/* ======================================================================================== */
/* arrays                                                                                   */
/* ======================================================================================== */

static void test_dtype_table(void **state)
{
    (void)state;
    assert_int_equal(shapc_dtype_size(SHAPC_U8), 1);
    assert_int_equal(shapc_dtype_size(SHAPC_I8), 1);
    assert_int_equal(shapc_dtype_size(SHAPC_I16), 2);
    assert_int_equal(shapc_dtype_size(SHAPC_I32), 4);
    assert_int_equal(shapc_dtype_size(SHAPC_F32), 4);
    assert_int_equal(shapc_dtype_size(SHAPC_F64), 8);
    assert_int_equal(shapc_dtype_size((shapc_dtype)42), 0);
    assert_string_equal(shapc_dtype_name(SHAPC_F32), "float32");
    assert_string_equal(shapc_dtype_name(SHAPC_I16), "int16");
    assert_string_equal(shapc_dtype_name((shapc_dtype)42), "?");
}

static void test_array_create_zeroed_and_shaped(void **state)
{
    const size_t shape[3] = {2, 3, 4};
    shapc_array *a = make_array(SHAPC_F32, 3, shape);
    const float *f = shapc_array_cdata(a);
    size_t i;
    (void)state;
    assert_int_equal(shapc_array_dtype(a), SHAPC_F32);
    assert_int_equal(shapc_array_rank(a), 3);
    assert_int_equal(shapc_array_dim(a, 1), 3);
    assert_int_equal(shapc_array_dim(a, 3), 0);
    assert_int_equal(shapc_array_shape(a)[2], 4);
    assert_int_equal(shapc_array_size(a), 24);
    assert_int_equal(shapc_array_row_size(a), 12);
    for (i = 0; i < 24; i++)
        assert_true(f[i] == 0.0f);
    shapc_array_free(a);

    a = make_array(SHAPC_F64, 0, NULL); /* scalar */
    assert_int_equal(shapc_array_size(a), 1);
    assert_int_equal(shapc_array_row_size(a), 1);
    assert_int_equal(shapc_array_rank(a), 0);
    shapc_array_free(a);
    shapc_array_free(NULL);
}

static void test_array_create_rejects_bad_args(void **state)
{
    size_t shape[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    const size_t huge[2] = {SIZE_MAX / 2, 3};
    const size_t bytes[1] = {SIZE_MAX / 4 + 1};
    shapc_array *a = (shapc_array *)&shape; /* must be reset to NULL on failure */
    shapc_error err = {0};
    (void)state;
    assert_int_equal(shapc_array_create(SHAPC_F32, 9, shape, &a, &err), SHAPC_EINVAL);
    assert_null(a);
    assert_int_equal(shapc_array_create((shapc_dtype)17, 1, shape, &a, &err), SHAPC_EINVAL);
    assert_int_equal(shapc_array_create(SHAPC_U8, 2, huge, &a, &err), SHAPC_ERANGE);
    assert_null(a);
    /* element count fits, byte size does not */
    assert_int_equal(shapc_array_create(SHAPC_F64, 1, bytes, &a, &err), SHAPC_ERANGE);
    assert_null(a);
    assert_non_null(strstr(err.message, "byte size"));
}

static void test_array_reshape(void **state)
{
    const size_t shape[2] = {6, 4}, good[3] = {2, 3, 4}, bad[2] = {5, 5};
    shapc_array *a = make_array(SHAPC_I16, 2, shape);
    shapc_error err = {0};
    (void)state;
    ((int16_t *)shapc_array_data(a))[23] = 77;
    assert_int_equal(shapc_array_reshape(a, 3, good, &err), SHAPC_OK);
    assert_int_equal(shapc_array_rank(a), 3);
    assert_int_equal(shapc_array_row_size(a), 12);
    assert_int_equal(((const int16_t *)shapc_array_cdata(a))[23], 77);
    assert_int_equal(shapc_array_reshape(a, 2, bad, &err), SHAPC_ESHAPE);
    assert_int_equal(shapc_array_rank(a), 3); /* unchanged on failure */
    shapc_array_free(a);
}

static void test_array_convert_truncates_and_saturates(void **state)
{
    const double src_vals[] = {1.9, -1.9, 300.0, -300.0, 1e12, -1e12, NAN, INFINITY, -0.5};
    const size_t n = sizeof src_vals / sizeof src_vals[0];
    const uint8_t want_u8[] = {1, 0, 255, 0, 255, 0, 0, 255, 0};
    const int8_t want_i8[] = {1, -1, 127, -128, 127, -128, 0, 127, 0};
    const int16_t want_i16[] = {1, -1, 300, -300, 32767, -32768, 0, 32767, 0};
    const int32_t want_i32[] = {1, -1, 300, -300, INT32_MAX, INT32_MIN, 0, INT32_MAX, 0};
    shapc_array *src = make_array(SHAPC_F64, 1, &n), *dst = NULL, *back = NULL;
    shapc_error err = {0};
    const float *f;
    (void)state;
    memcpy(shapc_array_data(src), src_vals, sizeof src_vals);

    assert_int_equal(shapc_array_convert(src, SHAPC_U8, &dst, &err), SHAPC_OK);
    assert_memory_equal(shapc_array_cdata(dst), want_u8, sizeof want_u8);
    /* u8 -> i8 saturates 255 at 127 */
    assert_int_equal(shapc_array_convert(dst, SHAPC_I8, &back, &err), SHAPC_OK);
    assert_int_equal(((const int8_t *)shapc_array_cdata(back))[2], 127);
    shapc_array_free(back);
    shapc_array_free(dst);

    assert_int_equal(shapc_array_convert(src, SHAPC_I8, &dst, &err), SHAPC_OK);
    assert_memory_equal(shapc_array_cdata(dst), want_i8, sizeof want_i8);
    shapc_array_free(dst);
    assert_int_equal(shapc_array_convert(src, SHAPC_I16, &dst, &err), SHAPC_OK);
    assert_memory_equal(shapc_array_cdata(dst), want_i16, sizeof want_i16);
    shapc_array_free(dst);
    assert_int_equal(shapc_array_convert(src, SHAPC_I32, &dst, &err), SHAPC_OK);
    assert_memory_equal(shapc_array_cdata(dst), want_i32, sizeof want_i32);
    /* int -> float is exact */
    assert_int_equal(shapc_array_convert(dst, SHAPC_F64, &back, &err), SHAPC_OK);
    assert_near(((const double *)shapc_array_cdata(back))[4], 2147483647.0, 0.0);
    shapc_array_free(back);
    shapc_array_free(dst);

    assert_int_equal(shapc_array_convert(src, SHAPC_F32, &dst, &err), SHAPC_OK);
    f = shapc_array_cdata(dst);
    assert_near(f[0], 1.9, 1e-6);
    assert_near(f[4], 1e12, 1e5);
    assert_true(isnan(f[6]));
    assert_true(isinf(f[7]));
    shapc_array_free(dst);

    {
        const double big = 1e300;
        memcpy(shapc_array_data(src), &big, sizeof big);
        assert_int_equal(shapc_array_convert(src, SHAPC_F32, &dst, &err), SHAPC_OK);
        assert_true(isinf(((const float *)shapc_array_cdata(dst))[0]));
        shapc_array_free(dst);
    }
    /* shape survives conversion */
    assert_int_equal(shapc_array_convert(src, SHAPC_F64, &dst, &err), SHAPC_OK);
    assert_arrays_equal(src, dst);
    shapc_array_free(dst);
    shapc_array_free(src);
}

static void test_array_alloc_failure(void **state)
{
    const size_t shape[2] = {10, 10};
    shapc_array *a = NULL;
    shapc_error err = {0};
    size_t k;
    (void)state;
    /* first allocation (the header) and second (the data) each fail cleanly */
    for (k = 1; k <= 2; k++) {
        shapc__alloc_fail_after(k);
        assert_int_equal(shapc_array_create(SHAPC_F32, 2, shape, &a, &err), SHAPC_ENOMEM);
        assert_null(a);
        assert_int_equal(err.status, SHAPC_ENOMEM);
    }
    shapc__alloc_fail_after(0);
    assert_int_equal(shapc_array_create(SHAPC_F32, 2, shape, &a, &err), SHAPC_OK);
    shapc_array_free(a);
}

/* ======================================================================================== */
/* IDX                                                                                      */
/* ======================================================================================== */

static void test_idx_roundtrip_all_dtypes_and_ranks(void **state)
{
    static const size_t shapes[4][4] = {{7, 0, 0, 0}, {3, 5, 0, 0}, {2, 3, 4, 0}, {2, 1, 3, 5}};
    char path[PATH_CAP], name[64];
    size_t d, r, gz;
    (void)state;
    for (d = 0; d < N_DTYPES; d++) {
        for (r = 1; r <= 4; r++) {
            for (gz = 0; gz < 2; gz++) {
                shapc_array *a = make_array(ALL_DTYPES[d], r, shapes[r - 1]), *b = NULL;
                shapc_error err = {0};
                snprintf(name, sizeof name, "data_rt_%zu_%zu.idx%s", d, r, gz ? ".gz" : "");
                tu_tmp_path(path, sizeof path, name);
                fill_pattern(a);
                if (shapc_idx_write(path, a, &err) != SHAPC_OK)
                    fail_msg("write %s: %s", path, err.message);
                if (shapc_idx_read(path, 0, &b, &err) != SHAPC_OK)
                    fail_msg("read %s: %s", path, err.message);
                assert_arrays_equal(a, b);
                shapc_array_free(a);
                shapc_array_free(b);
            }
        }
    }
}

static void test_idx_bytes_are_big_endian(void **state)
{
    const size_t shape[2] = {1, 2};
    shapc_array *a = make_array(SHAPC_I16, 2, shape);
    const unsigned char want[] = {0, 0, 0x0B, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE};
    shapc_error err = {0};
    char path[PATH_CAP];
    unsigned char *bytes;
    size_t len;
    (void)state;
    ((int16_t *)shapc_array_data(a))[0] = 0x0102;
    ((int16_t *)shapc_array_data(a))[1] = -2;
    tu_tmp_path(path, sizeof path, "data_be.idx");
    assert_int_equal(shapc_idx_write(path, a, &err), SHAPC_OK);
    bytes = tu_read_file(path, &len);
    assert_non_null(bytes);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(bytes, want, sizeof want);
    free(bytes);
    shapc_array_free(a);
}

static void test_idx_gz_output_is_gzip(void **state)
{
    const size_t shape[1] = {1000};
    shapc_array *a = make_array(SHAPC_U8, 1, shape);
    shapc_error err = {0};
    char path[PATH_CAP];
    unsigned char *bytes;
    size_t len;
    (void)state;
    tu_tmp_path(path, sizeof path, "data_gzmagic.idx.gz");
    assert_int_equal(shapc_idx_write(path, a, &err), SHAPC_OK); /* all zeros: compresses */
    bytes = tu_read_file(path, &len);
    assert_non_null(bytes);
    assert_true(len > 2 && len < 200);
    assert_int_equal(bytes[0], 0x1f);
    assert_int_equal(bytes[1], 0x8b);
    free(bytes);
    shapc_array_free(a);
}

static void test_idx_fashion_mnist(void **state)
{
    const char *dir = "/usr/share/datasets/fashion-mnist";
    char images[PATH_CAP], labels[PATH_CAP];
    unsigned char raw[16 + 784];
    shapc_array *a = NULL;
    shapc_error err = {0};
    const uint8_t *px;
    size_t i, sum = 0, nonzero = 0;
    gzFile gz;
    (void)state;
    snprintf(images, sizeof images, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(labels, sizeof labels, "%s/t10k-labels-idx1-ubyte.gz", dir);
    if (!file_exists(images) || !file_exists(labels)) {
        print_message("skipping: %s not installed\n", dir);
        skip();
    }
    if (shapc_idx_read(images, 0, &a, &err) != SHAPC_OK)
        fail_msg("%s", err.message);
    assert_int_equal(shapc_array_dtype(a), SHAPC_U8);
    assert_int_equal(shapc_array_rank(a), 3);
    assert_int_equal(shapc_array_dim(a, 0), 10000);
    assert_int_equal(shapc_array_dim(a, 1), 28);
    assert_int_equal(shapc_array_dim(a, 2), 28);
    assert_int_equal(shapc_array_row_size(a), 784);

    /* first image against an independent decode of the same bytes */
    gz = gzopen(images, "rb");
    assert_non_null(gz);
    assert_int_equal(gzread(gz, raw, sizeof raw), (int)sizeof raw);
    gzclose(gz);
    px = shapc_array_cdata(a);
    assert_memory_equal(px, raw + 16, 784);
    for (i = 0; i < 784; i++) {
        sum += px[i];
        nonzero += px[i] != 0;
    }
    assert_int_equal(sum, 33456); /* golden from Python's gzip + numpy */
    assert_int_equal(nonzero, 267);
    shapc_array_free(a);

    /* the cap applies to the decoded size */
    assert_int_equal(shapc_idx_read(images, 1000, &a, &err), SHAPC_ERANGE);
    assert_null(a);

    assert_int_equal(shapc_idx_read(labels, 0, &a, &err), SHAPC_OK);
    assert_int_equal(shapc_array_rank(a), 1);
    assert_int_equal(shapc_array_dim(a, 0), 10000);
    assert_int_equal(((const uint8_t *)shapc_array_cdata(a))[0], 9); /* ankle boot */
    shapc_array_free(a);
}

/* A valid u8 IDX of shape (4, 8) with incompressible-ish content, for corruption tests. */
static size_t make_idx_bytes(unsigned char *buf)
{
    const unsigned char hdr[] = {0, 0, 0x08, 2, 0, 0, 0, 4, 0, 0, 0, 8};
    uint32_t x = 12345;
    size_t i;
    memcpy(buf, hdr, sizeof hdr);
    for (i = 0; i < 32; i++) {
        x = x * 1103515245u + 12345u;
        buf[sizeof hdr + i] = (unsigned char)(x >> 24);
    }
    return sizeof hdr + 32;
}

static void expect_idx_fail(const char *name, const void *bytes, size_t len, size_t max_bytes,
                            shapc_status want)
{
    char path[PATH_CAP];
    shapc_array *a = NULL;
    shapc_error err = {0};
    tu_tmp_path(path, sizeof path, name);
    tu_write_file(path, bytes, len);
    expect_fail(shapc_idx_read(path, max_bytes, &a, &err), &err, want, path);
    assert_null(a);
}

static void test_idx_malformed(void **state)
{
    unsigned char good[64], buf[128];
    const unsigned char overflow[] = {0,    0,    0x08, 4,    0xFF, 0xFF, 0xFF, 0xFF,
                                      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                      0xFF, 0xFF, 0xFF, 0xFF, 0,    0};
    size_t n = make_idx_bytes(good);
    char path[PATH_CAP];
    shapc_array *a = NULL;
    shapc_error err = {0};
    (void)state;

    /* sanity: the unmodified bytes read fine */
    tu_tmp_path(path, sizeof path, "data_good.idx");
    tu_write_file(path, good, n);
    assert_int_equal(shapc_idx_read(path, 0, &a, &err), SHAPC_OK);
    shapc_array_free(a);

    memcpy(buf, good, n);
    buf[1] = 0x01;
    expect_idx_fail("data_badmagic.idx", buf, n, 0, SHAPC_EFORMAT);
    memcpy(buf, good, n);
    buf[2] = 0x0A;
    expect_idx_fail("data_badtype.idx", buf, n, 0, SHAPC_EFORMAT);
    memcpy(buf, good, n);
    buf[3] = 0;
    expect_idx_fail("data_rank0.idx", buf, n, 0, SHAPC_EFORMAT);
    buf[3] = 9;
    expect_idx_fail("data_rank9.idx", buf, n, 0, SHAPC_EFORMAT);
    expect_idx_fail("data_trunchdr.idx", good, 3, 0, SHAPC_ETRUNC);
    expect_idx_fail("data_truncdims.idx", good, 9, 0, SHAPC_ETRUNC);
    expect_idx_fail("data_empty.idx", good, 0, 0, SHAPC_ETRUNC);
    expect_idx_fail("data_truncdata.idx", good, n - 1, 0, SHAPC_ETRUNC);
    memcpy(buf, good, n);
    buf[n] = 0;
    expect_idx_fail("data_trailing.idx", buf, n + 1, 0, SHAPC_EFORMAT);
    expect_idx_fail("data_overflow.idx", overflow, sizeof overflow, 0, SHAPC_ERANGE);
    expect_idx_fail("data_cap.idx", good, n, 31, SHAPC_ERANGE);

    /* the documented message shape */
    tu_tmp_path(path, sizeof path, "data_truncmsg.idx");
    tu_write_file(path, good, 12 + 12);
    assert_int_equal(shapc_idx_read(path, 0, &a, &err), SHAPC_ETRUNC);
    assert_non_null(strstr(err.message, "header promises (4, 8) = 32 data bytes, file has 12 after"));

    /* missing files are I/O errors */
    tu_tmp_path(path, sizeof path, "data_does_not_exist.idx");
    unlink(path);
    expect_fail(shapc_idx_read(path, 0, &a, &err), &err, SHAPC_EIO, path);
}

static void test_idx_gz_malformed(void **state)
{
    unsigned char good[64], *gzb, *mod;
    size_t n = make_idx_bytes(good), len;
    char path[PATH_CAP];
    shapc_array *a = NULL;
    shapc_error err = {0};
    (void)state;

    tu_tmp_path(path, sizeof path, "data_src.idx.gz");
    write_gz(path, good, n);
    assert_int_equal(shapc_idx_read(path, 0, &a, &err), SHAPC_OK);
    assert_memory_equal(shapc_array_cdata(a), good + 12, 32);
    shapc_array_free(a);
    a = NULL;
    gzb = tu_read_file(path, &len);
    assert_non_null(gzb);
    assert_true(len > 30);
    mod = malloc(len + 16);
    assert_non_null(mod);

    /* cut mid-stream and cut just before the trailer */
    expect_idx_fail("data_gztrunc.idx.gz", gzb, len / 2, 0, SHAPC_ETRUNC);
    expect_idx_fail("data_gztrunc2.idx.gz", gzb, len - 4, 0, SHAPC_ETRUNC);

    /* first deflate block header made invalid (BTYPE = 11) */
    memcpy(mod, gzb, len);
    assert_int_equal(mod[3] & 0x08, 0); /* no file name: deflate data starts at byte 10 */
    mod[10] |= 0x06;
    expect_idx_fail("data_gzcorrupt.idx.gz", mod, len, 0, SHAPC_EFORMAT);
    tu_tmp_path(path, sizeof path, "data_gzcorrupt.idx.gz");
    assert_int_equal(shapc_idx_read(path, 0, &a, &err), SHAPC_EFORMAT);
    assert_non_null(strstr(err.message, "zlib"));

    /* CRC of the trailer flipped: all data decodes, the check fails */
    memcpy(mod, gzb, len);
    mod[len - 8] ^= 0xFF;
    expect_idx_fail("data_gzcrc.idx.gz", mod, len, 0, SHAPC_EFORMAT);

    /* data shorter than the header says, inside a complete gzip stream */
    tu_tmp_path(path, sizeof path, "data_gzshort.idx.gz");
    write_gz(path, good, n - 5);
    expect_fail(shapc_idx_read(path, 0, &a, &err), &err, SHAPC_ETRUNC, path);
    /* gzip-compressed trailing garbage */
    memcpy(mod, good, n);
    mod[n] = 7;
    tu_tmp_path(path, sizeof path, "data_gztrail.idx.gz");
    write_gz(path, mod, n + 1);
    expect_fail(shapc_idx_read(path, 0, &a, &err), &err, SHAPC_EFORMAT, path);
    /* a tiny gzip file cannot hold the 4 GiB - 1 bytes its header promises */
    {
        const unsigned char big[] = {0, 0, 0x08, 1, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3};
        tu_tmp_path(path, sizeof path, "data_gzbig.idx.gz");
        write_gz(path, big, sizeof big);
        expect_fail(shapc_idx_read(path, 0, &a, &err), &err, SHAPC_ETRUNC, path);
    }
    free(mod);
    free(gzb);
}

static void test_idx_write_errors(void **state)
{
    char dir[DIR_CAP], path[PATH_CAP];
    shapc_array *a = make_array(SHAPC_F32, 0, NULL);
    shapc_error err = {0};
    (void)state;
    fresh_dir(dir, sizeof dir, "data_idxw");
    snprintf(path, sizeof path, "%s/scalar.idx", dir);
    expect_fail(shapc_idx_write(path, a, &err), &err, SHAPC_EUNSUPPORTED, path);
    assert_int_equal(count_entries_no_tmp(dir), 0);
    shapc_array_free(a);
}

/* ======================================================================================== */
/* NPY                                                                                      */
/* ======================================================================================== */

static void check_npy_header(const char *path, const char *descr)
{
    unsigned char *bytes;
    size_t len, hlen;
    char want[64];
    bytes = tu_read_file(path, &len);
    assert_non_null(bytes);
    assert_true(len >= 64);
    assert_memory_equal(bytes, "\x93NUMPY\x01\x00", 8);
    hlen = (size_t)bytes[8] | (size_t)bytes[9] << 8;
    assert_int_equal((10 + hlen) % 64, 0);
    assert_int_equal(bytes[10 + hlen - 1], '\n');
    snprintf(want, sizeof want, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    assert_memory_equal(bytes + 10, want, strlen(want));
    free(bytes);
}

static void test_npy_roundtrip_all_dtypes_and_ranks(void **state)
{
    static const size_t shapes[4][3] = {{0, 0, 0}, {5, 0, 0}, {3, 4, 0}, {2, 3, 4}};
    static const char *descrs[] = {"|u1", "|i1", "<i2", "<i4", "<f4", "<f8"};
    char path[PATH_CAP], name[64];
    size_t d, r;
    (void)state;
    for (d = 0; d < N_DTYPES; d++) {
        for (r = 0; r <= 3; r++) {
            shapc_array *a = make_array(ALL_DTYPES[d], r, shapes[r]), *b = NULL;
            shapc_error err = {0};
            snprintf(name, sizeof name, "data_rt_%zu_%zu.npy", d, r);
            tu_tmp_path(path, sizeof path, name);
            fill_pattern(a);
            if (r == 0) /* make the scalar non-zero */
                memset(shapc_array_data(a), 0x11, shapc_dtype_size(ALL_DTYPES[d]));
            if (shapc_npy_write(path, a, &err) != SHAPC_OK)
                fail_msg("write %s: %s", path, err.message);
            check_npy_header(path, descrs[d]);
            if (shapc_npy_read(path, &b, &err) != SHAPC_OK)
                fail_msg("read %s: %s", path, err.message);
            assert_arrays_equal(a, b);
            shapc_array_free(a);
            shapc_array_free(b);
        }
    }
}

/* Writes a .npy with a hand-written header (padded to 64) and `data_len` bytes of payload. */
static void write_npy_raw(const char *path, int major, const char *dict, const void *data,
                          size_t data_len)
{
    unsigned char buf[1024];
    size_t pre = major == 1 ? 10 : 12, n = strlen(dict), total = pre + n + 1, hlen;
    total += (64 - total % 64) % 64;
    hlen = total - pre;
    assert_true(total + data_len <= sizeof buf);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    if (major != 1) {
        buf[10] = 0;
        buf[11] = 0;
    }
    memcpy(buf + pre, dict, n);
    memset(buf + pre + n, ' ', total - pre - n - 1);
    buf[total - 1] = '\n';
    if (data_len)
        memcpy(buf + total, data, data_len);
    tu_write_file(path, buf, total + data_len);
}

static void test_npy_header_variants(void **state)
{
    const float vals[6] = {1.0f, 2.5f, -3.0f, 4.0f, 5.0f, 6.0f};
    char path[PATH_CAP];
    shapc_array *a = NULL;
    shapc_error err = {0};
    (void)state;
    tu_tmp_path(path, sizeof path, "data_variant.npy");

    /* keys reordered, double quotes, no trailing comma, odd spacing */
    write_npy_raw(path, 1, "{ \"shape\" :(2,3) ,\"fortran_order\":False,'descr':'<f4'}", vals,
                  sizeof vals);
    assert_int_equal(shapc_npy_read(path, &a, &err), SHAPC_OK);
    assert_int_equal(shapc_array_rank(a), 2);
    assert_int_equal(shapc_array_dim(a, 0), 2);
    assert_int_equal(shapc_array_dim(a, 1), 3);
    assert_memory_equal(shapc_array_cdata(a), vals, sizeof vals);
    shapc_array_free(a);

    /* version 2.0 preamble, Python 2 longs, trailing comma inside the tuple */
    write_npy_raw(path, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (6L,), }", vals,
                  sizeof vals);
    assert_int_equal(shapc_npy_read(path, &a, &err), SHAPC_OK);
    assert_int_equal(shapc_array_rank(a), 1);
    assert_int_equal(shapc_array_dim(a, 0), 6);
    shapc_array_free(a);

    /* scalar and empty arrays */
    write_npy_raw(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", vals, 4);
    assert_int_equal(shapc_npy_read(path, &a, &err), SHAPC_OK);
    assert_int_equal(shapc_array_rank(a), 0);
    assert_true(((const float *)shapc_array_cdata(a))[0] == 1.0f);
    shapc_array_free(a);
    write_npy_raw(path, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (0, 5), }", NULL, 0);
    assert_int_equal(shapc_npy_read(path, &a, &err), SHAPC_OK);
    assert_int_equal(shapc_array_size(a), 0);
    assert_int_equal(shapc_array_dim(a, 1), 5);
    shapc_array_free(a);
}

static void expect_npy_fail(const char *name, const char *dict, size_t data_len, shapc_status want)
{
    static const unsigned char zeros[256];
    char path[PATH_CAP];
    shapc_array *a = NULL;
    shapc_error err = {0};
    tu_tmp_path(path, sizeof path, name);
    write_npy_raw(path, 1, dict, zeros, data_len);
    expect_fail(shapc_npy_read(path, &a, &err), &err, want, path);
    assert_null(a);
}

static void test_npy_malformed(void **state)
{
    char path[PATH_CAP];
    unsigned char *bytes;
    size_t len;
    shapc_array *a = NULL, *w;
    shapc_error err = {0};
    const size_t shape[2] = {3, 4};
    (void)state;

    expect_npy_fail("data_nfortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2,),}",
                    8, SHAPC_EUNSUPPORTED);
    expect_npy_fail("data_nbig.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (2,),}", 8,
                    SHAPC_EUNSUPPORTED);
    expect_npy_fail("data_ndescr.npy", "{'descr': '<c8', 'fortran_order': False, 'shape': (2,),}",
                    16, SHAPC_EUNSUPPORTED);
    expect_npy_fail("data_nobj.npy", "{'descr': '|O', 'fortran_order': False, 'shape': (2,),}", 16,
                    SHAPC_EUNSUPPORTED);
    expect_npy_fail("data_nrec.npy",
                    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,),}", 8,
                    SHAPC_EUNSUPPORTED);
    expect_npy_fail("data_ngarbage.npy", "this is not a dict", 0, SHAPC_EFORMAT);
    expect_npy_fail("data_nunclosed.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,",
                    8, SHAPC_EFORMAT);
    expect_npy_fail("data_nmissing.npy", "{'descr': '<f4', 'shape': (2,), }", 8, SHAPC_EFORMAT);
    expect_npy_fail("data_nextra.npy",
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8,
                    SHAPC_EFORMAT);
    expect_npy_fail("data_nneg.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,),}", 8,
                    SHAPC_EFORMAT);
    expect_npy_fail("data_ntrunc.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3,),}",
                    8, SHAPC_ETRUNC);
    expect_npy_fail("data_ntrail.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,),}",
                    8, SHAPC_EFORMAT);
    expect_npy_fail("data_nhuge.npy",
                    "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, "
                    "4294967296, 4294967296),}",
                    8, SHAPC_ERANGE);
    expect_npy_fail("data_nbigint.npy",
                    "{'descr': '<f8', 'fortran_order': False, 'shape': "
                    "(99999999999999999999999,),}",
                    8, SHAPC_ERANGE);
    expect_npy_fail("data_nrank9.npy",
                    "{'descr': '|u1', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1),}", 1,
                    SHAPC_EUNSUPPORTED);

    /* truncations of a real file: inside the preamble, inside the header, inside the data */
    w = make_array(SHAPC_F32, 2, shape);
    tu_tmp_path(path, sizeof path, "data_nsrc.npy");
    assert_int_equal(shapc_npy_write(path, w, &err), SHAPC_OK);
    shapc_array_free(w);
    bytes = tu_read_file(path, &len);
    assert_non_null(bytes);
    tu_tmp_path(path, sizeof path, "data_ncut.npy");
    tu_write_file(path, bytes, 7);
    expect_fail(shapc_npy_read(path, &a, &err), &err, SHAPC_ETRUNC, path);
    tu_write_file(path, bytes, 40);
    expect_fail(shapc_npy_read(path, &a, &err), &err, SHAPC_ETRUNC, path);
    tu_write_file(path, bytes, len - 3);
    expect_fail(shapc_npy_read(path, &a, &err), &err, SHAPC_ETRUNC, path);
    bytes[0] = 'X';
    tu_write_file(path, bytes, len);
    expect_fail(shapc_npy_read(path, &a, &err), &err, SHAPC_EFORMAT, path);
    bytes[0] = 0x93;
    bytes[6] = 9;
    tu_write_file(path, bytes, len);
    expect_fail(shapc_npy_read(path, &a, &err), &err, SHAPC_EUNSUPPORTED, path);
    assert_null(a);
    free(bytes);
}

/* Finds a python3 that can import numpy; NULL if none. */
static const char *find_numpy_python(void)
{
    static const char *candidates[] = {"python3", "/usr/bin/python3"};
    const char *env = getenv("SHAPC_PYTHON");
    char cmd[PATH_CAP];
    size_t i;
    if (env && *env) {
        snprintf(cmd, sizeof cmd, "'%s' -c 'import numpy' >/dev/null 2>&1", env);
        if (system(cmd) == 0)
            return env;
    }
    for (i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        snprintf(cmd, sizeof cmd, "%s -c 'import numpy' >/dev/null 2>&1", candidates[i]);
        if (system(cmd) == 0)
            return candidates[i];
    }
    return NULL;
}

static void test_npy_numpy_interop(void **state)
{
    static const char *np_names[] = {"uint8", "int8", "int16", "int32", "float32", "float64"};
    static const size_t shape[3] = {2, 3, 4};
    const char *py = find_numpy_python();
    char dir[DIR_CAP], path[PATH_CAP], script[PATH_CAP], cmd[3 * PATH_CAP];
    FILE *f;
    size_t d;
    shapc_array *a = NULL;
    shapc_error err = {0};
    (void)state;
    if (!py) {
        print_message("skipping: no python3 with numpy\n");
        skip();
    }
    fresh_dir(dir, sizeof dir, "data_numpy");
    snprintf(script, sizeof script, "%s/check.py", dir);
    f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "import sys, numpy as np\n"
               "d = sys.argv[1]\n"
               "def pat(name, n):\n"
               "    i = np.arange(n)\n"
               "    v = (i %% 50) - 20.0\n"
               "    if name == 'uint8': return (i %% 200).astype(name)\n"
               "    if name == 'int16': return (v * 1000).astype(name)\n"
               "    if name == 'int32': return (v * 100000).astype(name)\n"
               "    if name.startswith('float'): return (v * 0.25).astype(name)\n"
               "    return v.astype(name)\n");
    fprintf(f,
            "for name in %s:\n"
            "    a = np.load(d + '/ours_' + name + '.npy')\n"
            "    assert a.dtype == np.dtype(name), (name, a.dtype)\n"
            "    assert a.shape == (2, 3, 4), (name, a.shape)\n"
            "    assert np.array_equal(a.ravel(), pat(name, 24)), name\n"
            "s = np.load(d + '/ours_scalar.npy')\n"
            "assert s.shape == () and s.dtype == np.float64 and s == 2.5\n"
            "np.save(d + '/theirs_f64.npy', np.arange(12, dtype=np.float64).reshape(3, 4) / 2)\n"
            "np.save(d + '/theirs_i16.npy', np.array([-300, 7, 32767], dtype=np.int16))\n"
            "np.save(d + '/theirs_fortran.npy', np.asfortranarray(np.ones((2, 3))))\n"
            "np.save(d + '/theirs_be.npy', np.ones(3, dtype='>f4'))\n",
            "['uint8', 'int8', 'int16', 'int32', 'float32', 'float64']");
    fclose(f);

    for (d = 0; d < N_DTYPES; d++) {
        a = make_array(ALL_DTYPES[d], 3, shape);
        fill_pattern(a);
        snprintf(path, sizeof path, "%s/ours_%s.npy", dir, np_names[d]);
        assert_int_equal(shapc_npy_write(path, a, &err), SHAPC_OK);
        shapc_array_free(a);
    }
    a = make_array(SHAPC_F64, 0, NULL);
    ((double *)shapc_array_data(a))[0] = 2.5;
    snprintf(path, sizeof path, "%s/ours_scalar.npy", dir);
    assert_int_equal(shapc_npy_write(path, a, &err), SHAPC_OK);
    shapc_array_free(a);

    snprintf(cmd, sizeof cmd, "%s -B '%s' '%s'", py, script, dir);
    assert_int_equal(system(cmd), 0);

    /* and we read what numpy writes */
    snprintf(path, sizeof path, "%s/theirs_f64.npy", dir);
    assert_int_equal(shapc_npy_read(path, &a, &err), SHAPC_OK);
    assert_int_equal(shapc_array_dtype(a), SHAPC_F64);
    assert_int_equal(shapc_array_dim(a, 0), 3);
    assert_int_equal(shapc_array_dim(a, 1), 4);
    assert_near(((const double *)shapc_array_cdata(a))[11], 5.5, 0.0);
    shapc_array_free(a);
    snprintf(path, sizeof path, "%s/theirs_i16.npy", dir);
    assert_int_equal(shapc_npy_read(path, &a, &err), SHAPC_OK);
    assert_int_equal(shapc_array_rank(a), 1);
    assert_int_equal(((const int16_t *)shapc_array_cdata(a))[0], -300);
    assert_int_equal(((const int16_t *)shapc_array_cdata(a))[2], 32767);
    shapc_array_free(a);
    a = NULL;
    snprintf(path, sizeof path, "%s/theirs_fortran.npy", dir);
    expect_fail(shapc_npy_read(path, &a, &err), &err, SHAPC_EUNSUPPORTED, path);
    snprintf(path, sizeof path, "%s/theirs_be.npy", dir);
    expect_fail(shapc_npy_read(path, &a, &err), &err, SHAPC_EUNSUPPORTED, path);
}

/* ======================================================================================== */
/* atomic writes                                                                            */
/* ======================================================================================== */

static void test_atomic_write_leaves_no_temp(void **state)
{
    char dir[DIR_CAP], path[PATH_CAP];
    const char text1[] = "{\"a\": 1}\n", text2[] = "second";
    const size_t shape[2] = {2, 2};
    shapc_array *a = make_array(SHAPC_F64, 2, shape);
    shapc_error err = {0};
    unsigned char *bytes;
    size_t len;
    (void)state;
    fresh_dir(dir, sizeof dir, "data_atomic");
    snprintf(path, sizeof path, "%s/out.json", dir);
    assert_int_equal(shapc_file_write_atomic(path, text1, strlen(text1), &err), SHAPC_OK);
    bytes = tu_read_file(path, &len);
    assert_non_null(bytes);
    assert_int_equal(len, strlen(text1));
    assert_memory_equal(bytes, text1, len);
    free(bytes);
    /* overwrite replaces the content */
    assert_int_equal(shapc_file_write_atomic(path, text2, strlen(text2), &err), SHAPC_OK);
    bytes = tu_read_file(path, &len);
    assert_int_equal(len, strlen(text2));
    assert_memory_equal(bytes, text2, len);
    free(bytes);
    /* every writer goes through the same path */
    snprintf(path, sizeof path, "%s/a.npy", dir);
    assert_int_equal(shapc_npy_write(path, a, &err), SHAPC_OK);
    snprintf(path, sizeof path, "%s/a.idx", dir);
    assert_int_equal(shapc_idx_write(path, a, &err), SHAPC_OK);
    snprintf(path, sizeof path, "%s/a.idx.gz", dir);
    assert_int_equal(shapc_idx_write(path, a, &err), SHAPC_OK);
    assert_int_equal(count_entries_no_tmp(dir), 4);
    shapc_array_free(a);
}

static void test_atomic_write_missing_dir(void **state)
{
    char dir[DIR_CAP], missing[384], path[PATH_CAP];
    const size_t shape[1] = {3};
    shapc_array *a = make_array(SHAPC_U8, 1, shape);
    shapc_error err = {0};
    (void)state;
    fresh_dir(dir, sizeof dir, "data_atomic_missing");
    snprintf(missing, sizeof missing, "%s/no/such/dir", dir);
    snprintf(path, sizeof path, "%s/out.json", missing);
    expect_fail(shapc_file_write_atomic(path, "x", 1, &err), &err, SHAPC_EIO, path);
    snprintf(path, sizeof path, "%s/out.npy", missing);
    expect_fail(shapc_npy_write(path, a, &err), &err, SHAPC_EIO, path);
    snprintf(path, sizeof path, "%s/out.idx.gz", missing);
    expect_fail(shapc_idx_write(path, a, &err), &err, SHAPC_EIO, path);
    assert_false(file_exists(missing));
    assert_int_equal(count_entries_no_tmp(dir), 0);
    shapc_array_free(a);
}

static void test_afile_abort_removes_temp(void **state)
{
    char dir[DIR_CAP], path[PATH_CAP], tmp[PATH_CAP];
    shapc__afile af;
    shapc_error err = {0};
    (void)state;
    fresh_dir(dir, sizeof dir, "data_afile");
    snprintf(path, sizeof path, "%s/target.bin", dir);
    assert_int_equal(shapc__afile_open(&af, path, &err), SHAPC_OK);
    assert_non_null(strstr(af.tmp_path, "target.bin.tmp."));
    snprintf(tmp, sizeof tmp, "%s", af.tmp_path);
    fputs("partial", af.fp);
    fflush(af.fp);
    assert_true(file_exists(tmp));
    assert_false(file_exists(path)); /* nothing visible before commit */
    shapc__afile_abort(&af);
    assert_false(file_exists(tmp));
    assert_false(file_exists(path));
    shapc__afile_abort(&af); /* second abort is harmless */
    assert_int_equal(count_entries_no_tmp(dir), 0);

    /* two open writers to one target get distinct temporaries; the last commit wins */
    {
        shapc__afile a1, a2;
        unsigned char *bytes;
        size_t len;
        assert_int_equal(shapc__afile_open(&a1, path, &err), SHAPC_OK);
        assert_int_equal(shapc__afile_open(&a2, path, &err), SHAPC_OK);
        assert_string_not_equal(a1.tmp_path, a2.tmp_path);
        fputs("one", a1.fp);
        fputs("two", a2.fp);
        assert_int_equal(shapc__afile_commit(&a1, &err), SHAPC_OK);
        assert_int_equal(shapc__afile_commit(&a2, &err), SHAPC_OK);
        assert_null(a1.fp);
        bytes = tu_read_file(path, &len);
        assert_int_equal(len, 3);
        assert_memory_equal(bytes, "two", 3);
        free(bytes);
        assert_int_equal(count_entries_no_tmp(dir), 1);
    }
}

/* A target that is not a regular file is written through, not renamed over: /dev/null stays
 * a character device (renaming onto it as root would make it a regular file for the whole
 * machine), and a named pipe receives the bytes. */
static void test_atomic_write_to_devices(void **state)
{
    (void)state;
    shapc_error err = {0};
    size_t shape[2] = {3, 2};
    shapc_array *a = NULL;
    assert_int_equal(shapc_array_create(SHAPC_F32, 2, shape, &a, &err), SHAPC_OK);
    struct stat sb;
    assert_int_equal(stat("/dev/null", &sb), 0);
    if (S_ISCHR(sb.st_mode)) {
        assert_int_equal(shapc_npy_write("/dev/null", a, &err), SHAPC_OK);
        assert_int_equal(stat("/dev/null", &sb), 0);
        assert_true(S_ISCHR(sb.st_mode));
    }
    char dir[DIR_CAP], fifo[PATH_CAP];
    fresh_dir(dir, sizeof dir, "data_fifo");
    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the reader: counts the bytes; gives up after 20 s (no writer ever came) */
        alarm(20);
        FILE *in = fopen(fifo, "rb");
        size_t n = 0;
        while (in && fgetc(in) != EOF)
            n++;
        _exit(n > 64 ? 0 : 1);
    }
    assert_int_equal(shapc_npy_write(fifo, a, &err), SHAPC_OK);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(stat(fifo, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    assert_int_equal(count_entries_no_tmp(dir), 1);
    shapc_array_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atomic_write_to_devices),
        cmocka_unit_test(test_dtype_table),
        cmocka_unit_test(test_array_create_zeroed_and_shaped),
        cmocka_unit_test(test_array_create_rejects_bad_args),
        cmocka_unit_test(test_array_reshape),
        cmocka_unit_test(test_array_convert_truncates_and_saturates),
        cmocka_unit_test(test_array_alloc_failure),
        cmocka_unit_test(test_idx_roundtrip_all_dtypes_and_ranks),
        cmocka_unit_test(test_idx_bytes_are_big_endian),
        cmocka_unit_test(test_idx_gz_output_is_gzip),
        cmocka_unit_test(test_idx_fashion_mnist),
        cmocka_unit_test(test_idx_malformed),
        cmocka_unit_test(test_idx_gz_malformed),
        cmocka_unit_test(test_idx_write_errors),
        cmocka_unit_test(test_npy_roundtrip_all_dtypes_and_ranks),
        cmocka_unit_test(test_npy_header_variants),
        cmocka_unit_test(test_npy_malformed),
        cmocka_unit_test(test_npy_numpy_interop),
        cmocka_unit_test(test_atomic_write_leaves_no_temp),
        cmocka_unit_test(test_atomic_write_missing_dir),
        cmocka_unit_test(test_afile_abort_removes_temp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
