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

# A python3 that has numpy (the pyenv shim may not; Debian's /usr/bin/python3 does). The build
# needs Debian's python3-numpy anyway (tests/fuzz/make_corpus.py), so without it the numeric
# checks fail rather than skip; SHAPC_ALLOW_NO_NUMPY=1 lets a machine without it run the rest.
PY=
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import numpy' 2>/dev/null; then
        PY=$candidate
        break
    fi
done
if [ -z "$PY" ]; then
    [ "${SHAPC_ALLOW_NO_NUMPY:-0}" = 1 ] ||
        fail "no python3 with numpy for the numeric checks (install python3-numpy, or set" \
            "SHAPC_ALLOW_NO_NUMPY=1 to skip them)"
    echo "note: no python3 with numpy; skipping the numeric checks (SHAPC_ALLOW_NO_NUMPY=1)" >&2
fi

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

# ---- long runs: the resume and MPI tests -----------------------------------------------------

JOURNAL=.shapc-journal
JOURNAL_HEADER=320 # journal header bytes (src/cli/journal.c)
JOURNAL_RECORD=500 # bytes per row of the fixture model: 16 players x 3 classes

# make_big_idx N: writes big.idx, a uint8 IDX (N, 4, 4) of deterministic pixels.
make_big_idx() {
    local n=$1
    printf "\\x00\\x00\\x08\\x03\\x$(printf %02x $((n >> 24 & 255)))\\x$(printf %02x $((n >> 16 & 255)))\\x$(printf %02x $((n >> 8 & 255)))\\x$(printf %02x $((n & 255)))\\x00\\x00\\x00\\x04\\x00\\x00\\x00\\x04" >big.idx
    LC_ALL=C awk -v n="$n" 'BEGIN { for (i = 0; i < n * 16; i++) printf "%c", (i * 37 + i * i * 11) % 251 }' >>big.idx
    [ "$(wc -c <big.idx)" -eq $((16 + n * 16)) ] || fail "big.idx has the wrong size"
}

# bg_until_rows DIR N CMD...: starts CMD in the background (pid in $BG, output in
# $WORK/bg.out and bg.err) and waits until DIR's journal holds at least N rows.
bg_until_rows() {
    local dir=$1 n=$2
    shift 2
    "$@" >"$WORK/bg.out" 2>"$WORK/bg.err" &
    BG=$!
    for _ in $(seq 1 3000); do
        [ "$(rows_in "$dir")" -ge "$n" ] && return 0
        kill -0 "$BG" 2>/dev/null || fail "background run into $dir ended early: $(cat "$WORK/bg.err")"
        sleep 0.01
    done
    fail "background run into $dir journaled fewer than $n rows"
}

# interrupt_after DIR N CMD...: bg_until_rows, then SIGINT; the run must exit with 130.
interrupt_after() {
    bg_until_rows "$@"
    kill -INT "$BG"
    local rc=0
    wait "$BG" || rc=$?
    [ "$rc" -eq 130 ] || fail "SIGINT: expected exit 130, got $rc ($(cat "$WORK/bg.err"))"
}

# rows_in DIR: finished rows in DIR's journal (whole records only).
rows_in() {
    local size
    size=$(stat -c %s "$1/$JOURNAL" 2>/dev/null || echo 0)
    [ "$size" -ge "$JOURNAL_HEADER" ] || { echo 0; return; }
    echo $(((size - JOURNAL_HEADER) / JOURNAL_RECORD))
}

# same_results A B [FILES]: every file of FILES (default: the results contract) but
# summary.json is byte-identical; summary.json equal except timings and argv.
TEXT_RESULT_FILES="shap_values.npy stderr.npy base_values.npy predictions.npy classes.npy
inputs.npy text_values.json vocab_importance.json summary.json"
same_results() {
    local f
    for f in ${3:-$RESULT_FILES}; do
        [ "$f" = summary.json ] || cmp -s "$1/$f" "$2/$f" || fail "$f differs between $1 and $2"
    done
    if [ -n "$PY" ]; then
        "$PY" - "$1/summary.json" "$2/summary.json" <<'PYEOF' || fail "summary.json differs: $1 $2"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for s in (a, b):
    del s["timings"], s["argv"]
assert a == b
PYEOF
    fi
}

