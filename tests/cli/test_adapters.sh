#!/usr/bin/env bash
# shapc explain with black-box models: --model-cmd (the numpy MLP server of samples/python
# against the native model.bin: same SHAP values) and --model-plugin (the sample plugin), plus
# the usage and failure messages of both.
source "$(dirname "$0")/lib.sh" "$@"
SAMPLES=$(cd "$SHAPC_TEST_FIXTURES/../../samples" && pwd)

# --- usage errors ---
expect_fail 2 "$SHAPC" explain "$FIX/model.bin" "$FIX/input.npy" --model-cmd "true"
assert_contains "$ERRLINE" "either MODEL"
expect_fail 2 "$SHAPC" explain "$FIX/input.npy" --plugin-arg x
assert_contains "$ERRLINE" "--plugin-arg needs --model-plugin"
expect_fail 2 "$SHAPC" explain --model-cmd "true" --model-plugin x.so "$FIX/input.npy"
expect_fail 2 "$SHAPC" explain --model-cmd "a 'b" "$FIX/input.npy"
expect_fail 2 "$SHAPC" explain --model-cmd "true" "$FIX/input.npy" --model-timeout -1
expect_fail 2 "$SHAPC" explain --model-cmd "true" "$FIX/input.npy" --batch 0

# --- failures name the command, leave no results and no child behind ---
expect_fail 1 "$SHAPC" explain --model-cmd "sh -c 'echo loading; exit 3'" "$FIX/input.npy" \
    --background "$FIX/bg.npy" -o bad1 -q
assert_contains "$ERRLINE" "model command 'sh -c 'echo loading; exit 3''"
assert_contains "$ERRLINE" "\"loading\\n"
assert_no_outputs bad1
expect_fail 1 "$SHAPC" explain --model-cmd "sh -c 'exit 3'" "$FIX/input.npy" \
    --background "$FIX/bg.npy" -o bad2 -q
assert_contains "$ERRLINE" "exited with status 3 before the handshake"
start=$(date +%s)
# A duration unique to this run, so a concurrent run of this test cannot be mistaken for ours.
nap=30.$$
expect_fail 1 "$SHAPC" explain --model-cmd "sleep $nap" --model-timeout 0.3 "$FIX/input.npy" \
    --background "$FIX/bg.npy" -o bad3 -q
assert_contains "$ERRLINE" "no answer within 300 ms"
[ $(($(date +%s) - start)) -lt 10 ] || fail "--model-timeout 0.3 took too long"
pgrep -f "^sleep $nap$" >/dev/null && fail "the timed-out command is still running"
expect_fail 1 "$SHAPC" explain --model-cmd "/nonexistent/server" "$FIX/input.npy" -q
assert_contains "$ERRLINE" "cannot start /nonexistent/server"
expect_fail 1 "$SHAPC" explain --model-plugin /nonexistent/libnope.so "$FIX/input.npy" -q
assert_contains "$ERRLINE" "/nonexistent/libnope.so"

# --- the numpy server gives the native model's SHAP values ---
if [ -n "$PY" ]; then
    run_ok "$SHAPC" explain "$FIX/model.bin" "$FIX/input.npy" --background "$FIX/bg.npy" \
        --seed 3 --no-plots -q -o native
    run_ok "$SHAPC" explain --model-cmd "$PY $SAMPLES/python/serve_numpy_mlp.py $FIX/model.bin" \
        "$FIX/input.npy" --background "$FIX/bg.npy" --seed 3 --batch 100 --no-plots -q -o proc
    assert_results proc
    grep -q '"process' proc/summary.json || fail "summary.json does not describe the process"
    "$PY" - native proc <<'PYEOF' || fail "process and native results differ"
import sys
import numpy as np
a, b = sys.argv[1], sys.argv[2]
for f in ("shap_values.npy", "predictions.npy", "base_values.npy"):
    x, y = np.load(a + "/" + f), np.load(b + "/" + f)
    assert x.shape == y.shape, (f, x.shape, y.shape)
    assert np.allclose(x, y, atol=1e-5, rtol=0), (f, np.abs(x - y).max())
PYEOF
fi

# --- the sample plugin: a logistic rule over the 16 inputs ---
PLUGIN=${SHAPC_SAMPLES_BIN:-}/plugin/libshapc_sample_plugin.so
if [ -f "$PLUGIN" ]; then
    W="0.5,-0.25,0.125,0,0,0,0,0,0,0,0,0,0,0,0.01,-0.02,0.3"
    run_ok "$SHAPC" explain --model-plugin "$PLUGIN" --plugin-arg "$W" "$FIX/input.npy" \
        --background "$FIX/bg.npy" --no-plots -q -o plug
    assert_results plug
    grep -q 'p(default)' plug/summary.json || fail "output name of the plugin missing"
    if [ -n "$PY" ]; then
        "$PY" - plug "$FIX/input.npy" "$W" <<'PYEOF' || fail "plugin predictions are wrong"
import sys
import numpy as np
w = np.array([float(v) for v in sys.argv[3].split(",")])
x = np.load(sys.argv[2]).astype(np.float64)
p = 1 / (1 + np.exp(-(x @ w[:-1] + w[-1])))
got = np.load(sys.argv[1] + "/predictions.npy")[:, 0]
assert np.allclose(got, p, atol=1e-6), (got, p)
PYEOF
    fi
    expect_fail 1 "$SHAPC" explain --model-plugin "$PLUGIN" --plugin-arg "1,x" "$FIX/input.npy" -q
    assert_contains "$ERRLINE" "not a comma-separated list"
fi
echo "ok"
