#!/usr/bin/env bash
# bench_onnx.sh - ONNX evaluation speed against torch on this machine (docs/performance.md,
# "ONNX models").
#
#   bash bench/bench_onnx.sh [BUILD_DIR] [WORK_DIR]      defaults: build, BUILD_DIR/bench_onnx
#
# Trains the samples' CNN and transformer (samples/onnx/train_cnn.py, train_text.py; about a
# minute, reused when WORK_DIR already holds them), then for 1 and 2 threads times, three
# times in alternation, shapc_bench_onnx (one model shared by T threads, batches of 256 rows)
# and bench_torch.py (torch.set_num_threads(T); eager and TorchScript). OpenBLAS runs single-
# threaded inside shapc, as the explainer runs it (its threads are the explainer's workers).
# Prints each best rate and the ratio shapc / torch.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
work=${2:-$build/bench_onnx}
py="/usr/bin/python3 -B"
data=/usr/share/datasets/fashion-mnist
mkdir -p "$work"
cd "$work"
[ -s cnn.onnx ] && [ -s cnn.pt ] ||
    $py "$root/samples/onnx/train_cnn.py" "$data" cnn.onnx --torch-state cnn.pt
[ -s text.onnx ] && [ -s text.pt ] ||
    $py "$root/samples/onnx/train_text.py" "$build/samples/onnx/shapc-onnx-tokenize" \
        "$root/samples/sentiment/corpus.tsv" text.onnx --ids ids.npy --torch-state text.pt \
        --epochs 40
export OPENBLAS_NUM_THREADS=1
best() { sort -g | tail -1; }
for model in cnn text; do
    if [ $model = cnn ]; then input=$data/t10k-images-idx3-ubyte.gz; else input=ids.npy; fi
    for t in 1 2; do
        s=() e=() j=()
        for rep in 1 2 3; do
            s+=("$("$build/bench/shapc_bench_onnx" $model.onnx "$input" --threads $t |
                   sed 's/.*: \([0-9]*\) rows\/s.*/\1/')")
            line=$($py "$root/bench/bench_torch.py" $model $model.pt "$input" --threads $t)
            e+=("$(echo "$line" | sed 's/.*eager \([0-9]*\) rows.*/\1/')")
            j+=("$(echo "$line" | sed 's/.*TorchScript \([0-9]*\) rows.*/\1/')")
        done
        sb=$(printf '%s\n' "${s[@]}" | best)
        eb=$(printf '%s\n' "${e[@]}" | best)
        jb=$(printf '%s\n' "${j[@]}" | best)
        printf '%-5s %d thread(s): shapc %6s rows/s | torch eager %6s (shapc/torch %.2f) | ' \
            $model $t "$sb" "$eb" "$(awk "BEGIN{print $sb / $eb}")"
        printf 'TorchScript %6s (%.2f)\n' "$jb" "$(awk "BEGIN{print $sb / $jb}")"
    done
done
