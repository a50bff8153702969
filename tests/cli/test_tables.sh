# test_tables.sh - tables and images through `shapc explain`: a CSV with quoted names and a
# groups.json gives the right players, names and values; malformed CSV and PNG inputs fail with
# one clear line; PNG files, directories and @lists load; --mask zero|mean|blur give the
# baselines they promise on linear models (phi_i = w_i (x_i - baseline_i)).
source "$(dirname "$0")/lib.sh" "$@"

M4=$SHAPC_TEST_FIXTURES/inputs_linear4.bin        # y = a + 2b - c + 0.5d + 0.25
MI=$SHAPC_TEST_FIXTURES/inputs_linear_img.bin     # 4x4x3, y = sum w_i x_i, w_i = (i%7-3)/10
[ -f "$M4" ] && [ -f "$MI" ] || fail "model fixtures missing in $SHAPC_TEST_FIXTURES"

# flat FILE: the JSON on one line with runs of spaces squeezed ("[ " -> "["), for matching.
flat() { tr -d '\n' <"$1" | sed 's/  */ /g; s/\[ /[/g; s/ \]/]/g'; }

# ---- CSV: quoted names, groups.json ----
printf 'age,"income, k","say ""hi""",d\n1,2,3,4\n2,3,4,5\n-1,0,0.5,2\n' >data.csv
printf 'age,"income, k","say ""hi""",d\n0,0,0,0\n1,1,1,1\n' >bg.csv
cat >groups.json <<'EOF'
{"groups": {"ag": ["age", "say \"hi\""]}}
EOF
cat >groups_list.json <<'EOF'
{"groups": [{"name": "ag", "columns": [0, 2]}]}
EOF
run_ok "$SHAPC" explain "$M4" data.csv --background bg.csv --groups groups.json --no-plots -o g
assert_results g
assert_contains "$(cat last.out)" "explained 3 rows x 1 class (3 players)"
assert_contains "$(flat g/summary.json)" '"players": ["ag", "income, k", "d"]'
run_ok "$SHAPC" explain "$M4" data.csv --background bg.csv --groups groups_list.json --no-plots \
    -o gl
cmp -s g/shap_values.npy gl/shap_values.npy || fail "the two groups.json forms differ"
# without groups: one player per column, named by the header
run_ok "$SHAPC" explain "$M4" data.csv --background bg.csv --no-plots -o plain
assert_contains "$(flat plain/summary.json)" '"players": ["age", "income, k", "say \"hi\"", "d"]'
run_ok "$SHAPC" explain "$M4" data.csv --mask zero --no-plots -o zero4
# --rows and --background-rows cut tables too: rows 1..2 against background row 1 (all ones)
run_ok "$SHAPC" explain "$M4" data.csv --rows 1:3 --background bg.csv --background-rows 1 \
    --no-plots -o cut
expect_fail 1 "$SHAPC" explain "$M4" data.csv --rows 2:5 --background bg.csv -o e_cut
assert_contains "$ERRLINE" "data.csv: --rows out of range (the file has 3 rows: 0:3)"
run_ok "$SHAPC" predict "$M4" data.csv

# ---- CSV errors: one line naming file, line and column ----
printf 'a,b,c,d\n1,2,3,4\n1,2,,4\n' >missing.csv
expect_fail nonzero "$SHAPC" explain "$M4" missing.csv --background bg.csv -o e1
assert_contains "$ERRLINE" "missing.csv: line 3, column 'c': missing value"
assert_no_outputs e1
printf 'a,b,c,d\n1,2,3\n' >short.csv
expect_fail nonzero "$SHAPC" explain "$M4" short.csv --background bg.csv -o e2
assert_contains "$ERRLINE" "short.csv: line 2: 3 fields, the header has 4"
printf 'a,b,c\n1,2,3\n' >three.csv
expect_fail nonzero "$SHAPC" explain "$M4" three.csv --background bg.csv -o e3
assert_contains "$ERRLINE" "three.csv: 3 columns do not match the model input 4"
printf 'a,b,c,d\n1,2,3,NaN\n' >nan.csv
expect_fail nonzero "$SHAPC" explain "$M4" nan.csv --background bg.csv -o e4
assert_contains "$ERRLINE" "'NaN' is not a finite number"
: >empty.csv
expect_fail nonzero "$SHAPC" explain "$M4" empty.csv --background bg.csv -o e5
assert_contains "$ERRLINE" "empty.csv: empty file"
printf 'a,b,c,d\n0,0,0,0\n' >otherbg.csv
expect_fail nonzero "$SHAPC" explain "$M4" data.csv --background otherbg.csv -o e6
assert_contains "$ERRLINE" "otherbg.csv: column 1 is 'a'"
echo '{"groups": {"x": ["nope"]}}' >badgroups.json
expect_fail nonzero "$SHAPC" explain "$M4" data.csv --background bg.csv --groups badgroups.json \
    -o e7
assert_contains "$ERRLINE" "badgroups.json: group 'x': no column named 'nope'"
echo '{"groups": {"x": ["age"], "y": ["age"]}}' >twice.json
expect_fail nonzero "$SHAPC" explain "$M4" data.csv --background bg.csv --groups twice.json -o e8
assert_contains "$ERRLINE" "column 'age' is in group 'x' and in group 'y'"
expect_fail 2 "$SHAPC" explain "$M4" data.csv --mask fuzzy -o e9

# ---- PNG inputs (written with zlib by a tiny encoder: no imaging library needed) ----
PYZ=${PY:-}
[ -n "$PYZ" ] || PYZ=$(command -v python3 || true)
[ -n "$PYZ" ] || { echo "note: no python3; skipping the PNG checks" >&2; exit 0; }
mkdir -p imgs
"$PYZ" - <<'PYEOF' || fail "could not write the PNG fixtures"
import struct, zlib
def png(path, w, h, ch, depth, pix):
    ctype = {1: 0, 2: 4, 3: 2, 4: 6}[ch]
    raw = b""
    for y in range(h):
        raw += b"\0"
        for x in range(w):
            for k in range(ch):
                v = pix(x, y, k)
                raw += struct.pack(">H", v) if depth == 16 else bytes([v])
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                           chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
png("imgs/b.png", 4, 4, 3, 8, lambda x, y, k: (x * 40 + y * 10 + k * 3) % 256)
png("imgs/a.png", 4, 4, 4, 8, lambda x, y, k: 255 if k == 3 else (x + 4 * y + 16 * k) * 5)
png("grey16.png", 4, 4, 1, 16, lambda x, y, k: x * 1000 + y)
png("big.png", 32, 32, 3, 8, lambda x, y, k: 0)
open("imgs/notes.txt", "w").write("not an image\n")
open("fake.png", "wb").write(b"GIF89a not a png at all")
data = open("imgs/b.png", "rb").read()
open("cut.png", "wb").write(data[: len(data) - 20])
PYEOF

run_ok "$SHAPC" explain "$MI" imgs --mask zero --no-plots -o zimg
assert_contains "$(cat last.out)" "explained 2 rows"
run_ok "$SHAPC" explain "$MI" imgs/b.png --mask mean --no-plots -o mimg
run_ok "$SHAPC" explain "$MI" imgs/b.png --mask blur --groups 2x2 --no-plots -o bimg
assert_contains "$(flat bimg/summary.json)" '"mask": "blur"'
printf '# two images\nimgs/a.png\n\n%s/imgs/b.png\n' "$WORK" >list.txt
run_ok "$SHAPC" explain "$MI" @list.txt --groups 2x2 --no-plots -o limg
expect_fail nonzero "$SHAPC" explain "$MI" big.png -o e10
assert_contains "$ERRLINE" "big.png: 32x32x3 image does not match the model input 4x4x3"
expect_fail nonzero "$SHAPC" explain "$MI" grey16.png -o e11
assert_contains "$ERRLINE" "grey16.png: 4x4x1 image does not match the model input 4x4x3"
expect_fail nonzero "$SHAPC" explain "$MI" fake.png -o e12
assert_contains "$ERRLINE" "fake.png: not a PNG file"
expect_fail nonzero "$SHAPC" explain "$MI" cut.png -o e13
assert_contains "$ERRLINE" "cut.png"
expect_fail nonzero "$SHAPC" explain "$M4" imgs/b.png --background bg.csv -o e14
assert_contains "$ERRLINE" "PNG input needs an image model"
mkdir -p emptydir
expect_fail nonzero "$SHAPC" explain "$MI" emptydir -o e15
assert_contains "$ERRLINE" "emptydir: the directory holds no .png files"
expect_fail nonzero "$SHAPC" explain "$M4" data.csv --mask blur -o e16
assert_contains "$ERRLINE" "--mask blur needs an image model"

[ -n "$PY" ] || exit 0
"$PY" - "$WORK" <<'PYEOF' || fail "numeric checks failed"
import json, sys
import numpy as np
work = sys.argv[1]
ld = lambda d, n: np.load(f"{work}/{d}/{n}")
ok = True
def near(a, b, what, tol=1e-3):
    global ok
    if not np.allclose(a, b, atol=tol):
        print(f"{what}: got {np.asarray(a).ravel()[:8]} want {np.asarray(b).ravel()[:8]}")
        ok = False

w4 = np.array([1, 2, -1, 0.5])
X = np.array([[1, 2, 3, 4], [2, 3, 4, 5], [-1, 0, 0.5, 2]], dtype=float)
contrib = w4 * (X - 0.5)                          # bg.csv mean is 0.5 in every column
near(ld("plain", "shap_values.npy")[:, :, 0], contrib, "csv plain")
g = ld("g", "shap_values.npy")[:, :, 0]
near(g, np.stack([contrib[:, 0] + contrib[:, 2], contrib[:, 1], contrib[:, 3]], 1), "csv groups")
near(ld("g", "groups.npy"), [0, 1, 0, 2], "groups.npy", 0)
near(ld("zero4", "shap_values.npy")[:, :, 0], w4 * X, "csv --mask zero")
near(ld("cut", "inputs.npy"), X[1:3], "csv --rows", 0)
near(ld("cut", "shap_values.npy")[:, :, 0], w4 * (X[1:3] - 1.0), "csv --background-rows")

wi = (np.arange(48) % 7 - 3) / 10.0
def img(x, y, k, alpha=False):
    return (x + 4 * y + 16 * k) * 5 if alpha else (x * 40 + y * 10 + k * 3) % 256
a = np.array([[[img(x, y, k, True) for k in range(3)] for x in range(4)] for y in range(4)])
b = np.array([[[img(x, y, k) for k in range(3)] for x in range(4)] for y in range(4)])
A, B = a.reshape(-1).astype(float), b.reshape(-1).astype(float)
near(ld("zimg", "inputs.npy"), np.stack([A, B]), "directory order and alpha dropped", 0)
near(ld("zimg", "shap_values.npy")[:, :, 0], np.stack([wi * A, wi * B]), "png --mask zero")
near(ld("mimg", "shap_values.npy")[0, :, 0], wi * (B - 30.0), "png --mask mean")
s = json.load(open(f"{work}/zimg/summary.json"))
if s["settings"]["mask"] != "zero":
    print("summary mask", s["settings"]); ok = False
bl = ld("bimg", "shap_values.npy")[0, :, 0]
fx = float(ld("bimg", "predictions.npy")[0, 0])
base = float(ld("bimg", "base_values.npy")[0, 0])
near(bl.sum() + base, fx, "blur: efficiency")
if abs(base - fx) < 1e-6 or len(bl) != 4:
    print("blur baseline equals the input or wrong players", base, fx, len(bl)); ok = False
# patches of a linear model: phi of a 2x2 patch is the sum of its pixels' w_i (x_i - base_i)
li = ld("limg", "shap_values.npy")[:, :, 0]
near(li.sum(1), ld("limg", "predictions.npy")[:, 0] - ld("limg", "base_values.npy")[:, 0],
     "list: efficiency")
near(ld("limg", "inputs.npy"), np.stack([A, B]), "@list order", 0)
sys.exit(0 if ok else 1)
PYEOF
