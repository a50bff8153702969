#!/usr/bin/env bash
# check_linkage.sh SHAPC LIBSHAPC_SO LIBSHAPC_A LIBSHAPC_TEST_A - the build's promises about
# what links what (CMakeLists.txt, docs/architecture.md):
#   1. the shapc program needs libshapc.so at run time and contains none of the library's code:
#      every shapc_ symbol it defines is the CLI's own (shapc_cli_...), so it can only have
#      reached the library through the exported SHAPC_API functions;
#   2. the installed libraries (libshapc.so, libshapc.a) hold no failure-injection code
#      (util/alloc.h), which only the test library shapc_testlib has.
set -u
cli=$1 so=$2 ar=$3 testlib=$4
fail() { echo "FAIL: $*" >&2; exit 1; }

readelf -d "$cli" | grep -q "NEEDED.*\[libshapc\.so" ||
    fail "$cli does not link the shared library libshapc.so: $(readelf -d "$cli" | grep NEEDED)"
own=$(nm --defined-only "$cli" | awk '{print $NF}' | grep -E '^shapc_' | grep -v '^shapc_cli_')
[ -z "$own" ] || fail "$cli holds library code (linked statically?): $(echo $own | head -c 300)"
internal=$(nm -u "$cli" | awk '{print $NF}' | grep -E '^shapc__' || true)
[ -z "$internal" ] || fail "$cli needs internal symbols: $internal"
nm -D --defined-only "$so" | grep -q ' shapc_kernel_create$' || fail "$so exports no API"
leaked=$(nm -D --defined-only "$so" | awk '{print $NF}' | grep -E '^shapc__' || true)
[ -z "$leaked" ] || fail "$so exports internal symbols: $leaked"

for lib in "$so" "$ar"; do
    if nm "$lib" 2>/dev/null | grep -Eq 'shapc__alloc_fail_after|fail_countdown'; then
        fail "$lib contains the allocation failpoints"
    fi
done
nm "$testlib" | grep -q 'T shapc__alloc_fail_after' ||
    fail "$testlib lacks the failpoints the tests need"
echo "check_linkage: ok"
