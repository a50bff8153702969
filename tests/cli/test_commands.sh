# test_commands.sh - `shapc --help/--version`, per-command --help, `shapc info` and
# `shapc predict` on the fixture model.
source "$(dirname "$0")/lib.sh" "$@"

M=$FIX/model.bin
IN=$FIX/input.idx

run_ok "$SHAPC" --version
grep -Eq '^shapc [0-9]+\.[0-9]+\.[0-9]+$' "$WORK/last.out" || fail "--version: $(cat last.out)"

run_ok "$SHAPC" --help
for c in explain info predict; do
    grep -q "^  $c " "$WORK/last.out" || fail "--help does not list $c"
done
expect_code=0
"$SHAPC" >/dev/null 2>&1 || expect_code=$?
[ "$expect_code" -eq 2 ] || fail "shapc without a command should exit 2, got $expect_code"

# every explain option appears in its help with a default where it has one
run_ok "$SHAPC" explain --help
help=$(cat "$WORK/last.out")
for opt in --background --background-rows --nsamples --seed --class --groups --link --rows \
    --batches --no-plots --quiet --output --help; do
    assert_contains "$help" "$opt"
done
[ "$(grep -c 'default' "$WORK/last.out")" -ge 9 ] || fail "explain --help lacks defaults"
run_ok "$SHAPC" info --help
run_ok "$SHAPC" predict --help
assert_contains "$(cat "$WORK/last.out")" "--rows"

# ---- info ----
run_ok "$SHAPC" info "$M"
out=$(cat "$WORK/last.out")
assert_contains "$out" "dense 8 relu"
assert_contains "$out" "4x4x1 (16 features)"
assert_contains "$out" "outputs:     3"
assert_contains "$out" "bird"
assert_contains "$out" "5 rows"
assert_contains "$out" "$(wc -c <"$M") bytes"
run_ok "$SHAPC" info "$FIX/model_nobg.bin"
assert_contains "$(cat "$WORK/last.out")" "background:  none"

# ---- predict ----
run_ok "$SHAPC" predict "$M" "$IN"
[ "$(wc -l <"$WORK/last.out")" -eq 4 ] || fail "predict table should have a header + 3 rows"
run_ok "$SHAPC" predict "$M" "$IN" --rows 1:2
[ "$(wc -l <"$WORK/last.out")" -eq 2 ] || fail "predict --rows 1:2 should print one row"
grep -Eq '^ +1 ' "$WORK/last.out" || fail "predict --rows 1:2 should print row 1"
run_ok "$SHAPC" predict "$M" "$IN" -o pred.npy
run_ok "$SHAPC" predict "$M" "$FIX/input.npy" -o pred_npy.npy
cmp -s pred.npy pred_npy.npy || fail "predict: .idx and .npy inputs differ"

if [ -n "$PY" ]; then
    run_ok "$SHAPC" predict "$M" "$IN"
    "$PY" - "$WORK" <<'PYEOF' || fail "predict checks failed"
import sys
import numpy as np
w = sys.argv[1]
p = np.load(f"{w}/pred.npy")
assert p.dtype == np.float32 and p.shape == (3, 3), (p.dtype, p.shape)
np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
names = ["cat", "dog", "bird"]
lines = open(f"{w}/last.out").read().splitlines()[1:]
for i, line in enumerate(lines):
    row, name, prob = line.split()
    assert int(row) == i and name == names[p[i].argmax()], line
    assert abs(float(prob) - p[i].max()) < 1e-5, line
PYEOF
fi
echo "test_commands: ok"
