#!/usr/bin/env bash
# mlp.sh - the seed's Fashion-MNIST MLP as model.bin and as ONNX (ctest: onnx_mlp_*).
#
#   mlp.sh setup SHAPC TRAINER PYTHON DATA_DIR WORK_DIR   trains model.bin (1 epoch), exports
#                                                          ONNX through torch (export_mlp.py)
#   mlp.sh check SHAPC TRAINER PYTHON DATA_DIR WORK_DIR   the checks below
#
# Checks: shapc's predictions of the ONNX file equal torch's to 1e-5; its SHAP values and base
# values equal those of the model.bin copy to 1e-5 (same rows, seed and background).
set -euo pipefail
mode=$1 shapc=$2 trainer=$3 py=$4 data=$5 work=$6
here=$(cd "$(dirname "$0")" && pwd)
t10k=$data/t10k-images-idx3-ubyte.gz
train=$data/train-images-idx3-ubyte.gz
mkdir -p "$work"
cd "$work"
if [ "$mode" = setup ]; then
    "$trainer" --data "$data" --epochs 1 --background 10 -o fm.bin >/dev/null
    "$py" "$here/export_mlp.py" fm.bin fm.onnx --check "$t10k" torch.npy
    exit 0
fi
"$shapc" info fm.onnx | grep -q "input shape: 28x28x1 (784 features)"
"$shapc" info fm.onnx | grep -q "Ankle boot"
"$shapc" predict fm.onnx "$t10k" --rows 0:200 -o p_onnx.npy >/dev/null
"$py" "$here/check_close.py" p_onnx.npy torch.npy 1e-5 "predictions, shapc (ONNX) vs torch"
rm -rf x_bin x_onnx
"$shapc" explain fm.bin "$t10k" --rows 0:4 --seed 7 --no-plots -q -o x_bin
"$shapc" explain fm.onnx "$t10k" --rows 0:4 --seed 7 --background "$train" \
    --background-rows 0:10 --no-plots -q -o x_onnx
"$py" "$here/check_close.py" x_onnx/shap_values.npy x_bin/shap_values.npy 1e-5 \
    "SHAP values, ONNX vs model.bin"
"$py" "$here/check_close.py" x_onnx/base_values.npy x_bin/base_values.npy 1e-5 \
    "base values, ONNX vs model.bin"
# without --background the ONNX model has none to offer: the usual one-line refusal
if "$shapc" explain fm.onnx "$t10k" --rows 0:1 -q -o x_none 2>err.txt; then
    echo "explain without --background succeeded" >&2
    exit 1
fi
grep -q "has no embedded background: pass --background" err.txt
# an input of the wrong shape: one line naming the file, non-zero exit, no output file
"$py" -c "import numpy as np; np.save('wrong.npy', np.zeros((2, 30, 30), np.float32))"
rm -f p_wrong.npy
if "$shapc" predict fm.onnx wrong.npy -o p_wrong.npy 2>err.txt; then
    echo "predict on a 30x30 input succeeded" >&2
    exit 1
fi
[ "$(wc -l <err.txt)" -eq 1 ] && grep -q "wrong.npy.*does not match the model input 28x28x1" err.txt
[ ! -e p_wrong.npy ]
echo "mlp: ok"
