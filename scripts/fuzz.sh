#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, clang, ASan + UBSan) into build-fuzz and runs
# each for the given number of seconds, two at a time.
#
#   scripts/fuzz.sh [SECONDS [TARGET...]]    e.g. scripts/fuzz.sh 60   or   scripts/fuzz.sh 300 npy
#
# Targets are the tests/fuzz/fuzz_<target>.c files (default: all). Each starts from the seeds
# tests/fuzz/make_corpus.py writes into build-fuzz/seeds/<target>/ and grows a working corpus in
# build-fuzz/corpus/<target>/ (kept between runs, never committed). Crashes, leaks, UB, timeouts
# and over-limit allocations are written to build-fuzz/artifacts/<target>/; the exit status is
# non-zero if any target found one. Logs: build-fuzz/logs/<target>.log; the last lines give
# libFuzzer's final stats (executions, cov:, ft:, corpus size).
#
# Environment: SHAPC_FUZZ_PARALLEL (default 2) targets at once, SHAPC_FUZZ_BUILD (default
# build-fuzz) build directory, SHAPC_FUZZ_ARGS extra libFuzzer flags.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
build=${SHAPC_FUZZ_BUILD:-build-fuzz}
parallel=${SHAPC_FUZZ_PARALLEL:-2}

# ---- toolchain: clang with the libFuzzer and sanitizer runtimes ----
if ! command -v clang >/dev/null 2>&1 ||
   ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "== installing clang and its runtimes (libclang-rt-14-dev) =="
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
# The seed writer needs Debian's python3 with numpy and onnx (the ONNX seeds).
if ! /usr/bin/python3 -c "import numpy, onnx" >/dev/null 2>&1; then
  echo "== installing python3-numpy and python3-onnx (seed corpora) =="
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends python3-numpy python3-onnx
fi

# ---- build ----
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in tests/fuzz/fuzz_*.c; do
    t=$(basename "$f" .c)
    targets+=("${t#fuzz_}")
  done
fi
echo "== building ${targets[*]} in $build =="
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DSHAPC_BUILD_FUZZERS=ON \
  -DSHAPC_BUILD_TESTS=OFF -DSHAPC_BUILD_SAMPLES=OFF -DSHAPC_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$parallel" --target $(printf 'fuzz_%s ' "${targets[@]}")

# ---- seeds: small valid files of every kind, written fresh (not committed) ----
rm -rf "$build/seeds"
/usr/bin/python3 -B tests/fuzz/make_corpus.py "$build/seeds"

# ---- run ----
export OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/logs"

run_one() {
  local t=$1 corpus="$build/corpus/$1" art="$build/artifacts/$1/"
  mkdir -p "$corpus" "$art"
  # -malloc_limit_mb: a reader that believes a forged size and allocates it is a bug, found here
  # rather than as an out-of-memory kill; -rss_limit_mb caps the whole process.
  "$build/tests/fuzz/fuzz_$t" "$corpus" "$build/seeds/$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len=16384 -print_final_stats=1 -artifact_prefix="$art" ${SHAPC_FUZZ_ARGS:-} \
    >"$build/logs/$t.log" 2>&1
}

status=0
pids=()
names=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  names+=("$t")
  if [ ${#pids[@]} -ge "$parallel" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do
  wait "$p" || status=1
done

# ---- summary: libFuzzer's last status line and final stats per target ----
echo "== summary (${seconds}s per target) =="
for t in "${names[@]}"; do
  log="$build/logs/$t.log"
  line=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corp=$(ls "$build/corpus/$t" | wc -l)
  arts=$(find "$build/artifacts/$t" -type f | wc -l)
  printf '%-8s execs=%s corpus_files=%s artifacts=%s\n         %s\n' \
    "$t" "${execs:-?}" "$corp" "$arts" "$line"
  [ "$arts" -eq 0 ] || status=1
done
exit $status
