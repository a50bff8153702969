/* testutil.h - small helpers shared by the cmocka tests. */
#ifndef SHAPC_TESTUTIL_H
#define SHAPC_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

/* cmocka 1.1.x has no floating-point assert: fail unless |a - b| <= tol (absolute). */
#define assert_near(a, b, tol) tu_assert_near((double)(a), (double)(b), (double)(tol), \
                                              #a, #b, __FILE__, __LINE__)
void tu_assert_near(double a, double b, double tol, const char *sa, const char *sb,
                    const char *file, int line);

/* Path of a fresh scratch file "<SHAPC_TEST_TMP>/<name>" (directory created); static buffer
 * per call site is not used: the result is written into buf. */
const char *tu_tmp_path(char *buf, size_t cap, const char *name);
/* Path of a committed fixture "<SHAPC_TEST_FIXTURES>/<name>". */
const char *tu_fixture_path(char *buf, size_t cap, const char *name);
/* Writes bytes to a file (test setup); fails the test on error. */
void tu_write_file(const char *path, const void *data, size_t len);
/* Reads a whole file into a malloc'd buffer; *len receives its size. */
unsigned char *tu_read_file(const char *path, size_t *len);

#endif
