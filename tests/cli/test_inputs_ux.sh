#!/bin/bash
# test_inputs_ux.sh - what a new user trips over on the input side (issue 17): the
# "no background" error names the ways out, and `shapc info` on a text model does not ask
# for a background that text refuses.
source "$(dirname "$0")/lib.sh" "$@"

# A model without an embedded background: the error names --background (and its summaries)
# and --mask zero, and --mask zero (which needs no background) then works.
expect_fail 1 "$SHAPC" explain "$FIX/model_nobg.bin" "$FIX/input.idx" -o e_nobg
assert_contains "$ERRLINE" "model_nobg.bin has no embedded background"
assert_contains "$ERRLINE" "--background FILE"
assert_contains "$ERRLINE" "--mask zero"
assert_contains "$ERRLINE" "--background-sample N or --background-kmeans K"
assert_no_outputs e_nobg
run_ok "$SHAPC" explain "$FIX/model_nobg.bin" "$FIX/input.idx" --rows 0:1 --mask zero \
    --max-evals 64 --no-plots -o ok_zero
[ -f ok_zero/shap_values.npy ] || fail "--mask zero wrote no shap_values.npy"

# `shapc info` on a text model: no background is needed, so none is asked for.
TRAIN=${SHAPC_SAMPLES_BIN:-}/sentiment/shapc-train-sentiment
[ -x "$TRAIN" ] || fail "sample trainer not built: $TRAIN"
printf 'pos\tgood fun\nneg\tbad dull\npos\tgood film\nneg\tbad film\npos\tfun and good\n' >corpus.tsv
printf 'neg\tdull and bad\npos\tgood good\nneg\tbad bad\npos\tfun film\nneg\tdull film\n' >>corpus.tsv
run_ok "$TRAIN" --corpus corpus.tsv --epochs 5 -o text.bin
run_ok "$SHAPC" info text.bin
INFO=$(cat "$WORK/last.out")
assert_contains "$INFO" "background:  none needed"
case $INFO in *"needs --background"*) fail "info on a text model asks for --background" ;; esac

# `explain --help` names every input kind, and --groups says which form is for which input.
run_ok "$SHAPC" explain --help
HELP=$(cat "$WORK/last.out")
for kind in .npy .idx .csv .png "text model"; do assert_contains "$HELP" "$kind"; done
assert_contains "$HELP" "HxW pixel patches"
assert_contains "$HELP" "(images), or FILE, a groups.json of column groups"

# --background-sample / --background-kmeans (shap.sample / shap.kmeans) on the linear model
# y = a + 2b - c + 0.5d + 0.25: k-means centroids weighted by cluster size keep the background's
# mean exactly (40 rows of decimals: no column is discrete, nothing is snapped), so the base
# value E_w f(B) = f(mean) is the full background's; a sample of 5 rows gives another one.
M4=$SHAPC_TEST_FIXTURES/inputs_linear4.bin
[ -f "$M4" ] || fail "model fixture missing: $M4"
"$PY" - <<'PYEOF' || fail "could not write the background"
import numpy as np
r = np.random.default_rng(7)
with open("bg40.csv", "w") as f:
    f.write("a,b,c,d\n")
    for row in r.normal(size=(40, 4)) * [1, 2, 3, 4] + [0.5, -1, 2, 0]:
        f.write(",".join("%.6f" % v for v in row) + "\n")
with open("x2.csv", "w") as f:
    f.write("a,b,c,d\n1,2,3,4\n-1,0.5,2,1\n")
PYEOF
run_ok "$SHAPC" explain "$M4" x2.csv --background bg40.csv --no-plots -o bg_all
run_ok "$SHAPC" explain "$M4" x2.csv --background bg40.csv --background-kmeans 3 --no-plots \
    -o bg_km
run_ok "$SHAPC" explain "$M4" x2.csv --background bg40.csv --background-sample 5 --seed 3 \
    --no-plots -o bg_s5
run_ok "$SHAPC" explain "$M4" x2.csv --background bg40.csv --background-sample 5 --seed 3 \
    --no-plots -o bg_s5b
run_ok "$SHAPC" explain "$M4" x2.csv --background bg40.csv --background-sample 40 --no-plots \
    -o bg_s40
cmp -s bg_s5/shap_values.npy bg_s5b/shap_values.npy || fail "--background-sample: same seed, other values"
cmp -s bg_all/shap_values.npy bg_s40/shap_values.npy || fail "--background-sample N >= rows changed the values"
"$PY" - <<'PYEOF' || fail "background summaries: wrong base values or settings"
import json, numpy as np
def load(d):
    return (np.load(d + "/base_values.npy").ravel(), json.load(open(d + "/summary.json")))
b_all, s_all = load("bg_all"); b_km, s_km = load("bg_km"); b_s5, s_s5 = load("bg_s5")
bg = np.loadtxt("bg40.csv", delimiter=",", skiprows=1)
w = np.array([1, 2, -1, 0.5])
assert abs(b_all[0] - (bg @ w + 0.25).mean()) < 1e-4, b_all
assert abs(b_km[0] - b_all[0]) < 1e-4, (b_km, b_all)   # centroids keep the mean
assert abs(b_s5[0] - b_all[0]) > 1e-3, (b_s5, b_all)   # 5 of 40 rows do not
bk, bs = s_km["settings"]["background"], s_s5["settings"]["background"]
assert (bk["rows"], bk["kmeans"], bk["row_range"]) == (3, 3, [0, 40]), bk
assert (bs["rows"], bs["sample"]) == (5, 5), bs
assert "sample" not in bk and "kmeans" not in bs, (bk, bs)
PYEOF
expect_fail 2 "$SHAPC" explain "$M4" x2.csv --background bg40.csv --background-sample 5 \
    --background-kmeans 3 -o bg_e1
assert_contains "$ERRLINE" "exclude each other"
expect_fail 1 "$SHAPC" explain "$M4" x2.csv --background bg40.csv --background-kmeans 3 \
    --mask zero -o bg_e2
assert_contains "$ERRLINE" "--mask zero replaces the background"
expect_fail 2 "$SHAPC" explain "$M4" x2.csv --background-sample 0 -o bg_e3
assert_contains "$ERRLINE" "--background-sample: '0' is not a positive integer"

# An adapter model starts only once INPUT and --background read cleanly: a model command that
# never answers (it would hold the handshake for --model-timeout) does not delay the error.
printf 'a,b,c,d\n1,2,3,4\n1,x,3,4\n' >bad.csv
expect_fail 1 timeout 20 "$SHAPC" explain --model-cmd "sleep 30" bad.csv --background bg40.csv \
    --model-timeout 15 -o e_adapter
assert_contains "$ERRLINE" "bad.csv: line 3"
expect_fail 1 timeout 20 "$SHAPC" explain --model-cmd "sleep 30" x2.csv --background bad.csv \
    --model-timeout 15 -o e_adapter_bg
assert_contains "$ERRLINE" "bad.csv: line 3"
assert_no_outputs e_adapter

# scikit-learn's bundled tables start with a metadata line (178,13,class_0,...): a hint, not
# just "14 fields, the header has 5".
WINE=/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv
[ -f "$WINE" ] || fail "python3-sklearn's wine_data.csv is missing (scripts/install-deps.sh)"
expect_fail 1 "$SHAPC" explain "$M4" "$WINE" --background bg40.csv -o e_wine
assert_contains "$ERRLINE" "wine_data.csv: line 2: 14 fields, the header has 5: line 1 looks like a metadata line"
assert_contains "$ERRLINE" "replace it by a header of 14 names"
printf 'a,b,c,d\n1,2,3\n' >short.csv
expect_fail 1 "$SHAPC" explain "$M4" short.csv --background bg40.csv -o e_short
case $ERRLINE in *metadata*) fail "a plain short row got the metadata hint: $ERRLINE" ;; esac

# --target COL and --drop-columns A,B: a training table with an id and a label column explains
# exactly as the four feature columns alone (byte-identical values, the same player names), in
# INPUT and in a CSV --background alike.
"$PY" - <<'PYEOF' || fail "could not write the wide tables"
import csv
for src, dst in (("x2.csv", "x2_wide.csv"), ("bg40.csv", "bg40_wide.csv")):
    rows = list(csv.reader(open(src)))
    with open(dst, "w") as f:
        for i, r in enumerate(rows):
            f.write(",".join(["id"] + r[:2] + ["label"] + r[2:]) + "\n" if i == 0 else
                    ",".join([str(100 + i)] + r[:2] + [str(i % 3)] + r[2:]) + "\n")
PYEOF
run_ok "$SHAPC" explain "$M4" x2_wide.csv --background bg40_wide.csv --target label \
    --drop-columns id --no-plots -o drop
cmp -s bg_all/shap_values.npy drop/shap_values.npy || fail "--target/--drop-columns: other values"
cmp -s bg_all/base_values.npy drop/base_values.npy || fail "--target/--drop-columns: other base"
"$PY" -c "
import json; p = json.load(open('drop/summary.json'))['players']
assert p == ['a', 'b', 'c', 'd'], p" || fail "--target/--drop-columns: players are not a, b, c, d"
expect_fail 1 "$SHAPC" explain "$M4" x2_wide.csv --background bg40_wide.csv --target label \
    -o e_drop1
assert_contains "$ERRLINE" "5 columns do not match the model input"
expect_fail 1 "$SHAPC" explain "$M4" x2_wide.csv --background bg40_wide.csv --target lable \
    --drop-columns id -o e_drop2
assert_contains "$ERRLINE" "x2_wide.csv: --target: no column 'lable' in the header"
expect_fail 2 "$SHAPC" explain "$FIX/model.bin" "$FIX/input.idx" --target label -o e_drop3
assert_contains "$ERRLINE" "--target and --drop-columns apply to CSV files"

echo "test_inputs_ux: ok"
