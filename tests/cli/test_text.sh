#!/bin/bash
# test_text.sh - `shapc explain` on a text model (docs/text.md): trains a tiny sentiment model
# with the sample trainer, explains documents of different lengths and checks the result
# files, the additivity of the values, mask-token masking and the errors.
source "$(dirname "$0")/lib.sh" "$@"

TRAIN=${SHAPC_SAMPLES_BIN:-}/sentiment/shapc-train-sentiment
[ -x "$TRAIN" ] || fail "sample trainer not built: $TRAIN"

printf 'pos\tgood fun\nneg\tbad dull\npos\tgood film\nneg\tbad film\npos\tfun and good\n' >corpus.tsv
printf 'neg\tdull and bad\npos\tgood good\nneg\tbad bad\npos\tfun film\nneg\tdull film\n' >>corpus.tsv
run_ok "$TRAIN" --corpus corpus.tsv --epochs 60 -o text.bin
run_ok "$SHAPC" info text.bin
assert_contains "$(cat "$WORK/last.out")" "text:"

# Three documents of different lengths, one with an unknown word and CJK, one empty.
printf 'Good FUN, good film!\n\nbad 猫 dull\n' >docs.txt
run_ok "$SHAPC" explain text.bin docs.txt --class pos -q -o out
for f in text_values.json vocab_importance.json summary.json text_0.png text_2.png \
    vocab_importance.png; do
    [ -s "out/$f" ] || fail "out/$f missing or empty"
done
[ ! -e out/text_1.png ] || fail "an empty document should get no text plot"

if [ -n "$PY" ]; then
    "$PY" - out <<'PYEOF' || fail "text_values.json checks"
import json, sys
d = sys.argv[1]
vals = json.load(open(d + "/text_values.json"))
assert [v["row"] for v in vals] == [0, 1, 2], vals
assert vals[0]["tokens"] == ["good", "fun", ",", "good", "film", "!"], vals[0]["tokens"]
assert vals[1]["tokens"] == [] and vals[1]["phi"] == []
assert vals[2]["tokens"] == ["bad", "猫", "dull"]
assert vals[2]["in_vocab"] == [True, False, True]
for v in vals:
    s = sum(p[0] for p in v["phi"])
    assert abs(s - (v["fx"][0] - v["base"][0])) < 1e-4, v
    assert v["exact"]
# "good" helps "pos", "bad" hurts it; both occurrences of "good" are symmetric
assert vals[0]["phi"][0][0] > 0 and vals[2]["phi"][0][0] < 0
assert abs(vals[0]["phi"][0][0] - vals[0]["phi"][3][0]) < 1e-6
voc = json.load(open(d + "/vocab_importance.json"))
words = {w["word"]: w for w in voc}
assert words["good"]["count"] == 2 and "<unk>" in words
summ = json.load(open(d + "/summary.json"))
assert summ["kind"] == "text" and [i["n_players"] for i in summ["instances"]] == [6, 0, 3]
PYEOF
fi

# Mask-token masking and the predicted class run too; the base value then differs.
run_ok "$SHAPC" explain text.bin docs.txt --text-mask token --class predicted --rows 2:3 \
    -q --no-plots -o out2
[ -s out2/text_values.json ] || fail "out2/text_values.json missing"
assert_contains "$(cat out2/summary.json)" '"text_mask": "token"'

# --threads: values are bit-identical for any worker count (include/shapc/kernel.h). The long
# document is sampled (more than 11 tokens), so its masked evaluation spans several chunks for
# the workers to share and its standard errors are solved in parallel too.
printf 'good fun film and good fun, but a dull bad film is bad and dull and not good\n' >thr.txt
cat docs.txt >>thr.txt
run_ok "$SHAPC" explain text.bin thr.txt --threads 1 -q -o thr1
run_ok "$SHAPC" explain text.bin thr.txt --threads 2 --max-memory 1 -q -o thr2
[ "$(ls thr1)" = "$(ls thr2)" ] || fail "--threads 1 and 2 wrote different files"
for f in $(ls thr1); do
    # summary.json holds argv and timings; everything else must match to the byte
    [ "$f" = summary.json ] || cmp -s "thr1/$f" "thr2/$f" || fail "--threads 1 and 2 differ: $f"
done
assert_contains "$(cat thr1/summary.json)" '"exact": false'
for bad in many -1 65 ""; do
    expect_fail 2 "$SHAPC" explain text.bin docs.txt --threads "$bad" -o out_thr
    assert_contains "$ERRLINE" "--threads"
done
expect_fail 2 "$SHAPC" explain text.bin docs.txt --max-memory 0 -o out_thr
assert_contains "$ERRLINE" "--max-memory"
assert_no_outputs out_thr

# Errors: invalid UTF-8 names file and line; options that do not apply; bad --text-mask.
printf 'fine\nbad \xff byte\n' >bad.txt
# options of the generic path placed before MODEL are still told apart from MODEL
run_ok "$SHAPC" explain --tol 0.01 --sampler kernel text.bin docs.txt -q --no-plots \
    -o out_opts
[ -s out_opts/text_values.json ] || fail "options before MODEL: no text_values.json"

# `shapc plot text` redraws a document from text_values.json, as PNG and SVG
run_ok "$SHAPC" plot text out --row 0 -o redraw.png
[ "$(head -c 8 redraw.png | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] ||
    fail "plot text did not write a PNG"
run_ok "$SHAPC" plot text out -o redraw.svg
grep -q "<svg" redraw.svg || fail "plot text did not write an SVG"
expect_fail 1 "$SHAPC" plot text out --row 999 -o none.png
assert_contains "$ERRLINE" "row 999"
[ ! -e none.png ] || fail "a failed plot wrote none.png"

expect_fail 1 "$SHAPC" explain text.bin bad.txt -q -o out3
assert_contains "$ERRLINE" "bad.txt:2: invalid UTF-8 at byte 4"
assert_no_outputs out3
expect_fail 2 "$SHAPC" explain text.bin docs.txt --background docs.txt -o out3
assert_contains "$ERRLINE" "--background does not apply"
expect_fail 2 "$SHAPC" explain text.bin docs.txt --text-mask blank -o out3
assert_contains "$ERRLINE" "--text-mask"
expect_fail 2 "$SHAPC" explain text.bin docs.txt --class maybe -o out3
assert_no_outputs out3
echo "ok"
