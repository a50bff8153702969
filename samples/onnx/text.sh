#!/usr/bin/env bash
# text.sh - the transformer sentiment classifier of train_text.py through shapc's text
# pipeline (ctest: onnx_text_*).
#
#   text.sh setup SHAPC PYTHON TOKENIZER CORPUS WORK_DIR [--quick]   trains, exports ONNX
#   text.sh check SHAPC PYTHON TOKENIZER CORPUS WORK_DIR             the checks below
#
# Checks: shapc's predictions on every sentence equal torch's to 1e-5; the file is a text
# model (shapc info); explaining sentences with tokens as players, masked by the mask id and
# by the pad id, is additive per document and draws the text plot; a document longer than
# the model's 32 slots is refused in one line.
set -euo pipefail
mode=$1 shapc=$2 py=$3 tok=$4 corpus=$5 work=$6
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
cd "$work"
if [ "$mode" = setup ]; then
    if [ "${7:-}" = --quick ]; then
        "$py" "$here/train_text.py" "$tok" "$corpus" text.onnx --ids ids.npy \
            --torch-out torch.npy --epochs 5
    else
        "$py" "$here/train_text.py" "$tok" "$corpus" text.onnx --ids ids.npy \
            --torch-out torch.npy --epochs 40 --min-accuracy 0.75
    fi
    exit 0
fi
"$shapc" info text.onnx | grep -q "description: text: 32 token ids -> onnx"
"$shapc" predict text.onnx ids.npy -o p.npy >/dev/null
"$py" "$here/check_close.py" p.npy torch.npy 1e-5 "predictions, shapc vs torch"
printf 'The film was really wonderful. I loved every minute.\nThe plot was tedious.\n' >docs.txt
for m in token remove; do
    rm -rf "x_$m"
    "$shapc" explain text.onnx docs.txt --class pos --text-mask "$m" -q -o "x_$m"
    [ -s "x_$m/text_0.png" ] && [ -s "x_$m/text_1.png" ]
    "$py" - "x_$m/text_values.json" <<'PYEOF'
import json, sys
docs = json.load(open(sys.argv[1]))
for d in docs:
    phi = sum(p[0] for p in d["phi"])
    gap = abs(d["base"][0] + phi - d["fx"][0])
    print("%s row %d: %d tokens, |base + sum phi - f(x)| = %.2g" % (sys.argv[1], d["row"],
                                                                  len(d["tokens"]), gap))
    assert gap < 1e-5 and d["exact"] in (True, False)
PYEOF
done
"$py" -c "print(' '.join(['word'] * 40))" >long.txt
if "$shapc" explain text.onnx long.txt -q -o x_long 2>err.txt; then
    echo "a 40-token document was explained by a 32-slot model" >&2
    exit 1
fi
[ "$(wc -l <err.txt)" -eq 1 ] && grep -q "40 tokens; the model reads at most 32" err.txt
echo "text: ok"
