#!/usr/bin/env bash
# Malformed input files end to end (issue 17): each one is refused by `shapc explain` (as
# INPUT), `shapc predict` and as `--background FILE`, with the real reason and the file's
# name (line and column for CSV) - never "--rows out of range (the file has 0 rows)" - and
# no results. Plus `shapc predict` with a process model (--model-cmd).
source "$(dirname "$0")/lib.sh" "$@"
SAMPLES=$(cd "$SHAPC_TEST_FIXTURES/../../samples" && pwd)

# --- the files ---
header="f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,f13,f14,f15"
row="0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.1,0.2,0.3,0.4,0.5,0.6,0.7"
printf '%s\n%s\n%s\n' "$header" "$row" "$row" >good.csv
# IDX uint8 rank 4, every dimension 0xffffffff: the product overflows size_t.
printf '\x00\x00\x08\x04\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff' \
    >dims_overflow.idx
# gzip IDX whose header promises 400,000,000 rows of 4x4 and holds one.
printf '\x00\x00\x08\x03\x17\xd7\x84\x00\x00\x00\x00\x04\x00\x00\x00\x04' >huge.raw
head -c 16 /dev/zero >>huge.raw
gzip -c huge.raw >huge.idx.gz
# NPY with shape (2^32, 2^32, 16): the product overflows size_t.
npy_header="{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }"
while [ $(((10 + ${#npy_header} + 1) % 64)) -ne 0 ]; do npy_header="$npy_header "; done
printf '\x93NUMPY\x01\x00' >shape_overflow.npy
printf "\\x$(printf %02x $((${#npy_header} + 1)))\\x00" >>shape_overflow.npy
printf '%s\n' "$npy_header" >>shape_overflow.npy
# CSV cells: a value beyond float32, 100,000 digits, a NUL byte inside, bad UTF-8 in the header.
printf '%s\n1e999%s\n' "$header" "${row#0.1}" >huge_value.csv
digits=$(head -c 100000 /dev/zero | tr '\0' '7')
printf '%s\n%s%s\n' "$header" "$digits" "${row#0.1}" >long_cell.csv
printf '%s\n1\0005%s\n' "$header" "${row#0.1}" >nul_cell.csv
printf 'f0,f\xff\xfe1%s\n%s\n' "${header#f0,f1}" "$row" >bad_utf8.csv

# check FILE REASON [LOCATION]: the three commands refuse FILE naming it and REASON, with and
# without a row range (a range must not hide the reader's error behind "out of range").
check() {
    local file=$1 reason=$2 where=${3:-} input=$FIX/input.npy
    case $file in *.csv) input=good.csv ;; esac
    for cmd in explain explain-rows predict predict-rows background background-rows; do
        case $cmd in
        explain) expect_fail 1 "$SHAPC" explain "$FIX/model.bin" "$file" -o out -q ;;
        explain-rows)
            expect_fail 1 "$SHAPC" explain "$FIX/model.bin" "$file" --rows 0:1 -o out -q ;;
        predict) expect_fail 1 "$SHAPC" predict "$FIX/model.bin" "$file" ;;
        predict-rows) expect_fail 1 "$SHAPC" predict "$FIX/model.bin" "$file" --rows 0:1 ;;
        background)
            expect_fail 1 "$SHAPC" explain "$FIX/model.bin" "$input" --background "$file" \
                -o out -q ;;
        background-rows)
            expect_fail 1 "$SHAPC" explain "$FIX/model.bin" "$input" --background "$file" \
                --background-rows 0:1 -o out -q ;;
        esac
        [ -s "$WORK/last.out" ] && fail "$cmd $file: partial output: $(cat "$WORK/last.out")"
        assert_contains "$ERRLINE" "$file"
        assert_contains "$ERRLINE" "$reason"
        [ -z "$where" ] || assert_contains "$ERRLINE" "$where"
        case $ERRLINE in *"out of range"* | *"0 rows"*) fail "$cmd $file: $ERRLINE" ;; esac
        assert_no_outputs out
    done
}
check dims_overflow.idx "their product overflows the element count"
check huge.idx.gz "header promises (400000000, 4, 4)"
check shape_overflow.npy "its product overflows the element count"
check huge_value.csv "'1e999' is outside the float32 range" "line 2, column 'f0'"
check long_cell.csv "(100000 characters) is outside the float32 range" "line 2, column 'f0'"
check nul_cell.csv "a NUL byte inside the value" "line 2, column 'f0'"
check bad_utf8.csv "is not valid UTF-8" "line 1: header column 2"

# --- predict with black-box models ---
expect_fail 2 "$SHAPC" predict "$FIX/model.bin" "$FIX/input.npy" --model-cmd "true"
assert_contains "$ERRLINE" "either MODEL"
expect_fail 2 "$SHAPC" predict "$FIX/input.npy" --plugin-arg x
assert_contains "$ERRLINE" "--plugin-arg needs --model-plugin"
expect_fail 2 "$SHAPC" predict --model-cmd "true" --model-plugin x.so "$FIX/input.npy"
expect_fail 2 "$SHAPC" predict --model-cmd "a 'b" "$FIX/input.npy"
expect_fail 2 "$SHAPC" predict --model-cmd "true" "$FIX/input.npy" --batch 0
expect_fail 2 "$SHAPC" predict --model-cmd "true" "$FIX/input.npy" --model-timeout -1
expect_fail 1 "$SHAPC" predict --model-cmd "sh -c 'exit 3'" "$FIX/input.npy"
assert_contains "$ERRLINE" "exited with status 3 before the handshake"
expect_fail 1 "$SHAPC" predict --model-plugin /nonexistent/libnope.so "$FIX/input.npy"
assert_contains "$ERRLINE" "/nonexistent/libnope.so"
# A malformed INPUT is refused before the process starts: not a line from the server.
expect_fail 1 "$SHAPC" predict --model-cmd "sh -c 'echo started >&2; sleep 30'" nul_cell.csv \
    --model-timeout 1
assert_contains "$ERRLINE" "nul_cell.csv: line 2, column 'f0': a NUL byte inside the value"
expect_fail 1 "$SHAPC" explain --model-cmd "sh -c 'echo started >&2; sleep 30'" nul_cell.csv \
    --background good.csv --model-timeout 1 -o out -q
assert_contains "$ERRLINE" "nul_cell.csv: line 2, column 'f0': a NUL byte inside the value"
expect_fail 1 "$SHAPC" explain --model-cmd "sh -c 'echo started >&2; sleep 30'" good.csv \
    --background huge_value.csv --model-timeout 1 -o out -q
assert_contains "$ERRLINE" "huge_value.csv: line 2, column 'f0': '1e999' is outside"
assert_no_outputs out
run_ok "$SHAPC" predict --help
assert_contains "$(cat "$WORK/last.out")" "--model-cmd"
if [ -n "$PY" ]; then
    server="$PY $SAMPLES/python/serve_numpy_mlp.py $FIX/model.bin"
    run_ok "$SHAPC" predict "$FIX/model.bin" "$FIX/input.npy" --rows 1:3
    mv "$WORK/last.out" native.txt
    run_ok "$SHAPC" predict --model-cmd "$server" "$FIX/input.npy" --rows 1:3 --batch 2 \
        --model-timeout 60
    [ "$(wc -l <"$WORK/last.out")" -eq 3 ] || fail "predict --model-cmd: $(cat "$WORK/last.out")"
    # Same rows and classes; the values agree to float32 rounding.
    diff <(awk '{print $1, $2}' native.txt) <(awk '{print $1, $2}' "$WORK/last.out") ||
        fail "predict --model-cmd differs from the model.bin"
    run_ok "$SHAPC" predict --model-cmd "$server" "$FIX/input.npy" -o proc.npy
    run_ok "$SHAPC" predict "$FIX/model.bin" "$FIX/input.npy" -o native.npy
    "$PY" - <<'PYEOF' || fail "predict --model-cmd -o differs from the model.bin"
import numpy as np
a, b = np.load("native.npy"), np.load("proc.npy")
assert a.shape == b.shape and np.allclose(a, b, atol=1e-5, rtol=0), (a.shape, b.shape)
PYEOF
fi
PLUGIN=${SHAPC_SAMPLES_BIN:-}/plugin/libshapc_sample_plugin.so
if [ -f "$PLUGIN" ]; then
    W="0.5,-0.25,0.125,0,0,0,0,0,0,0,0,0,0,0,0.01,-0.02,0.3"
    run_ok "$SHAPC" predict --model-plugin "$PLUGIN" --plugin-arg "$W" "$FIX/input.npy" \
        -o plug.npy
    if [ -n "$PY" ]; then
        "$PY" - "$W" "$FIX/input.npy" <<'PYEOF' || fail "predict --model-plugin is wrong"
import sys
import numpy as np
w = np.array([float(v) for v in sys.argv[1].split(",")])
x = np.load(sys.argv[2]).astype(np.float64)
p = 1 / (1 + np.exp(-(x @ w[:-1] + w[-1])))
got = np.load("plug.npy")
assert got.shape == (len(x), 1) and np.allclose(got[:, 0], p, atol=1e-6), (got, p)
PYEOF
    fi
    expect_fail 1 "$SHAPC" predict --model-plugin "$PLUGIN" --plugin-arg "1,x" "$FIX/input.npy"
    assert_contains "$ERRLINE" "not a comma-separated list"
fi
