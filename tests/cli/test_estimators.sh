# test_estimators.sh - `shapc explain` with the estimators of --sampler and the model-row
# budget of --max-evals: bad values are usage errors, summary.json reports the estimator, the
# rows used and the relative standard error per row, budgets are kept, exact enumeration is
# exact, noise-dominated rows get one warning line, and a 60,000-row background costs what 100
# rows cost, in bounded memory.
source "$(dirname "$0")/lib.sh" "$@"

M=$FIX/model.bin
IN=$FIX/input.idx
[ -n "$PY" ] || fail "python3 with numpy is required"

# ---- usage errors: exit 2, message names the option ----
for args in "--max-evals 0" "--max-evals -3" "--max-evals 1e6" "--max-evals abc" \
    "--sampler bogus" "--sampler Permutation" "--sampler"; do
    opt=${args%% *}
    # shellcheck disable=SC2086
    expect_fail 2 "$SHAPC" explain "$M" "$IN" $args -o e_usage
    assert_contains "$ERRLINE" "$opt"
    assert_no_outputs e_usage
done

# ---- the default (auto) samples; summary.json says what each row used ----
run_ok "$SHAPC" explain "$M" "$IN" --seed 3 --max-evals 5000 --no-plots -q -o auto
"$PY" - auto <<'PY' || fail "auto: summary.json does not report the estimate"
import json, sys
import numpy as np
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
assert s["settings"]["sampler"] == "auto" and s["settings"]["max_evals"] == 5000, s["settings"]
phi, se = np.load(d + "/shap_values.npy"), np.load(d + "/stderr.npy")
for i, inst in enumerate(s["instances"]):
    assert inst["estimator"] == "permutation", inst
    assert not inst["exact"]
    assert 4000 < inst["n_evals"] <= 5000, inst["n_evals"]   # the budget is spent, not exceeded
    assert inst["n_samples"] >= 4
    rel = np.linalg.norm(se[i], axis=0) / np.linalg.norm(phi[i], axis=0)
    assert np.allclose(rel, inst["rel_se"], rtol=1e-4), (rel, inst["rel_se"])
    assert abs(inst["rel_se_max"] - rel.max()) < 1e-4 * rel.max()
PY

# ---- a budget covering every coalition: auto enumerates (16 players, 5 background rows:
# at most 5 x (2^16 - 2) rows), the values are exact and their errors zero; --sampler exact
# enumerates whatever the budget and gives the same values ----
run_ok "$SHAPC" explain "$M" "$IN" --max-evals 400000 --no-plots -q -o exact_auto
run_ok "$SHAPC" explain "$M" "$IN" --sampler exact --no-plots -q -o exact_forced
run_ok "$SHAPC" explain "$M" "$IN" --sampler leverage --nsamples 65534 --no-plots -q -o exact_kernel
"$PY" - exact_auto exact_forced exact_kernel <<'PY' || fail "exact enumeration is not exact"
import json, sys
import numpy as np
a, b, k = sys.argv[1:4]
for d in (a, b):
    s = json.load(open(d + "/summary.json"))
    assert all(i["estimator"] == "exact" and i["exact"] for i in s["instances"]), d
    assert np.all(np.load(d + "/stderr.npy") == 0), d
pa, pb, pk = (np.load(d + "/shap_values.npy") for d in (a, b, k))
assert np.allclose(pa, pb, atol=1e-7), np.abs(pa - pb).max()
# KernelSHAP's regression over all coalitions is exact too: an independent check
assert np.allclose(pa, pk, atol=1e-5), np.abs(pa - pk).max()
PY

# ---- the KernelSHAP samplers keep --max-evals as a bound on rows ----
run_ok "$SHAPC" explain "$M" "$IN" --sampler kernel --max-evals 3000 --no-plots -q -o kbudget
"$PY" - kbudget <<'PY' || fail "kernel: --max-evals not kept"
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
for i in s["instances"]:
    assert i["estimator"] == "kernel" and i["n_evals"] <= 3000, i
PY

# ---- the same bytes for 1, 2 and 3 threads with the default estimator ----
for t in 1 2 3; do
    run_ok "$SHAPC" explain "$M" "$IN" --seed 4 --threads $t --no-plots -q -o th$t
done
for f in shap_values.npy stderr.npy base_values.npy; do
    cmp -s th1/$f th2/$f && cmp -s th1/$f th3/$f || fail "$f differs between thread counts"
done

# ---- a budget too small for the values leaves rows noise-dominated (KernelSHAP with fewer
# pairs than coalition sizes: infinite errors): one warning line per row, naming it and the
# remedies; a budget that converges warns about nothing ----
run_ok "$SHAPC" explain "$M" "$IN" --sampler leverage --nsamples 30 --no-plots -o noisy
n=$(grep -c "warning: row [0-9]* is noise-dominated" "$WORK/last.err" || true)
[ "$n" -eq 3 ] || fail "not one noise warning per row: $(cat "$WORK/last.err")"
grep -q -- "--max-evals" "$WORK/last.err" || fail "the warning does not name --max-evals"
grep -q -- "--groups" "$WORK/last.err" || fail "the warning does not name --groups"
run_ok "$SHAPC" explain "$M" "$IN" --max-evals 400000 --no-plots -o converged
grep -q "noise-dominated" "$WORK/last.err" && fail "warning for exact values"

# ---- 60,000 background rows: the rows evaluated are those of 100 rows' budget, and the
# memory is the background's own plus what 100 rows need (not rows x budget) ----
"$PY" - "$FIX" <<'PY' || fail "could not write the large background"
import sys
import numpy as np
rng = np.random.default_rng(5)
bg = np.load(sys.argv[1] + "/bg.npy")
big = bg[rng.integers(0, len(bg), 60000)] + rng.normal(0, 0.1, (60000, bg.shape[1]))
np.save("big_bg.npy", big.astype(np.float32))
np.save("small_bg.npy", big[:100].astype(np.float32))
PY
"$PY" - "$SHAPC" "$FIX/model.bin" "$FIX/input.npy" <<'PY' || fail "large background"
import json, resource, subprocess, sys
shapc, model, inp = sys.argv[1:4]
def run(bg, out):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([shapc, "explain", model, inp, "--background", bg, "--no-plots", "-q",
                    "--threads", "1", "--tol", "0", "-o", out], check=True)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, max over children
    s = json.load(open(out + "/summary.json"))
    return rss, [i["n_evals"] for i in s["instances"]]
rss_small, ev_small = run("small_bg.npy", "bg_small")
rss_big, ev_big = run("big_bg.npy", "bg_big")
# 60,000 x 16 float32 is 3.75 MiB; file, loaded array and the explainer's copy: < 16 MiB more
assert rss_big - rss_small < 16 * 1024, (rss_small, rss_big)
for a, b in zip(ev_small, ev_big):
    assert abs(a - b) <= 0.1 * a, (ev_small, ev_big)
PY
echo "test_estimators: ok"
