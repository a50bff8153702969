# test_plot_wiring.sh - what `explain` and `plot` pass to the plots from the results (issue 17):
# patches and superpixels get outlines in image plots, SVG images stay pixel-sharp, and a
# waterfall of a --link logit run is drawn in log-odds; --rows A:B draws several rows in one
# image figure.
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

# several rows in one image figure (shap.image_plot): --rows A:B, a figure row each
run_ok "$SHAPC" explain "$FIX/model.bin" "$FIX/input.idx" --seed 1 -q --no-plots -o three
run_ok "$SHAPC" plot image three --row 0 -o one_row.png
run_ok "$SHAPC" plot image three --rows 0:3 -o three_rows.png
"$PY" - <<'PYEOF' || fail "--rows 0:3 did not draw three figure rows"
import struct
def height(f):
    b = open(f, "rb").read(24)
    return struct.unpack(">I", b[20:24])[0]
h1, h3 = height("one_row.png"), height("three_rows.png")
assert h3 > 2 * h1 * 0.8, (h1, h3)
PYEOF
n=$("$PY" -c "import numpy as np; print(len(np.load('three/shap_values.npy')))")
expect_fail 1 "$SHAPC" plot image three --rows 0:$((n + 1)) -o e_rows.png
assert_contains "$ERRLINE" "row $n was not explained"
expect_fail 2 "$SHAPC" plot bar three --rows 0:2 -o e_rows2.png
assert_contains "$ERRLINE" "--rows applies to image"

echo "test_plot_wiring: ok"
