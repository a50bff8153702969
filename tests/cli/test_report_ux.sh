# test_report_ux.sh - what `shapc report` tells a reader (issue 17, item 6): the budgets left
# at "auto" with the numbers they resolved to, the estimators the rows actually used, rounded
# timings, a command line that can be copied and rerun (shell quoting), and per row the
# predicted class first with a short table of the most probable classes.
# A real 10-class model: the Fashion-MNIST MLP trained for one epoch (about a second), with
# 2 x 2 patches of 14 x 14 pixels as players so each row is explained exactly and cheaply.
source "$(dirname "$0")/lib.sh" "$@"

train=${SHAPC_SAMPLES_BIN:-}/fashion_mnist/shapc-train-fashion-mnist
data=/usr/share/datasets/fashion-mnist
[ -x "$train" ] || fail "$train is missing (SHAPC_BUILD_SAMPLES=ON builds it)"
[ -n "$PY" ] || fail "this test needs python3 with numpy"
run_ok "$train" --data "$data" --epochs 1 --background 10 -o fm.bin
IN=$data/t10k-images-idx3-ubyte.gz

# An output directory whose name needs quoting (a space and a single quote).
dir="it's out"
run_ok "$SHAPC" explain fm.bin "$IN" --rows 0:2 --groups 14x14 --seed 7 -q --no-plots \
    -o "$dir"
run_ok "$SHAPC" report "$dir" -o r.html
cp "$dir/shap_values.npy" first.npy

"$PY" - "$dir" r.html <<'PYEOF' || fail "report checks"
import html, json, re, sys
d, page = sys.argv[1], open(sys.argv[2]).read()
s = json.load(open(d + "/summary.json"))
import numpy as np
pred = np.load(d + "/predictions.npy")
names = s["model"]["output_names"]
inst = s["instances"]
ms = sorted({i["n_players"] for i in inst})
assert len(ms) == 1, ms
m = ms[0]
# the auto budgets with the numbers they resolved to (include/shapc/kernel.h)
bg = min(s["settings"]["background"]["rows"], 100)
assert "<th>nsamples</th><td>auto (%d coalitions" % (2 * m + 2048) in page, page
assert "<th>max_evals</th><td>auto (%d model rows" % ((2 * m + 2048) * bg) in page, page
assert "nsamples</th><td>0<" not in page and "max_evals</th><td>0<" not in page
# the estimator the rows used (summary.json per instance)
used = sorted({i["estimator"] for i in inst})
assert used == ["exact"], used
assert "<th>sampler</th><td>auto &rarr; used: exact (2 rows)</td>" in page, page
lo, hi = min(i["n_evals"] for i in inst), max(i["n_evals"] for i in inst)
want = ("%d per row" % lo) if lo == hi else ("%d to %d by row" % (lo, hi))
assert "<th>model evaluations</th><td>" + want in page, page
# timings rounded: no 10-digit numbers, units given
t = re.search(r"<th>time</th><td>([^<]*)</td>", page).group(1)
assert re.fullmatch(r"(\d+(\.\d)? ms|\d+\.\d\d? s|&lt; 0.1 ms) in all; explaining "
                    r"(\d+(\.\d)? ms|\d+\.\d\d? s|&lt; 0.1 ms) \(.* per row\)", t), t
assert "total_s" not in page
# per row: the predicted class first, then a table of the 3 most probable classes
for i, row in enumerate(inst):
    sec = page.split("<h3>Row %d</h3>" % row["row"])[1].split("<h3>")[0]
    order = np.argsort(-pred[i], kind="stable")
    assert '<p class="meta">predicted: <b>%s</b>' % html.escape(names[order[0]]) in sec, sec
    cls = re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">", sec.split("</table>")[0])
    assert cls == [html.escape(names[o]) for o in order[:3]], (cls, order[:3])
    assert "The 3 most probable of 10 explained outputs" in sec
    assert "SHAP value: %s</th>" % html.escape(names[order[0]]) in sec
# the command line, unescaped, is what the shell reads back into the same argv
code = html.unescape(re.search(r"<code>(.*?)</code>", page).group(1))
open("command.sh", "w").write(code + "\n")
assert "'it'\\''s out'" in code, code
PYEOF

# Rerunning the command the report shows gives the same results (same seed).
rm -rf "$dir"
sed -i "s|^shapc |\"\$SHAPC\" |" command.sh
SHAPC=$SHAPC run_ok bash command.sh
cmp -s first.npy "$dir/shap_values.npy" || fail "the report's command did not rerun the run"

# One explained class (by a name with a space): the table has that one row, no "most
# probable of" note; the predicted class is still named first.
run_ok "$SHAPC" explain fm.bin "$IN" --rows 0:1 --groups 14x14 --class 'Ankle boot' -q \
    --no-plots -o out1
run_ok "$SHAPC" report out1 -o r1.html
page=$(cat r1.html)
assert_contains "$page" "--class 'Ankle boot'"
assert_contains "$page" "<p class=\"meta\">predicted: <b>"
[ "$(grep -c '<tr><td>Ankle boot</td>' r1.html)" -eq 1 ] || fail "one-class table"
case $page in *"most probable of"*) fail "a one-class report says 'most probable of'" ;; esac

# --nsamples given: the max_evals it implies, nsamples shown as given.
run_ok "$SHAPC" explain fm.bin "$IN" --rows 0:1 --groups 14x14 --nsamples 30 -q --no-plots \
    -o out2
run_ok "$SHAPC" report out2 -o r2.html
page=$(cat r2.html)
assert_contains "$page" "<th>nsamples</th><td>30</td>"
assert_contains "$page" "<th>max_evals</th><td>auto (300 model rows per row: nsamples &times; 10"
# ---- docs/cli.md documents every option that any `shapc CMD --help` prints (issue 17,
# item 5): an option added to a command without a line in the reference fails here. ----
cli_md=$(cd "$SHAPC_TEST_FIXTURES/../.." && pwd)/docs/cli.md
[ -f "$cli_md" ] || fail "docs/cli.md not found"
missing=
for cmd in $(sed -n '/^commands:/,/^$/p' <("$SHAPC" --help) | awk 'NF > 1 {print $1}'); do
    run_ok "$SHAPC" "$cmd" --help
    grep -q "shapc $cmd" "$cli_md" || missing="$missing $cmd(command)"
    for opt in $(grep -oE '(^|[ ,])--[a-z][a-z0-9-]*' "$WORK/last.out" | tr -d ' ,' | sort -u); do
        grep -qE -- "\`$opt( [^\`]*)?\`" "$cli_md" || missing="$missing $cmd:$opt"
    done
done
[ -z "$missing" ] || fail "docs/cli.md does not document:$missing"
echo "test_report_ux: ok"
