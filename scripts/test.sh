#!/usr/bin/env bash
# Builds and runs the whole test suite twice: a normal optimised build with warnings as errors,
# and an AddressSanitizer + UndefinedBehaviorSanitizer build; then the CLI end-to-end tests once
# more under valgrind memcheck (no invalid access, no definite leak).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/install-deps.sh

echo "== release build and tests =="
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DSHAPC_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build build-test -j"$jobs"
ctest --test-dir build-test --output-on-failure -j"$jobs"

echo "== sanitizer build (address, undefined) and tests =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSHAPC_SANITIZE=ON \
      -DSHAPC_WARNINGS_AS_ERRORS=ON -DSHAPC_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

# The CLI tests again, each shapc command under valgrind (tests/cli/lib.sh reads
# SHAPC_VALGRIND; errors or definite leaks exit 99). cli_test_adapters is left out: valgrind
# turns posix_spawn's vfork into a fork, so a missing model command shows up as "exited with
# status 127" instead of "cannot start", which that test asserts. Small fixtures keep this to a
# few minutes.
echo "== CLI end-to-end tests under valgrind (release build) =="
SHAPC_VALGRIND=1 ctest --test-dir build-test --output-on-failure -j"$jobs" -R '^cli_' \
  -E '^cli_test_adapters$'

# The optional MPI build (-DSHAPC_WITH_MPI=ON): only the CLI and the fixture generator, then
# `mpirun -n 2` / `-n 3` on loopback against a single process. CI runs as root in a container
# without network: hence --allow-run-as-root (in the test) and shared memory only.
echo "== MPI build: shapc explain under mpirun =="
cmake -S . -B build-mpi-test -DCMAKE_BUILD_TYPE=Release -DSHAPC_WARNINGS_AS_ERRORS=ON \
      -DSHAPC_WITH_MPI=ON -DSHAPC_BUILD_TESTS=ON -DSHAPC_BUILD_SAMPLES=OFF \
      -DSHAPC_BUILD_BENCH=OFF >/dev/null
cmake --build build-mpi-test -j"$jobs" --target shapc_cli shapc_make_fixtures
OMPI_MCA_btl_vader_single_copy_mechanism=none \
  ctest --test-dir build-mpi-test --output-on-failure -R '^cli_test_mpi$'
