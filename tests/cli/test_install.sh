# test_install.sh - `cmake --install` gives a usable package: headers, static and shared
# libraries, a relocatable pkg-config file and a CMake package config that a consumer program
# builds and links against (both ways), at a prefix chosen at install time; and the build
# tree's own .pc, which compiles a program against the build in place.
source "$(dirname "$0")/lib.sh" "$@"

build=$(cd "$(dirname "$SHAPC")" && pwd)
[ -f "$build/CMakeCache.txt" ] || { echo "skip: $build is not a build directory"; exit 0; }
# A sanitizer build's libraries need the sanitizer runtime in every consumer: not a package.
if grep -q '^SHAPC_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
    echo "skip: sanitizer build"
    exit 0
fi
run_ok cmake --install "$build" --prefix "$WORK/prefix"
for f in include/shapc/shapc.h include/shapc/kernel.h lib/libshapc.a lib/libshapc.so \
         lib/pkgconfig/shapc.pc lib/cmake/shapc/shapcConfig.cmake bin/shapc; do
    [ -e "$WORK/prefix/$f" ] || fail "cmake --install did not install $f"
done

cat >consumer.c <<'CEOF'
#include <shapc/shapc.h>
#include <stdio.h>
int main(void)
{
    shapc_kernel_options o = shapc_kernel_options_default();
    printf("%s %zu\n", shapc_version_string(), o.n_batches);
    return 0;
}
CEOF
export PKG_CONFIG_PATH=$WORK/prefix/lib/pkgconfig
# shellcheck disable=SC2046
run_ok cc consumer.c $(pkg-config --cflags --libs shapc) -Wl,-rpath,"$WORK/prefix/lib" \
    -o consumer_pc
run_ok ./consumer_pc
assert_contains "$(cat "$WORK/last.out")" "0.1.0 16"

mkdir -p cm
cat >cm/CMakeLists.txt <<CEOF
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(shapc REQUIRED)
add_executable(consumer $WORK/consumer.c)
target_link_libraries(consumer PRIVATE shapc::shapc)
CEOF
run_ok cmake -S cm -B cm/build -DCMAKE_PREFIX_PATH="$WORK/prefix"
run_ok cmake --build cm/build
run_ok cm/build/consumer
assert_contains "$(cat "$WORK/last.out")" "0.1.0 16"
# The build tree's own .pc (docs/install.md, "Using a build in place"): no install, no
# PKG_CONFIG_PATH into the prefix, no LD_LIBRARY_PATH; headers from the source tree.
[ -f "$build/pkgconfig/shapc.pc" ] || fail "the build did not write $build/pkgconfig/shapc.pc"
# shellcheck disable=SC2046
run_ok cc consumer.c $(PKG_CONFIG_PATH=$build/pkgconfig pkg-config --cflags --libs shapc) \
    -o consumer_tree
(unset LD_LIBRARY_PATH; ./consumer_tree) >"$WORK/last.out" || fail "consumer_tree failed"
assert_contains "$(cat "$WORK/last.out")" "0.1.0 16"
ldd consumer_tree | grep -q "$build/libshapc.so" ||
    fail "consumer_tree does not use the build tree's libshapc.so: $(ldd consumer_tree)"

# The Python package (docs/python.md): in the prefix's dist-packages, finding the installed
# libshapc.so by itself (a path relative to the package: no LD_LIBRARY_PATH).
pydir=$(sed -n 's/^SHAPC_PYTHON_INSTALL_DIR:STRING=//p' "$build/CMakeCache.txt")
if [ -n "$pydir" ]; then
    [ -f "$WORK/prefix/$pydir/shapc/__init__.py" ] || fail "the Python package is not in $pydir"
    [ -f "$WORK/prefix/$pydir/shapc/_config.py" ] || fail "the package's _config.py is missing"
    export PYTHONPATH=$WORK/prefix/$pydir
    unset LD_LIBRARY_PATH SHAPC_LIBRARY
    run_ok /usr/bin/python3 -m shapc --version
    assert_contains "$(cat "$WORK/last.out")" "libshapc 0.1.0, $WORK/prefix/lib/libshapc.so"
    run_ok /usr/bin/python3 -c 'import numpy, shapc
e = shapc.KernelExplainer(lambda x: x @ [1.0, 2.0, 3.0], numpy.zeros((1, 3)))
print(e.shap_values(numpy.ones(3)))'
    assert_contains "$(cat "$WORK/last.out")" "[1. 2. 3.]"
fi
echo "test_install: ok"
