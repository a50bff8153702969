#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install dependencies, build shapc, train the
# seed's Fashion-MNIST MLP (Flatten -> Dense 128 relu -> Dense 10 softmax, Adam, 5 epochs),
# and explain the first 10 test images against the 100 embedded background images.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSHAPC_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

data=/usr/share/datasets/fashion-mnist
model=build/fashion-mnist-mlp.bin
if [ ! -f "$model" ]; then
  build/samples/fashion_mnist/shapc-train-fashion-mnist --data "$data" --epochs 5 -o "$model"
fi
build/shapc explain "$model" "$data/t10k-images-idx3-ubyte.gz" --rows 0:10 -o shapc-out "$@"
# The documentation's pictures (README's beeswarm included) from this run's results; they are
# drawn, not committed.
if [ -f shapc-out/summary.json ]; then
  bash scripts/docs_pictures.sh --build build --results shapc-out
fi
echo "results: $(pwd)/shapc-out (shap_values.npy, stderr.npy, base_values.npy, predictions.npy, summary.json, plots)"
