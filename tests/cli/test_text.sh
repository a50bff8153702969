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
# the text plots show the document's own spelling; the lookup tokens stay lower-case
assert vals[0]["display"] == ["Good", "FUN", ",", "good", "film", "!"], vals[0]
assert "display" not in vals[2], vals[2]
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
    # The arrays: documents are rows, token t of document i is player t, shorter documents
    # are padded to the longest (6 tokens) with zeros and inputs of -1 (docs/text.md).
    "$PY" - out <<'PYEOF' || fail "text .npy checks"
import json, sys
import numpy as np
d = sys.argv[1]
vals = json.load(open(d + "/text_values.json"))
phi, se = np.load(d + "/shap_values.npy"), np.load(d + "/stderr.npy")
base, pred = np.load(d + "/base_values.npy"), np.load(d + "/predictions.npy")
cls, ids = np.load(d + "/classes.npy"), np.load(d + "/inputs.npy")
assert phi.shape == se.shape == (3, 6, 1) and phi.dtype == np.float32, phi.shape
assert base.shape == (3, 1) and pred.shape == (3, 2) and ids.shape == (3, 6)
assert (cls == 1).all(), cls  # --class pos
for i, v in enumerate(vals):
    t = len(v["tokens"])
    assert (ids[i, :t] >= 0).all() and (ids[i, t:] == -1).all(), (i, ids[i])
    assert (phi[i, t:] == 0).all() and (se[i, t:] == 0).all(), i
    # the JSON's values are the arrays' (float32, with the 9 digits that read back exactly)
    assert (np.float32([p[0] for p in v["phi"]]).reshape(t) == phi[i, :t, 0]).all(), i
    assert np.float32(v["base"][0]) == base[i, 0], i
    # efficiency: the values add up to f(x) - base, f(x) the model's probability of pos
    assert abs(phi[i, :, 0].sum() + base[i, 0] - pred[i, 1]) < 1e-5, i
# words outside the vocabulary are scored as <unk>: the same id as "!" and ","
assert ids[0, 2] == ids[0, 5] == ids[2, 1], ids
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

# ---- `shapc report` on a text run (docs/plots.md, docs/text.md) ----
# One self-contained HTML file: one embedded plot per document with tokens (row 1 is empty),
# the vocabulary plot, and per document the top tokens by |phi| with their standard errors.
ls out >out.before
run_ok "$SHAPC" report out -o text_report.html
[ "$(cat "$WORK/last.out")" = text_report.html ] || fail "report did not print its path"
ls out | cmp -s - out.before || fail "report changed a results dir that had every plot"
grep -q "<!DOCTYPE html>" text_report.html || fail "text report is not HTML"
grep -Eq '(src|href)="(http|file|/|[a-z_]+\.png)' text_report.html &&
    fail "text report links external files"
[ "$(grep -o 'alt="document [0-9]*" src="data:image/png;base64,' text_report.html | wc -l)" \
    -eq 2 ] || fail "text report: expected one embedded plot per non-empty document"
[ "$(grep -o 'src="data:image/png;base64,' text_report.html | wc -l)" -eq 3 ] ||
    fail "text report: expected the two document plots and the vocabulary plot"
assert_contains "$(cat text_report.html)" "empty document"
# document 0's table: "good" and "fun" are its most important tokens, "!" is not in the vocab
doc0=$(sed -n '/<h3>Document 0<\/h3>/,/<h3>Document 1<\/h3>/p' text_report.html)
assert_contains "$doc0" "<th>SHAP value: pos</th><th>std. error</th>"
assert_contains "$doc0" "<td>Good</td>" # as written in the document
assert_contains "$doc0" "<td>good</td>"
assert_contains "$doc0" "<td>FUN</td>"
assert_contains "$doc0" "! <span class=\"note\""
if [ -n "$PY" ]; then
    "$PY" - out text_report.html <<'PYEOF' || fail "text report checks"
import base64, html.parser, json, sys
d, report = sys.argv[1], open(sys.argv[2]).read()
vals = json.load(open(d + "/text_values.json"))

class Tables(html.parser.HTMLParser):
    """Per document: the embedded PNG and the rows of its tables."""
    def __init__(self):
        super().__init__()
        self.docs, self.cell = {}, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and a["alt"].startswith("document "):
            self.docs[self.doc]["png"] = base64.b64decode(a["src"].split(",", 1)[1])
        elif tag == "tr" and self.docs:
            self.docs[self.doc]["rows"].append([])
        elif tag == "td" and self.docs:
            self.cell = ""
    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.docs[self.doc]["rows"][-1].append(self.cell.strip())
            self.cell = None
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        elif self.lasttag == "h3" and data.startswith("Document "):
            self.doc = int(data.split()[1])
            self.docs[self.doc] = {"rows": []}

t = Tables()
t.feed(report)
assert sorted(t.docs) == [0, 1, 2], t.docs.keys()
for v in vals:
    doc = t.docs[v["row"]]
    rows = [r for r in doc["rows"] if r]
    # the base value / f(x) row of the explained output
    assert rows[0][0] == "pos", rows[0]
    assert abs(float(rows[0][1]) - v["base"][0]) < 1e-3, rows[0]
    assert abs(float(rows[0][2]) - v["fx"][0]) < 1e-3, rows[0]
    if not v["tokens"]:
        assert "png" not in doc and len(rows) == 1
        continue
    # the embedded image is the run's own text plot, byte for byte
    assert doc["png"] == open("%s/text_%d.png" % (d, v["row"]), "rb").read()
    # top tokens: every token (at most 10), by |phi| then position, with value and SE
    want = sorted(range(len(v["tokens"])), key=lambda i: (-abs(v["phi"][i][0]), i))[:10]
    got = rows[1:]
    assert [int(r[0]) for r in got] == want, (got, want)
    for r, i in zip(got, want):
        shown = v.get("display", v["tokens"])[i]  # as written in the document
        assert r[1].split(" ")[0] == shown, r  # "word" or "word (unknown)"
        assert abs(float(r[2]) - v["phi"][i][0]) < 1e-3 and float(r[3]) == v["se"][i][0], r
PYEOF
fi

# A run without plots: the report draws the ones it embeds (as explain would have), shows the
# first 20 of 23 documents and says how many it left out.
for i in $(seq 1 23); do echo "good fun film $i but bad"; done >many.txt
run_ok "$SHAPC" explain text.bin many.txt --class pos --no-plots -q -o many
run_ok "$SHAPC" report many
[ -s many/report.html ] || fail "report without -o: many/report.html missing"
[ "$(grep -o 'alt="document [0-9]*" src="data:image/png;base64,' many/report.html | wc -l)" \
    -eq 20 ] || fail "text report: expected 20 document plots"
assert_contains "$(cat many/report.html)" "Showing the first 20 of 23 documents"
[ -s many/text_19.png ] && [ -s many/vocab_importance.png ] ||
    fail "report did not draw the missing plots it embeds"
[ ! -e many/text_20.png ] || fail "report drew a plot for a document it does not show"

# Malformed or missing text_values.json: one line naming the file and the reason, exit 1, no
# report (neither -o nor the default DIR/report.html) and no temporary left behind.
mkdir cut
cp out/summary.json out/vocab_importance.json cut/
head -c 300 out/text_values.json >cut/text_values.json
expect_fail 1 "$SHAPC" report cut -o cut_report.html
assert_contains "$ERRLINE" "cut/text_values.json: truncated"
[ ! -e cut_report.html ] || fail "a failed report wrote cut_report.html"
expect_fail 1 "$SHAPC" report cut
assert_contains "$ERRLINE" "text_values.json"
[ "$(ls cut)" = "$(printf 'summary.json\ntext_values.json\nvocab_importance.json')" ] ||
    fail "a failed report left files in cut/: $(ls cut)"
sed 's/"phi"/"phx"/' out/text_values.json >cut/text_values.json
expect_fail 1 "$SHAPC" report cut
assert_contains "$ERRLINE" "cut/text_values.json: row 0: \"phi\""
rm cut/text_values.json
expect_fail 1 "$SHAPC" report cut -o cut_report.html
assert_contains "$ERRLINE" "cut/text_values.json: cannot read"
[ ! -e cut_report.html ] && [ ! -e cut/report.html ] || fail "a failed report wrote a file"

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
