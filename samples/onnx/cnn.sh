#!/usr/bin/env bash
# cnn.sh - the MobileNetV2-style CNN of train_cnn.py through shapc (ctest: onnx_cnn_*).
#
#   cnn.sh setup SHAPC PYTHON DATA_DIR WORK_DIR [--quick]   trains in torch, exports ONNX
#   cnn.sh check SHAPC PYTHON DATA_DIR WORK_DIR             the checks below
#
# Checks: shapc's predictions equal torch's to 1e-5 (256 test images, channels-last rows
# into an NCHW graph); an explanation over SLIC superpixels (--segments) is additive
# (base + sum phi = f(x) for the explained class) and draws the image overlay.
set -euo pipefail
mode=$1 shapc=$2 py=$3 data=$4 work=$5
here=$(cd "$(dirname "$0")" && pwd)
t10k=$data/t10k-images-idx3-ubyte.gz
train=$data/train-images-idx3-ubyte.gz
mkdir -p "$work"
cd "$work"
if [ "$mode" = setup ]; then
    if [ "${6:-}" = --quick ]; then
        "$py" "$here/train_cnn.py" "$data" cnn.onnx --torch-out torch.npy --quick
    else
        "$py" "$here/train_cnn.py" "$data" cnn.onnx --torch-out torch.npy --min-accuracy 0.70
    fi
    exit 0
fi
"$shapc" info cnn.onnx | grep -q "input shape: 28x28x1 (784 features)"
"$shapc" predict cnn.onnx "$t10k" --rows 0:256 -o p.npy >/dev/null
"$py" "$here/check_close.py" p.npy torch.npy 1e-5 "predictions, shapc vs torch"
rm -rf x
"$shapc" explain cnn.onnx "$t10k" --rows 0:2 --segments 20 --background "$train" \
    --background-rows 0:8 --max-evals 3000 --class predicted -q -o x
[ -s x/instance_0.png ] && [ -s x/instance_1.png ]
"$py" - <<'PYEOF'
import numpy as np
phi, base, pred, cls = (np.load("x/%s.npy" % n) for n in
                        ("shap_values", "base_values", "predictions", "classes"))
for r in range(len(phi)):
    c = int(cls[r][0]) if cls.ndim == 2 else int(cls[r])
    gap = abs(base[r, 0] + phi[r, :, 0].sum() - pred[r, c])
    print("row %d class %d: |base + sum phi - f(x)| = %.2g" % (r, c, gap))
    assert gap < 1e-4, gap
PYEOF
echo "cnn: ok"
