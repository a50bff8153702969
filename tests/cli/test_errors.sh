# test_errors.sh - every failure of `shapc explain` (and the other commands) exits non-zero
# with one "shapc: ..." line on stderr naming the culprit file or option, and leaves no output
# files behind.
source "$(dirname "$0")/lib.sh" "$@"

M=$FIX/model.bin
IN=$FIX/input.idx

# ---- file errors: exit 1, message names the file, -o directory stays empty ----
expect_fail 1 "$SHAPC" explain "$FIX/nope.bin" "$IN" -o e_missing_model
assert_contains "$ERRLINE" "nope.bin"
assert_no_outputs e_missing_model

expect_fail 1 "$SHAPC" explain "$M" "$FIX/nope.idx" -o e_missing_input
assert_contains "$ERRLINE" "nope.idx"
assert_no_outputs e_missing_input

head -c 200 "$M" >"$FIX/truncated.bin"
expect_fail 1 "$SHAPC" explain "$FIX/truncated.bin" "$IN" -o e_trunc
assert_contains "$ERRLINE" "truncated.bin"
assert_no_outputs e_trunc

expect_fail 1 "$SHAPC" explain "$M" "$FIX/input_bad.idx" -o e_shape
assert_contains "$ERRLINE" \
    "input_bad.idx: shape (3, 4, 3) does not match the model input 4x4x1 (16 features)"
assert_no_outputs e_shape

expect_fail 1 "$SHAPC" explain "$M" "$FIX/input_nan.npy" -o e_nan
assert_contains "$ERRLINE" "input_nan.npy"
assert_contains "$ERRLINE" "row 1"
assert_no_outputs e_nan
# rows without the NaN are fine
run_ok "$SHAPC" explain "$M" "$FIX/input_nan.npy" --rows 2:3 --no-plots -o ok_nan_rows
assert_results ok_nan_rows

expect_fail 1 "$SHAPC" explain "$M" "$IN" --rows 0:10 -o e_rows
assert_contains "$ERRLINE" "input.idx"
assert_contains "$ERRLINE" "3 rows"
assert_no_outputs e_rows
expect_fail 1 "$SHAPC" explain "$M" "$IN" --rows 3: -o e_rows2
assert_contains "$ERRLINE" "input.idx"
assert_no_outputs e_rows2

expect_fail 1 "$SHAPC" explain "$FIX/model_nobg.bin" "$IN" -o e_nobg
assert_contains "$ERRLINE" "model_nobg.bin has no embedded background: pass --background"
assert_no_outputs e_nobg

expect_fail 1 "$SHAPC" explain "$M" "$IN" --background "$FIX/input_bad.idx" -o e_bgshape
assert_contains "$ERRLINE" "input_bad.idx"
assert_no_outputs e_bgshape

expect_fail 1 "$SHAPC" explain "$M" "$IN" --background-rows 4:9 -o e_bgrows
assert_contains "$ERRLINE" "model.bin"
assert_no_outputs e_bgrows

# ---- malformed files say what is wrong with them (issue 17), never "--rows out of range" ----
M4=$SHAPC_TEST_FIXTURES/inputs_linear4.bin # 4 inputs: CSV tables
# IDX float32 (2^32-1)^4: the element count overflows
printf '\x00\x00\x0d\x04\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff' >dims.idx
# gzip IDX promising (400,000,000, 4, 4) uint8 rows: 6.4 GB, and a 33-byte file
printf '\x00\x00\x08\x03\x17\xd7\x84\x00\x00\x00\x00\x04\x00\x00\x00\x04\x07' | gzip -c >rows.idx.gz
hdr="{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }"
while [ $(((10 + ${#hdr} + 1) % 64)) -ne 0 ]; do hdr="$hdr "; done
{ printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $(((${#hdr} + 1) & 255)))\\x00"; printf '%s\n' "$hdr"; } >shape.npy
printf 'a,b,c,d\n1,2,1e999,4\n' >big.csv
{ printf 'a,b,c,d\n1,2,'; head -c 100000 /dev/zero | tr '\0' '7'; printf ',4\n'; } >digits.csv
{ printf 'a,b,c,d\n1,2,1'; printf '\0'; printf '5,4\n'; } >nul.csv
printf 'a,caf\xe9,c,d\n1,2,3,4\n' >latin1.csv
for args in "$M dims.idx|dims.idx: header dimensions (4294967295, 4294967295, 4294967295, 4294967295) float32: their product overflows" \
    "$M rows.idx.gz|rows.idx.gz: header promises (400000000, 4, 4) = 6400000000 data bytes, above the 4 GiB limit" \
    "$M shape.npy|shape.npy: header shape (4294967296, 4294967296, 4294967296): its product overflows" \
    "$M4 big.csv|big.csv: line 2, column 'c': '1e999' is outside the float32 range" \
    "$M4 digits.csv|digits.csv: line 2, column 'c': '777777777777777777777777...' (100000 characters) is outside the float32 range" \
    "$M4 nul.csv|nul.csv: line 2, column 'c': a NUL byte inside the value" \
    "$M4 latin1.csv|latin1.csv: line 1: header column 2 is not valid UTF-8"; do
    model=${args%% *}
    rest=${args#* }
    file=${rest%%|*}
    want=${rest#*|}
    expect_fail 1 "$SHAPC" explain "$model" "$file" --mask zero -o e_malformed
    assert_contains "$ERRLINE" "$want"
    assert_no_outputs e_malformed
done
# The background and predict paths had the same swallowing (one table, one IDX each; few
# runs, as each is a valgrind run in scripts/test.sh).
printf 'a,b,c,d\n1,2,3,4\n' >good.csv
expect_fail 1 "$SHAPC" explain "$M4" good.csv --background big.csv -o e_malformed
assert_contains "$ERRLINE" "big.csv: line 2, column 'c': '1e999' is outside the float32 range"
expect_fail 1 "$SHAPC" explain "$M" "$IN" --background dims.idx -o e_malformed
assert_contains "$ERRLINE" "dims.idx: header dimensions"
assert_no_outputs e_malformed
expect_fail 1 "$SHAPC" predict "$M4" digits.csv
assert_contains "$ERRLINE" "digits.csv: line 2, column 'c': '777777777777777777777777...'"
expect_fail 1 "$SHAPC" predict "$M" rows.idx.gz
assert_contains "$ERRLINE" "rows.idx.gz: header promises (400000000, 4, 4)"

# -o naming an existing regular file
: >"$WORK/a_file"
expect_fail 1 "$SHAPC" explain "$M" "$IN" -o "$WORK/a_file/sub"
assert_contains "$ERRLINE" "a_file"

# ---- usage errors: exit 2, message names the option ----
for args in "--nsamples abc" "--nsamples 0" "--nsamples -5" "--nsamples 12k" "--seed -1" \
    "--rows 5:2" "--rows a:b" "--rows :" "--groups 3" "--groups 0x2" "--link probit" \
    "--batches 1" "--class 7" "--class fish" "--bogus" "--groups 5x5"; do
    opt=${args%% *}
    # shellcheck disable=SC2086
    expect_fail 2 "$SHAPC" explain "$M" "$IN" $args -o e_usage
    assert_contains "$ERRLINE" "$opt"
    assert_contains "$ERRLINE" "shapc explain --help"
    assert_no_outputs e_usage
done
expect_fail 2 "$SHAPC" explain "$FIX/model_vec.bin" "$IN" --groups 2x2 -o e_usage
assert_contains "$ERRLINE" "model_vec.bin"
expect_fail 2 "$SHAPC" explain "$M" -o e_usage
assert_contains "$ERRLINE" "missing INPUT"
expect_fail 2 "$SHAPC" explain "$M" "$IN" extra -o e_usage
expect_fail 2 "$SHAPC" explain "$M" "$IN" --rows
assert_contains "$ERRLINE" "--rows"
expect_fail 2 "$SHAPC" explain "$M" "$IN" --no-plots=yes
expect_fail 2 "$SHAPC" frobnicate
assert_contains "$ERRLINE" "frobnicate"
expect_fail 2 "$SHAPC" predict "$M" "$IN" --rows 0:0

# ---- the other commands report file errors the same way ----
expect_fail 1 "$SHAPC" info "$FIX/truncated.bin"
assert_contains "$ERRLINE" "truncated.bin"
expect_fail 1 "$SHAPC" predict "$M" "$FIX/input_bad.idx"
assert_contains "$ERRLINE" "input_bad.idx"
expect_fail 1 "$SHAPC" predict "$M" "$IN" --rows 2:9
assert_contains "$ERRLINE" "input.idx"
expect_fail 1 "$SHAPC" predict "$M" "$FIX/input_nan.npy" -o "$WORK/p.npy"
assert_contains "$ERRLINE" "row 1"
[ ! -e "$WORK/p.npy" ] || fail "predict wrote output despite the NaN"

echo "test_errors: ok"
