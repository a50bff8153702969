# test_plot_wiring.sh - what `explain` and `plot` pass to the plots from the results (issue 17):
# patches and superpixels get outlines in image plots, SVG images stay pixel-sharp, and a
# waterfall of a --link logit run is drawn in log-odds.
source "$(dirname "$0")/lib.sh" "$@"

# outlines: the fixture model's 4x4 images as 2x2 patches against one player per pixel; the
# patch figure has one stroked outline path per class panel more (3 classes)
run_ok "$SHAPC" explain "$FIX/model.bin" "$FIX/input.idx" --rows 0:1 --seed 1 -q --no-plots \
    -o px
run_ok "$SHAPC" explain "$FIX/model.bin" "$FIX/input.idx" --rows 0:1 --groups 2x2 --seed 1 -q \
    --no-plots -o patch
run_ok "$SHAPC" plot image px -o px.svg
run_ok "$SHAPC" plot image patch -o patch.svg
n_px=$(grep -o 'stroke' px.svg | wc -l)
n_patch=$(grep -o 'stroke' patch.svg | wc -l)
[ "$n_patch" -ge $((n_px + 3)) ] ||
    fail "patch outlines: $n_patch stroked paths against $n_px without patches"
grep -q 'image-rendering:pixelated' patch.svg || fail "SVG image plot is not pixel-sharp"

# log-odds: the same results with the link setting turned back to identity draw another axis
run_ok "$SHAPC" explain "$FIX/model.bin" "$FIX/input.idx" --rows 0:1 --class 0 --link logit \
    --seed 1 -q --no-plots -o logit
cp -r logit ident
sed -i 's/"link": "logit"/"link": "identity"/' ident/summary.json
grep -q '"link": "identity"' ident/summary.json || fail "summary.json has no link setting to edit"
run_ok "$SHAPC" plot waterfall logit -o w_logit.png
run_ok "$SHAPC" plot waterfall ident -o w_ident.png
cmp -s w_logit.png w_ident.png && fail "the waterfall of a logit run ignores its link"

echo "test_plot_wiring: ok"
