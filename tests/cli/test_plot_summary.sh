# test_plot_summary.sh - shap's multi-output summary (issue 17): with several explained outputs
# `explain` writes the stacked bar as summary.png and keeps the beeswarm as beeswarm.png;
# `plot bar --class all` draws the same stacked bar; `--class predicted` selects each row's
# own output on beeswarm and bar; what a plot cannot show is refused in one line.
source "$(dirname "$0")/lib.sh" "$@"

run_ok "$SHAPC" explain "$FIX/model.bin" "$FIX/input.idx" --seed 1 -q -o all
[ -f all/summary.png ] && [ -f all/beeswarm.png ] && [ -f all/bar.png ] ||
    fail "--class all: summary.png, beeswarm.png and bar.png expected"
run_ok "$SHAPC" plot bar all --class all -o stacked.png
cmp -s stacked.png all/summary.png || fail "summary.png is not the stacked bar of plot bar --class all"
run_ok "$SHAPC" plot beeswarm all -o bees.png
cmp -s bees.png all/beeswarm.png || fail "beeswarm.png is not the main output's beeswarm"
cmp -s bees.png all/summary.png && fail "summary.png is still the beeswarm"
run_ok "$SHAPC" plot bar all -o bar1.png
cmp -s bar1.png stacked.png && fail "plot bar --class all drew the one-output bar"

# --class predicted: each row's own output. The fixtures' rows do not all predict the same
# class, so the plot is neither class's alone.
run_ok "$SHAPC" plot beeswarm all --class predicted -o pred.png
run_ok "$SHAPC" plot bar all --class predicted -o predbar.png
for c in 0 1 2; do
    run_ok "$SHAPC" plot beeswarm all --class $c -o c$c.png
    cmp -s pred.png c$c.png && fail "--class predicted drew class $c's beeswarm"
done
"$PY" -c "
import numpy as np; p = np.load('all/predictions.npy').argmax(1)
assert len(set(p.tolist())) > 1, p" || fail "fixture rows all predict one class: the test is void"

# refusals
expect_fail 2 "$SHAPC" plot beeswarm all --class all -o e1.png
assert_contains "$ERRLINE" "--class all: a beeswarm shows one output"
[ ! -e e1.png ] || fail "a refused plot wrote its file"
run_ok "$SHAPC" explain "$FIX/model.bin" "$FIX/input.idx" --class 0 --seed 1 -q -o one
expect_fail 1 "$SHAPC" plot bar one --class predicted -o e2.png
assert_contains "$ERRLINE" "predicted output was not explained"

# --row on beeswarm and bar (every row) is refused, pointing at the per-row plot
for k in beeswarm bar; do
    expect_fail 2 "$SHAPC" plot $k all --row 0 -o rowk.png
    assert_contains "$ERRLINE" "--row: a $k shows every explained row"
    assert_contains "$ERRLINE" "shapc plot waterfall DIR --row 0"
    [ ! -e rowk.png ] || fail "plot $k --row wrote a file"
done

# one explained output: the summary stays its beeswarm, and there is no beeswarm.png
[ ! -e one/beeswarm.png ] || fail "one output: beeswarm.png written"
run_ok "$SHAPC" plot beeswarm one -o one_b.png
cmp -s one_b.png one/summary.png || fail "one output: summary.png is not its beeswarm"

# text: explain and `plot text` draw each document for its predicted class by default
TRAIN=${SHAPC_SAMPLES_BIN:-}/sentiment/shapc-train-sentiment
[ -x "$TRAIN" ] || fail "sample trainer not built: $TRAIN"
printf 'pos\tgood fun\nneg\tbad dull\npos\tgood film\nneg\tbad film\npos\tfun and good\n' >corpus.tsv
printf 'neg\tdull and bad\npos\tgood good\nneg\tbad bad\npos\tfun film\nneg\tdull film\n' >>corpus.tsv
run_ok "$TRAIN" --corpus corpus.tsv --epochs 30 -o text.bin
printf 'a good fun film\nbad and dull\n' >docs.txt
run_ok "$SHAPC" explain text.bin docs.txt --class all -q -o tx
for row in 0 1; do
    want=$("$PY" -c "
import numpy as np; print(['neg', 'pos'][int(np.load('tx/predictions.npy')[$row].argmax())])")
    other=$([ "$want" = pos ] && echo neg || echo pos)
    run_ok "$SHAPC" plot text tx --row $row -o t$row.png
    run_ok "$SHAPC" plot text tx --row $row --class "$want" -o t${row}_want.png
    run_ok "$SHAPC" plot text tx --row $row --class "$other" -o t${row}_other.png
    cmp -s t$row.png t${row}_want.png || fail "plot text row $row: not its predicted class $want"
    cmp -s tx/text_$row.png t${row}_want.png || fail "explain's text_$row.png: not class $want"
    cmp -s t$row.png t${row}_other.png && fail "plot text row $row: both classes look the same"
done
[ "$("$PY" -c "import numpy as np; print(len(set(np.load('tx/predictions.npy').argmax(1))))")" = 2 ] ||
    fail "both documents predict one class: the text check is void"

echo "test_plot_summary: ok"
