# lib.sh - helpers sourced by the CLI end-to-end tests (tests/cli/test_*.sh).
# Usage from a test: source "$(dirname "$0")/lib.sh" "$@"   (args: shapc binary, scratch dir)
# Provides: $SHAPC, $WORK (fresh scratch dir), $FIX (generated fixtures), $PY (a python3 with
# numpy, or empty), fail, run_ok, expect_fail, assert_contains, assert_no_outputs.
set -u

SHAPC=${1:?usage: test.sh SHAPC_BINARY SCRATCH_DIR}
WORK=${2:?usage: test.sh SHAPC_BINARY SCRATCH_DIR}
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1

# SHAPC_VALGRIND=1 (scripts/test.sh): every shapc command runs under valgrind memcheck; an
# invalid access or a definite leak makes it exit 99, which fails the test.
if [ -n "${SHAPC_VALGRIND:-}" ]; then
    printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full %s "%s" "$@"\n' \
        "--errors-for-leak-kinds=definite --show-leak-kinds=definite \
--suppressions=$(cd "$(dirname "$0")" && pwd)/valgrind.supp" "$SHAPC" >"$WORK/shapc-valgrind"
    chmod +x "$WORK/shapc-valgrind"
    SHAPC=$WORK/shapc-valgrind
fi

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Fixtures come from tests/support/make_fixtures.c (built by CMake; path in the environment).
FIX=$WORK/fixtures
mkdir -p "$FIX"
[ -n "${SHAPC_MAKE_FIXTURES:-}" ] || fail "SHAPC_MAKE_FIXTURES is not set (run through ctest)"
"$SHAPC_MAKE_FIXTURES" "$FIX" || fail "fixture generator failed"

# A python3 that has numpy (the pyenv shim may not; Debian's /usr/bin/python3 does).
PY=
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import numpy' 2>/dev/null; then
        PY=$candidate
        break
    fi
done
[ -n "$PY" ] || echo "note: no python3 with numpy; skipping the numeric checks" >&2

# run_ok CMD...: runs the command, fails the test on a non-zero exit (shows its stderr).
run_ok() {
    "$@" >"$WORK/last.out" 2>"$WORK/last.err" || {
        cat "$WORK/last.err" >&2
        fail "exit $? from: $*"
    }
}

# expect_fail CODE CMD...: the command must exit with CODE ("nonzero" for any failure) and
# print exactly one line on stderr starting with "shapc: ". The line is left in $ERRLINE.
expect_fail() {
    local want=$1
    shift
    local rc=0
    "$@" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    if [ "$want" = nonzero ]; then
        [ "$rc" -ne 0 ] || fail "expected failure, got exit 0 from: $*"
    else
        [ "$rc" -eq "$want" ] || fail "expected exit $want, got $rc from: $*"
    fi
    [ "$(wc -l <"$WORK/last.err")" -eq 1 ] ||
        fail "expected one stderr line from: $* -- got: $(cat "$WORK/last.err")"
    ERRLINE=$(cat "$WORK/last.err")
    case $ERRLINE in
    "shapc: "*) ;;
    *) fail "stderr line does not start with 'shapc: ': $ERRLINE" ;;
    esac
}

# assert_contains TEXT NEEDLE
assert_contains() {
    case $1 in
    *"$2"*) ;;
    *) fail "expected '$2' in: $1" ;;
    esac
}

# assert_no_outputs DIR: DIR is missing or holds no files at all (not even temporaries).
assert_no_outputs() {
    if [ -d "$1" ]; then
        [ -z "$(ls -A "$1")" ] || fail "$1 should be empty but holds: $(ls -A "$1")"
    fi
}

RESULT_FILES="shap_values.npy stderr.npy base_values.npy predictions.npy classes.npy
inputs.npy groups.npy summary.json"

# assert_results DIR: every file of the results contract exists and no temporaries remain.
assert_results() {
    for f in $RESULT_FILES; do
        [ -s "$1/$f" ] || fail "$1/$f missing or empty"
    done
    if ls "$1" | grep -q '\.tmp'; then
        fail "temporary files left in $1: $(ls "$1")"
    fi
}
