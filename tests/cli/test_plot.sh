# test_plot.sh - plots from a results directory: `shapc explain` draws the default plots,
# `shapc plot` redraws each kind in each format, `shapc report` writes one self-contained
# HTML file, and bad requests fail with one line and the right exit code.
source "$(dirname "$0")/lib.sh" "$@"

M=$FIX/model.bin
IN=$FIX/input.idx

png_size() { # prints "W H" of a PNG from its IHDR
    od -An -tu1 -j16 -N8 "$1" |
        awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'
}
is_png() { [ "$(od -An -c -j1 -N3 "$1" | tr -d ' ')" = PNG ] || fail "$1 is not a PNG"; }

# ---- default plots (image model: instance plots are image plots) ----
run_ok "$SHAPC" explain "$M" "$IN" --seed 1 -q -o out
for f in summary.png bar.png; do
    [ -s out/$f ] || fail "explain did not write $f"
    is_png out/$f
done
n=$(ls out/instance_*.png | wc -l)
[ "$n" -eq 3 ] || fail "expected 3 instance plots, got $n"

# --no-plots draws nothing
run_ok "$SHAPC" explain "$M" "$IN" --seed 1 -q --no-plots -o out_np
ls out_np/*.png >/dev/null 2>&1 && fail "--no-plots wrote PNGs"

# ---- shapc plot: every kind and format ----
for kind in beeswarm bar waterfall image; do
    for ext in png svg pdf; do
        run_ok "$SHAPC" plot $kind out -o "p_$kind.$ext"
        [ -s "p_$kind.$ext" ] || fail "plot $kind .$ext is empty"
    done
    is_png "p_$kind.png"
done
grep -q "<svg" p_bar.svg || fail "p_bar.svg is not SVG"
head -c 5 p_bar.pdf | grep -q "%PDF" || fail "p_bar.pdf is not PDF"

# size in points and dpi: 300 x 200 pt at 144 dpi is 600 x 400 pixels
run_ok "$SHAPC" plot beeswarm out --width 300 --height 200 --dpi 144 -o sized.png
[ "$(png_size sized.png)" = "600 400" ] || fail "sized.png is $(png_size sized.png)"

# deterministic: the same results give the same bytes
run_ok "$SHAPC" plot beeswarm out -o again.png
cmp -s p_beeswarm.png again.png || fail "beeswarm PNG not reproducible"

# --row / --class / --max-display select what they say. The same renderer drew explain's
# plots, so a redraw of the same row and columns is byte-identical to the one explain wrote,
# and a different choice is not.
run_ok "$SHAPC" plot image out --row 2 -o i2.png
cmp -s i2.png out/instance_2.png || fail "plot image --row 2 is not row 2's instance plot"
cmp -s out/instance_1.png i2.png && fail "rows 1 and 2 drew the same image plot"
# --class 0: one panel instead of three, so a narrower picture of the same height
run_ok "$SHAPC" plot image out --row 2 --class 0 -o i20.png
read -r w_all h_all <<<"$(png_size i2.png)"
read -r w_one h_one <<<"$(png_size i20.png)"
[ "$w_one" -lt "$w_all" ] && [ "$h_one" -eq "$h_all" ] ||
    fail "--class 0 did not draw one panel: ${w_one}x$h_one vs ${w_all}x$h_all"
# a class by index or by name is the same column; another row is another plot (a plot costs
# seconds under valgrind, which only needs one run of each code path)
run_ok "$SHAPC" plot waterfall out --row 1 --class 2 -o w12.png
if [ -z "${SHAPC_VALGRIND:-}" ]; then
    run_ok "$SHAPC" plot waterfall out --row 1 --class bird -o w12_name.png
    cmp -s w12.png w12_name.png || fail "--class 2 and --class bird differ"
    run_ok "$SHAPC" plot waterfall out --row 0 --class 2 -o w02.png
    cmp -s w12.png w02.png && fail "--row 0 and --row 1 drew the same waterfall"
fi
# --max-display 3: three player rows and one "other features" row instead of ten, so a
# shorter plot (its height fits the content)
run_ok "$SHAPC" plot waterfall out --row 1 --class 2 --max-display 3 -o w12_3.png
read -r w_ten h_ten <<<"$(png_size w12.png)"
read -r w_three h_three <<<"$(png_size w12_3.png)"
[ "$h_three" -lt "$h_ten" ] || fail "--max-display 3 is not shorter: $h_three vs $h_ten"
# explain --class 2 keeps column 2 of the all-class run (same seed): the same bar plot
run_ok "$SHAPC" explain "$M" "$IN" --seed 1 -q --no-plots --class 2 -o out_k2
run_ok "$SHAPC" plot bar out_k2 -o bar_k2.png
run_ok "$SHAPC" plot bar out --class 2 -o bar_2.png
cmp -s bar_k2.png bar_2.png || fail "plot bar --class 2 differs from the --class 2 run's"
if [ -z "${SHAPC_VALGRIND:-}" ]; then
    run_ok "$SHAPC" plot bar out --class 0 -o bar_0.png
    cmp -s bar_0.png bar_2.png && fail "--class 0 and --class 2 drew the same bar plot"
fi

# ---- report: self-contained HTML with embedded images ----
run_ok "$SHAPC" report out -o report.html
[ -s report.html ] || fail "report.html is empty"
grep -q "<!DOCTYPE html>" report.html || fail "report is not HTML"
imgs=$(grep -o "data:image/png;base64," report.html | wc -l)
# summary (the stacked bar: 3 outputs explained), beeswarm, bar and one image per row (3)
[ "$imgs" -eq 6 ] || fail "expected 6 embedded images, got $imgs"
grep -Eq 'src="(http|file|/)' report.html && fail "report links external files"
# report on a results dir without plots draws them first
run_ok "$SHAPC" report out_np
[ -s out_np/report.html ] && [ -s out_np/summary.png ] || fail "report did not draw plots"

# ---- errors ----
expect_fail 1 "$SHAPC" plot bar out -o bad.jpg
assert_contains "$ERRLINE" "bad.jpg"
expect_fail 2 "$SHAPC" plot pie out
expect_fail 2 "$SHAPC" plot bar
expect_fail 1 "$SHAPC" plot text out
assert_contains "$ERRLINE" "no token data"
expect_fail 1 "$SHAPC" plot waterfall out --row 99
expect_fail 1 "$SHAPC" plot bar out --class 7
expect_fail 1 "$SHAPC" plot bar does_not_exist
expect_fail 2 "$SHAPC" plot bar out --dpi 0
expect_fail 2 "$SHAPC" report
echo "ok"
