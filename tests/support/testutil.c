/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void tu_assert_near(double a, double b, double tol, const char *sa, const char *sb,
                    const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) {
        print_error("%s:%d: %s = %.12g and %s = %.12g differ by %.3g > %.3g\n", file, line, sa,
                    a, sb, b, fabs(a - b), tol);
        fail();
    }
}

const char *tu_tmp_path(char *buf, size_t cap, const char *name)
{
    const char *dir = getenv("SHAPC_TEST_TMP");
    if (!dir)
        dir = "/tmp";
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        fail_msg("cannot create %s", dir);
    snprintf(buf, cap, "%s/%s", dir, name);
    return buf;
}

const char *tu_fixture_path(char *buf, size_t cap, const char *name)
{
    const char *dir = getenv("SHAPC_TEST_FIXTURES");
    snprintf(buf, cap, "%s/%s", dir ? dir : "tests/fixtures", name);
    return buf;
}

void tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

unsigned char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long n;
    unsigned char *buf;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}
