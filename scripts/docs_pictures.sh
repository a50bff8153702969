#!/usr/bin/env bash
# Draws every picture the documentation shows (docs/img/, ignored by git: nothing generated is
# committed) with the shapc CLI, and with --check verifies that every image README.md and
# docs/*.md reference was drawn.
#
#   bash scripts/docs_pictures.sh [--build DIR] [--results DIR] [--out DIR] [--check]
#
#   --build DIR    build tree holding shapc and the samples (default: build)
#   --results DIR  results of `bash scripts/demo.sh` (default: shapc-out). When they exist
#                  the table and image pictures are drawn from them: the real demo. Otherwise
#                  a small stand-in is made in a few seconds: the same Fashion-MNIST MLP
#                  trained for one epoch (dataset-fashion-mnist), 20 background images, 12
#                  test images explained with 4x4 patches.
#   --out DIR      where the pictures go (default: docs/img)
#   --check        afterwards, fail unless every image reference resolves to a drawn file
#
# The text plot always comes from the sentiment sample (samples/sentiment), trained here in
# a fraction of a second.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
results=$root/shapc-out
out=$root/docs/img
check=0
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --results) results=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "docs_pictures: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

shapc=$build/shapc
train_mlp=$build/samples/fashion_mnist/shapc-train-fashion-mnist
train_text=$build/samples/sentiment/shapc-train-sentiment
data=/usr/share/datasets/fashion-mnist
for tool in "$shapc" "$train_text"; do
  [ -x "$tool" ] || { echo "docs_pictures: $tool is not built (cmake --build $build)" >&2; exit 1; }
done
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- tables and images: the demo's results, or the small stand-in ----
if [ -f "$results/summary.json" ] && [ -f "$results/shap_values.npy" ]; then
  dir=$results
  echo "docs_pictures: drawing from the demo's results in $dir"
else
  [ -x "$train_mlp" ] || { echo "docs_pictures: $train_mlp is not built" >&2; exit 1; }
  [ -f "$data/train-images-idx3-ubyte.gz" ] ||
    { echo "docs_pictures: $data missing (apt-get install dataset-fashion-mnist)" >&2; exit 1; }
  dir=$work/mlp
  "$train_mlp" --data "$data" --epochs 1 --background 20 -o "$work/mlp.bin" >/dev/null
  "$shapc" explain "$work/mlp.bin" "$data/t10k-images-idx3-ubyte.gz" --rows 0:12 \
    --groups 4x4 --no-plots -q -o "$dir"
  echo "docs_pictures: no demo results in $results; drew from a one-epoch stand-in"
fi
"$shapc" plot beeswarm "$dir" -o "$out/summary.png" >/dev/null
"$shapc" plot bar "$dir" -o "$out/bar.png" >/dev/null
"$shapc" plot bar "$dir" --class all -o "$out/bar_stacked.png" >/dev/null
"$shapc" plot waterfall "$dir" --row 0 -o "$out/waterfall.png" >/dev/null
"$shapc" plot image "$dir" --row 0 -o "$out/image_plot.png" >/dev/null
"$shapc" plot image "$dir" --rows 0:3 -o "$out/image_rows.png" >/dev/null

# ---- text: the sentiment sample ----
"$train_text" --corpus "$root/samples/sentiment/corpus.tsv" -o "$work/sentiment.bin" >/dev/null
"$shapc" explain "$work/sentiment.bin" "$root/samples/sentiment/explain.txt" --class pos \
  --no-plots -q -o "$work/text"
"$shapc" plot text "$work/text" --row 2 -o "$out/text.png" >/dev/null

echo "docs_pictures: wrote $(cd "$out" && ls | tr '\n' ' ')into $out"

# ---- every referenced picture exists ----
# Markdown image links ![alt](path): "img/NAME" in docs/*.md and "docs/img/NAME" in README.md
# are this script's pictures; any other local image would be a committed binary, which the
# project does not keep, so it counts as missing too. Links to http(s) URLs are not checked.
if [ "$check" = 1 ]; then
  missing=0
  refs=0
  for md in "$root"/README.md "$root"/docs/*.md; do
    while IFS= read -r ref; do
      refs=$((refs + 1))
      case $ref in
        http://*|https://*) continue ;;
        img/*|docs/img/*) file=$out/${ref##*img/} ;;
        *) file=/nonexistent ;;
      esac
      if [ ! -s "$file" ] || [ "$(head -c 8 "$file" | od -An -tx1 | tr -d ' \n')" != \
           "89504e470d0a1a0a" ]; then
        echo "docs_pictures: ${md#"$root"/} shows $ref, which this script does not draw" >&2
        missing=$((missing + 1))
      fi
    done < <(grep -o '!\[[^]]*\]([^)]*)' "$md" | sed 's/^!\[[^]]*\](\([^)]*\))$/\1/')
  done
  [ "$refs" -gt 0 ] || { echo "docs_pictures: no image references found" >&2; exit 1; }
  [ "$missing" -eq 0 ] || exit 1
  echo "docs_pictures: all $refs image references resolve"
fi
