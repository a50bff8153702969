# test_segments.sh - `shapc explain --segments N`: SLIC superpixels as per-row players.
# groups.npy is (rows, features), every feature of a row maps to one of that row's segments,
# the values add up to f(x) per row, columns past a row's segment count stay zero, a redraw
# works from the per-row groups, and misuse is a clear usage error.
source "$(dirname "$0")/lib.sh" "$@"

M=$FIX/model.bin
IN=$FIX/input.idx

run_ok "$SHAPC" explain "$M" "$IN" --segments 4 --seed 3 -o seg
assert_results seg
[ -s seg/instance_0.png ] || fail "no image plot drawn from per-row groups"
run_ok "$SHAPC" plot image seg --row 1 -o seg/row1.png
run_ok "$SHAPC" explain "$M" "$IN" --segments 4 --seed 3 --no-plots -o seg_again
cmp -s seg/shap_values.npy seg_again/shap_values.npy || fail "--segments is not reproducible"

if [ -n "$PY" ]; then
    "$PY" - <<'PYEOF' || fail "segment results inconsistent"
import json, numpy as np
phi = np.load("seg/shap_values.npy"); g = np.load("seg/groups.npy")
base = np.load("seg/base_values.npy"); pred = np.load("seg/predictions.npy")
cls = np.load("seg/classes.npy"); s = json.load(open("seg/summary.json"))
n, m, k = phi.shape
assert g.shape == (n, 16), g.shape
assert s["settings"]["segments"] == 4
assert s["players"][0] == "segment 0" and len(s["players"]) == m
for i in range(n):
    used = set(g[i].tolist())
    assert used == set(range(len(used))), used          # contiguous ids per row
    assert np.all(phi[i, len(used):, :] == 0)            # unused columns stay zero
    for j in range(k):
        total = phi[i, :, j].sum() + base[i, j]
        assert abs(total - pred[i, cls[i, j]]) < 1e-4, (i, j, total)
PYEOF
fi

expect_fail 2 "$SHAPC" explain "$M" "$IN" --segments 4 --groups 2x2 -o bad
assert_contains "$ERRLINE" "--segments and --groups"
expect_fail 2 "$SHAPC" explain "$M" "$IN" --segments 0 -o bad
assert_contains "$ERRLINE" "--segments"
expect_fail 2 "$SHAPC" explain "$M" "$IN" --segments 17 -o bad
assert_contains "$ERRLINE" "exceeds"
echo "test_segments: ok"
