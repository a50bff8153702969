/* test_cli.c - unit tests for the CLI's helpers that the end-to-end scripts cannot pin down
 * precisely: the strict option-value parsers. The CLI sources are not in the library, so the
 * small module is compiled in here. (The JSON the results directory uses is the library's,
 * tested in test_results.c.) */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "cli/args.c"

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

static void ranges_parse_and_resolve(void **state)
{
    (void)state;
    shapc_cli_range r;
    size_t a, b;
    assert_int_equal(shapc_cli_parse_range("0:10", &r), 0);
    assert_int_equal(shapc_cli_range_resolve(&r, 10, &a, &b), 0);
    assert_int_equal(a, 0);
    assert_int_equal(b, 10);
    assert_int_equal(shapc_cli_range_resolve(&r, 9, &a, &b), -1); /* beyond the file */
    assert_int_equal(shapc_cli_parse_range("3:", &r), 0);
    assert_int_equal(shapc_cli_range_resolve(&r, 5, &a, &b), 0);
    assert_int_equal(a, 3);
    assert_int_equal(b, 5);
    assert_int_equal(shapc_cli_range_resolve(&r, 3, &a, &b), -1); /* empty */
    assert_int_equal(shapc_cli_parse_range(":2", &r), 0);
    assert_int_equal(shapc_cli_range_resolve(&r, 5, &a, &b), 0);
    assert_int_equal(a, 0);
    assert_int_equal(b, 2);
    assert_int_equal(shapc_cli_parse_range("4", &r), 0);
    assert_int_equal(shapc_cli_range_resolve(&r, 5, &a, &b), 0);
    assert_int_equal(a, 4);
    assert_int_equal(b, 5);
    const char *bad[] = {"", ":", "5:2", "3:3", "a:b", "1:2:3", "-1:2", "1:x", " 1:2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(shapc_cli_parse_range(bad[i], &r), -1);
    shapc_cli_range none = {0, 0, 0, 0};
    assert_int_equal(shapc_cli_range_resolve(&none, 7, &a, &b), 0);
    assert_int_equal(b - a, 7);
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
