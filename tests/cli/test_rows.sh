#!/bin/bash
# test_rows.sh - row selections (issue 17; docs/cli.md, "Row selections"): --rows and
# --background-rows take lists and steps (0,5,9  0:569:10  ::2), rows keep their numbers in the
# file everywhere (summary.json, plots, predict, errors), a row's values do not depend on
# which other rows were selected, and a malformed selection gets a one-line reason.
source "$(dirname "$0")/lib.sh" "$@"

M=$FIX/model.bin
N=40
make_big_idx "$N"
E=(--max-evals 2000 --seed 3 --no-plots -q)

# ---- explain: a list with a step keeps the file's row numbers ----
run_ok "$SHAPC" explain "$M" big.idx --rows 0,5,9:30:10,37: "${E[@]}" -o sel
assert_results sel
if [ -n "$PY" ]; then
    "$PY" - <<'PYEOF' || fail "the selected rows are not numbered as in the file"
import json
import numpy as np
s = json.load(open("sel/summary.json"))
rows = [i["row"] for i in s["instances"]]
assert rows == [0, 5, 9, 19, 29, 37, 38, 39], rows
assert s["settings"]["rows"] == "0,5,9:30:10,37:", s["settings"]["rows"]
assert np.load("sel/shap_values.npy").shape[0] == 8
PYEOF
fi
# each row's values are those of the row explained alone (the RNG depends on the row only)
run_ok "$SHAPC" explain "$M" big.idx --rows 19 "${E[@]}" -o one
run_ok "$SHAPC" explain "$M" big.idx --rows 9:20:10 "${E[@]}" -o two
if [ -n "$PY" ]; then
    "$PY" - <<'PYEOF' || fail "a row's values depend on the other selected rows"
import json
import numpy as np
a, b, c = (np.load(d + "/shap_values.npy") for d in ("sel", "one", "two"))
assert np.array_equal(a[3], b[0]) and np.array_equal(a[2:4], c)
# a contiguous selection is still recorded as a range
assert json.load(open("one/summary.json"))["settings"]["rows"] == [19, 20]
PYEOF
fi

# ---- the same rows as a step and as a range give the same files ----
run_ok "$SHAPC" explain "$M" big.idx --rows 10:20:1 "${E[@]}" -o stepped
run_ok "$SHAPC" explain "$M" big.idx --rows 10:20 "${E[@]}" -o ranged
same_results stepped ranged

# ---- malformed selections: one line with the reason, nothing written ----
expect_fail 2 "$SHAPC" explain "$M" big.idx --rows 5,3 -o bad1
assert_contains "$ERRLINE" "'5,3': items must go up"
assert_no_outputs bad1
expect_fail 2 "$SHAPC" explain "$M" big.idx --rows 0:10:0 -o bad2
assert_contains "$ERRLINE" "selects no rows"
expect_fail 2 "$SHAPC" explain "$M" big.idx --rows 3:,9 -o bad3
assert_contains "$ERRLINE" "only the last item may run to the end"
expect_fail 2 "$SHAPC" explain "$M" big.idx --rows 1,,2 -o bad4
assert_contains "$ERRLINE" "use A, A:B"
expect_fail 2 "$SHAPC" explain "$M" big.idx --background-rows 4,4 -o bad5
assert_contains "$ERRLINE" "--background-rows: '4,4': items must go up"
expect_fail 1 "$SHAPC" explain "$M" big.idx --rows 0,39,40 -o bad6
assert_contains "$ERRLINE" "big.idx: --rows out of range (the file has 40 rows"
assert_no_outputs bad6

# ---- errors name the row by its number in the file ----
expect_fail nonzero "$SHAPC" explain "$M" "$FIX/input_nan.npy" --rows 0,1 -o nan
assert_contains "$ERRLINE" "input_nan.npy: row 1 has a non-finite value"

# ---- --background-rows with a step: the same as a file holding only those rows ----
if [ -n "$PY" ]; then
    "$PY" -c "import numpy as np; np.save('bg_even.npy', np.load('$FIX/bg.npy')[::2])"
    run_ok "$SHAPC" explain "$M" "$FIX/input.npy" --background "$FIX/bg.npy" \
        --background-rows ::2 "${E[@]}" -o bg_step
    run_ok "$SHAPC" explain "$M" "$FIX/input.npy" --background bg_even.npy "${E[@]}" -o bg_file
    for f in shap_values.npy stderr.npy base_values.npy; do
        cmp -s bg_step/$f bg_file/$f || fail "$f: --background-rows ::2 differs from the file"
    done
    "$PY" - <<'PYEOF' || fail "the background selection is not recorded"
import json
s = json.load(open("bg_step/summary.json"))["settings"]["background"]
assert s["row_range"] == "::2" and s["rows"] == 3, s
PYEOF
fi
# the embedded background (5 rows) takes a list too; its base value then differs from all 5
run_ok "$SHAPC" explain "$M" "$FIX/input.npy" --background-rows 0,4 "${E[@]}" -o bg_list
if [ -n "$PY" ]; then
    "$PY" - <<'PYEOF' || fail "--background-rows 0,4 on the embedded background"
import json
s = json.load(open("bg_list/summary.json"))["settings"]["background"]
assert s["row_range"] == "0,4" and s["rows"] == 2, s
PYEOF
fi

# ---- predict prints the selected rows with their numbers ----
run_ok "$SHAPC" predict "$M" big.idx --rows 3,20::10
[ "$(awk 'NR > 1 { printf "%s ", $1 }' "$WORK/last.out")" = "3 20 30 " ] ||
    fail "predict --rows 3,20::10 printed: $(cat "$WORK/last.out")"

# ---- plot image --rows: a list of explained rows in one figure; an unexplained one refused ----
run_ok "$SHAPC" plot image sel --rows 5,19,38 -o fig.png
[ -s fig.png ] || fail "plot image --rows 5,19,38 wrote nothing"
expect_fail 1 "$SHAPC" plot image sel --rows 5,6 -o fig2.png
assert_contains "$ERRLINE" "row 6 was not explained in sel"
[ ! -e fig2.png ] || fail "a refused figure was written"

# ---- text documents: lines picked by a list keep their line numbers ----
printf 'good film\nbad dull film\nfun and good\nw dull\nbad\n' >docs.txt
run_ok "$SHAPC" explain "$FIX/text.bin" docs.txt --rows 1,3: --class pos --seed 1 --no-plots \
    -q -o text
if [ -n "$PY" ]; then
    "$PY" - <<'PYEOF' || fail "text --rows 1,3: is not numbered by line"
import json
s = json.load(open("text/summary.json"))
assert [i["row"] for i in s["instances"]] == [1, 3, 4], s["instances"]
PYEOF
fi

# ---- resume: a stepped selection's journal resumes only with the same selection ----
mkdir long && cd long || fail "no scratch directory"
# (smaller under valgrind, as test_resume.sh)
if [ -n "${SHAPC_VALGRIND:-}" ]; then NB=120; NS=400; else NB=1500; NS=2000; fi
make_big_idx "$NB"
R=(explain "$M" big.idx --rows "0:$NB:2" --nsamples "$NS" --seed 5 --threads 1 --no-plots -q)
run_ok "$SHAPC" "${R[@]}" -o ref
interrupt_after int 3 "$SHAPC" "${R[@]}" -o int
kept=$(rows_in int)
[ "$kept" -ge 3 ] && [ "$kept" -lt $((NB / 2)) ] || fail "expected a partial journal, found $kept rows"
# the same number of rows, other row numbers: refused, naming the selection
expect_fail 1 "$SHAPC" "${R[@]/0:$NB:2/1:$NB:2}" -o int --resume
assert_contains "$ERRLINE" "--rows=0:$NB:2, now --rows=1:$NB:2"
[ "$(rows_in int)" -eq "$kept" ] || fail "a refused resume changed the journal"
run_ok "$SHAPC" "${R[@]}" -o int --resume
same_results ref int
cd .. || fail "cd"

echo "ok"
