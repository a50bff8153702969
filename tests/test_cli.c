/* test_cli.c - unit tests for the CLI's helpers that the end-to-end scripts cannot pin down
 * precisely: the strict option-value parsers. The CLI sources are not in the library, so the
 * small module is compiled in here. (The JSON the results directory uses is the library's,
 * tested in test_results.c.) */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.c"
#include "cli/rows.c"

/* ---- value parsers ---- */

static void sizes_are_strict(void **state)
{
    (void)state;
    size_t v = 0;
    uint64_t u = 0;
    assert_int_equal(shapc_cli_parse_size("5000", &v), 0);
    assert_int_equal(v, 5000);
    assert_int_equal(shapc_cli_parse_size("0", &v), 0);
    assert_int_equal(v, 0);
    const char *bad[] = {"", "-1", "+1", " 5", "5 ", "5k", "1e3", "0x10", "1.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(shapc_cli_parse_size(bad[i], &v), -1);
    assert_int_equal(shapc_cli_parse_u64("18446744073709551615", &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(shapc_cli_parse_u64("18446744073709551616", &u), -1);
}

/* The rows a selection names in a file of n rows, as "r0 r1 ..." ("" when refused). */
static const char *rows_of(const char *spec, size_t n, char *buf, size_t cap)
{
    shapc_cli_range r;
    size_t *rows = NULL, count = 0, used = 0;
    buf[0] = '\0';
    if (shapc_cli_parse_range(spec, &r) != 0 || shapc_cli_range_rows(&r, n, &rows, &count) != 0)
        return buf;
    for (size_t i = 0; i < count && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%zu", i ? " " : "", rows[i]);
    free(rows);
    return buf;
}

static void ranges_parse_and_resolve(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(rows_of("0:10", 10, buf, sizeof buf), "0 1 2 3 4 5 6 7 8 9");
    assert_string_equal(rows_of("0:10", 9, buf, sizeof buf), ""); /* beyond the file */
    assert_string_equal(rows_of("3:", 5, buf, sizeof buf), "3 4");
    assert_string_equal(rows_of("3:", 3, buf, sizeof buf), ""); /* empty */
    assert_string_equal(rows_of(":2", 5, buf, sizeof buf), "0 1");
    assert_string_equal(rows_of("4", 5, buf, sizeof buf), "4");
    assert_string_equal(rows_of("4", 4, buf, sizeof buf), "");
    /* steps and lists keep the file's row numbers */
    assert_string_equal(rows_of("0:569:100", 569, buf, sizeof buf), "0 100 200 300 400 500");
    assert_string_equal(rows_of("1:10:3", 10, buf, sizeof buf), "1 4 7");
    assert_string_equal(rows_of("::4", 10, buf, sizeof buf), "0 4 8");
    assert_string_equal(rows_of("2::4", 11, buf, sizeof buf), "2 6 10");
    assert_string_equal(rows_of(":7:3", 10, buf, sizeof buf), "0 3 6");
    assert_string_equal(rows_of("0,5,9", 10, buf, sizeof buf), "0 5 9");
    assert_string_equal(rows_of("0,5,9", 9, buf, sizeof buf), "");
    assert_string_equal(rows_of("0:2,5,7:", 9, buf, sizeof buf), "0 1 5 7 8");
    assert_string_equal(rows_of("0:10:3,10", 11, buf, sizeof buf), "0 3 6 9 10");
    /* an open step item near SIZE_MAX neither loops nor overflows */
    assert_string_equal(rows_of("3::18446744073709551615", 5, buf, sizeof buf), "3");
    shapc_cli_range r;
    assert_int_equal(shapc_cli_parse_range("0:10", &r), 0);
    assert_true(r.simple && r.given && r.has_end && r.begin == 0 && r.end == 10);
    assert_int_equal(shapc_cli_parse_range("0:10:2", &r), 0);
    assert_false(r.simple);
    assert_int_equal(shapc_cli_parse_range("0,1", &r), 0);
    assert_false(r.simple);
    const char *bad[] = {"", ":", "a:b", "-1:2", "1:x", " 1:2", "1:2:", "::", ",", "1,", ",1",
                         "1,,2", "1:2:x", "1;2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(shapc_cli_parse_range(bad[i], &r), SHAPC_CLI_ROWS_MALFORMED);
    const char *empty[] = {"5:2", "3:3", "1:5:0", "::0"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
        assert_int_equal(shapc_cli_parse_range(empty[i], &r), SHAPC_CLI_ROWS_EMPTY);
    const char *down[] = {"5,3", "1,1", "0:10,9", "0:10:3,9", "0:10:3,8"};
    for (size_t i = 0; i < sizeof down / sizeof down[0]; i++)
        assert_int_equal(shapc_cli_parse_range(down[i], &r), SHAPC_CLI_ROWS_NOT_UP);
    assert_int_equal(shapc_cli_parse_range("0:10:3,10", &r), 0); /* 9 was the last row */
    assert_int_equal(shapc_cli_parse_range("3:,9", &r), SHAPC_CLI_ROWS_OPEN_INSIDE);
    for (int rc = -4; rc <= -1; rc++)
        assert_true(strlen(shapc_cli_range_why(rc)) > 10);
    shapc_cli_range none = {0, 0, 0, 0, 0, NULL};
    assert_string_equal(rows_of("0:7", 7, buf, sizeof buf), "0 1 2 3 4 5 6");
    size_t *rows = NULL, count = 0;
    assert_int_equal(shapc_cli_range_rows(&none, 7, &rows, &count), 0);
    assert_int_equal(count, 7);
    assert_true(shapc_cli_rows_contiguous(rows, count));
    free(rows);
    assert_int_equal(shapc_cli_range_rows(&none, 0, &rows, &count), -1);
    const size_t gap[3] = {1, 2, 4};
    assert_false(shapc_cli_rows_contiguous(gap, 3));
}

static void hxw_parses(void **state)
{
    (void)state;
    size_t h = 0, w = 0;
    assert_int_equal(shapc_cli_parse_hxw("2x3", &h, &w), 0);
    assert_int_equal(h, 2);
    assert_int_equal(w, 3);
    const char *bad[] = {"", "2", "x2", "2x", "0x2", "2x0", "2X2", "2x2x2", "-2x2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(shapc_cli_parse_hxw(bad[i], &h, &w), -1);
}

static void shapes_format(void **state)
{
    (void)state;
    char buf[32];
    const size_t shape[3] = {28, 28, 1};
    shapc_cli_format_shape(buf, sizeof buf, shape, 3, "x");
    assert_string_equal(buf, "28x28x1");
    shapc_cli_format_shape(buf, 6, shape, 3, ", ");
    assert_int_equal(strlen(buf), 5); /* truncated, still terminated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_are_strict),
        cmocka_unit_test(ranges_parse_and_resolve), cmocka_unit_test(hxw_parses),
        cmocka_unit_test(shapes_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
