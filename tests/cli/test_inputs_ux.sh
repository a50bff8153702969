#!/bin/bash
# test_inputs_ux.sh - what a new user trips over on the input side (issue 17): the
# "no background" error names the ways out, and `shapc info` on a text model does not ask
# for a background that text refuses.
source "$(dirname "$0")/lib.sh" "$@"

# A model without an embedded background: the error names --background and --mask zero, and
# --mask zero (which needs no background) then works.
expect_fail 1 "$SHAPC" explain "$FIX/model_nobg.bin" "$FIX/input.idx" -o e_nobg
assert_contains "$ERRLINE" "model_nobg.bin has no embedded background"
assert_contains "$ERRLINE" "--background FILE"
assert_contains "$ERRLINE" "--mask zero"
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

echo "test_inputs_ux: ok"
