# test_explain.sh - `shapc explain` end to end on the tiny fixture model: every contract file is
# written with the right shapes, Shapley values add up to f(x) (identity and logit links),
# --groups / --class / --rows / --background select what they promise, and seeds reproduce.
source "$(dirname "$0")/lib.sh" "$@"

M=$FIX/model.bin
IN=$FIX/input.idx

# ---- default run: all rows, all classes, embedded background ----
run_ok "$SHAPC" explain "$M" "$IN" --seed 7 --no-plots -o out
assert_results out
line=$(cat "$WORK/last.out")
[[ $line =~ ^explained\ 3\ rows\ x\ 3\ classes\ \(16\ players\)\ in\ [0-9.]+\ s\ -\>\ out/$ ]] ||
    fail "unexpected closing line: $line"

# --quiet prints nothing on success
run_ok "$SHAPC" explain "$M" "$IN" --seed 7 --no-plots --quiet -o out_quiet
[ ! -s "$WORK/last.out" ] || fail "--quiet printed: $(cat "$WORK/last.out")"
[ ! -s "$WORK/last.err" ] || fail "--quiet wrote stderr: $(cat "$WORK/last.err")"

# ---- reproducibility: equal seeds give byte-identical values, other seeds differ ----
run_ok "$SHAPC" explain "$M" "$IN" --seed 7 --no-plots -o out_same
cmp -s out/shap_values.npy out_same/shap_values.npy || fail "same seed, different shap_values.npy"
cmp -s out/stderr.npy out_same/stderr.npy || fail "same seed, different stderr.npy"
run_ok "$SHAPC" explain "$M" "$IN" --seed 8 --no-plots -o out_seed8
cmp -s out/shap_values.npy out_seed8/shap_values.npy && fail "seeds 7 and 8 gave identical values"

# the same rows as .npy (float32) explain identically to the uint8 IDX
run_ok "$SHAPC" explain "$M" "$FIX/input.npy" --seed 7 --no-plots -o out_npy
cmp -s out/shap_values.npy out_npy/shap_values.npy || fail ".npy and .idx inputs differ"

# a budget too small for the players: values still add up, standard errors are infinite and a
# note says why (16 players need more than 2 x 16 coalitions)
run_ok "$SHAPC" explain "$M" "$IN" --sampler leverage --nsamples 20 --no-plots -o out_tiny
grep -q "cannot determine the values" "$WORK/last.err" || fail "no note for a tiny budget"
python3 - out_tiny <<'PY' || fail "tiny budget: standard errors are not infinite"
import sys, numpy as np
se = np.load(sys.argv[1] + "/stderr.npy")
assert np.isinf(se).any() and not np.isnan(se).any()
PY

# --threads: the same bytes for any count; with 2 and 3 the 3 rows are explained in parallel
# (one per thread) or with threads inside each row, both of which must match one thread
for t in 1 2 3; do
    run_ok "$SHAPC" explain "$M" "$IN" --seed 7 --threads $t --no-plots -q -o out_thr$t
done
for t in 2 3; do
    for f in shap_values stderr base_values predictions; do
        cmp -s out_thr1/$f.npy out_thr$t/$f.npy || fail "--threads 1 and $t differ: $f.npy"
    done
done

# ---- other selections ----
run_ok "$SHAPC" explain "$M" "$IN" --link logit --no-plots -o out_logit
run_ok "$SHAPC" explain "$M" "$IN" --groups 2x2 --no-plots -o out_groups
run_ok "$SHAPC" explain "$M" "$IN" --class predicted --no-plots -o out_pred
run_ok "$SHAPC" explain "$M" "$IN" --class 2 --no-plots -o out_k2
run_ok "$SHAPC" explain "$M" "$IN" --class=dog --no-plots -o out_dog
run_ok "$SHAPC" explain "$M" "$IN" --rows 1:3 --nsamples 200 --batches 4 --no-plots -o out_rows
run_ok "$SHAPC" explain "$FIX/model_nobg.bin" "$IN" --background "$FIX/bg.npy" \
    --background-rows 1:4 --no-plots -o out_bg
run_ok "$SHAPC" explain "$FIX/model_vec.bin" "$FIX/input.npy" --rows 0 --no-plots -o out_vec
run_ok "$SHAPC" explain "$M" "$IN" --rows 2 --no-plots -o nested/a/b
for d in out_logit out_groups out_pred out_k2 out_dog out_rows out_bg out_vec nested/a/b; do
    assert_results "$d"
done
# plots are requested by default (the renderer may add files; the contract files must exist)
run_ok "$SHAPC" explain "$M" "$IN" --rows 0 -o out_plots
assert_results out_plots

[ -n "$PY" ] || exit 0

"$PY" - "$WORK" <<'PYEOF' || fail "numeric checks failed"
import json, sys
import numpy as np

work = sys.argv[1]
def load(d, name):
    return np.load(f"{work}/{d}/{name}")

def check_dir(d, n, M, K, link="identity", k_all=3):
    phi = load(d, "shap_values.npy"); se = load(d, "stderr.npy")
    base = load(d, "base_values.npy"); pred = load(d, "predictions.npy")
    cls = load(d, "classes.npy"); inputs = load(d, "inputs.npy"); groups = load(d, "groups.npy")
    assert phi.dtype == np.float32 and phi.shape == (n, M, K), (d, phi.dtype, phi.shape)
    assert se.dtype == np.float32 and se.shape == (n, M, K), (d, se.shape)
    assert (se >= 0).all(), d
    assert base.dtype == np.float32 and base.shape == (n, K), (d, base.shape)
    assert pred.dtype == np.float32 and pred.shape == (n, k_all), (d, pred.shape)
    assert cls.dtype == np.int32 and cls.shape == (n, K), (d, cls.dtype, cls.shape)
    assert inputs.dtype == np.float32 and inputs.shape == (n, 16), (d, inputs.shape)
    assert groups.dtype == np.int32 and groups.shape == (16,), (d, groups.shape)
    assert groups.min() == 0 and groups.max() == M - 1, (d, groups)
    np.testing.assert_allclose(pred.sum(axis=1), 1.0, atol=1e-5)  # softmax outputs
    # additivity: sum_g phi + base = link(f(x)) for every row and explained column
    fx = np.take_along_axis(pred.astype(np.float64), cls, axis=1)
    if link == "logit":
        p = np.clip(fx, 1e-7, 1 - 1e-7)
        fx = np.log(p / (1 - p))
    err = np.abs(phi.astype(np.float64).sum(axis=1) + base - fx).max()
    assert err < 1e-4, (d, "additivity error", err)
    s = json.load(open(f"{work}/{d}/summary.json"))
    assert s["command"] == "explain" and s["settings"]["link"] == link, d
    assert len(s["players"]) == M and len(s["instances"]) == n, d
    for i, inst in enumerate(s["instances"]):
        assert len(inst["fx"]) == K
        np.testing.assert_allclose(inst["fx"], fx[i], atol=1e-5)
        assert len(inst["top"]) <= 5 * K
        for t in inst["top"]:
            assert abs(phi[i, t["player"], list(cls[i]).index(t["class"])] - t["value"]) < 1e-6
    return phi, se, base, pred, cls, inputs, groups, s

raw = np.fromfile(f"{work}/fixtures/input.idx", dtype=np.uint8)[-48:].reshape(3, 16)

phi, se, base, pred, cls, inputs, groups, s = check_dir("out", 3, 16, 3)
assert (cls == np.arange(3)).all()
assert (inputs == raw).all(), "inputs.npy is not the explained rows in raw units"
assert (groups == np.arange(16)).all()
assert s["players"][5] == "pixel (1, 1)", s["players"][5]
assert s["model"]["input_shape"] == [4, 4, 1]
assert s["model"]["output_names"] == ["cat", "dog", "bird"]
st = s["settings"]
assert st["seed"] == 7 and st["class"] == "all" and st["groups"] is None and st["rows"] == [0, 3]
assert st["background"] == {"source": "embedded", "rows": 5, "row_range": [0, 5]}, st
# base values are the same for every row of a column
assert np.allclose(base, base[0])

check_dir("out_logit", 3, 16, 3, link="logit")

phi, se, base, pred, cls, inputs, groups, s = check_dir("out_groups", 3, 4, 3)
assert groups.tolist() == [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3], groups
assert s["players"] == ["patch (0:2, 0:2)", "patch (0:2, 2:4)", "patch (2:4, 0:2)",
                        "patch (2:4, 2:4)"], s["players"]
assert s["settings"]["groups"] == "2x2"
# 4 players: every coalition fits the budget, so the result is exact with zero errors
assert all(inst["exact"] for inst in s["instances"]) and (se == 0).all()

phi, se, base, pred, cls, *_ = check_dir("out_pred", 3, 16, 1)
assert (cls[:, 0] == pred.argmax(axis=1)).all(), (cls, pred)
*_, s2 = check_dir("out_k2", 3, 16, 1)
assert (load("out_k2", "classes.npy") == 2).all() and s2["settings"]["class"] == 2
assert (load("out_dog", "classes.npy") == 1).all()

phi, se, base, pred, cls, inputs, groups, s = check_dir("out_rows", 2, 16, 3)
assert (inputs == raw[1:3]).all() and s["settings"]["rows"] == [1, 3]
assert [i["row"] for i in s["instances"]] == [1, 2]
assert s["settings"]["nsamples"] == 200 and s["settings"]["batches"] == 4

phi, se, base, pred, cls, inputs, groups, s = check_dir("out_bg", 3, 16, 3)
assert s["settings"]["background"]["rows"] == 3
assert s["settings"]["background"]["source"].endswith("bg.npy")
# identity link: base values are E f(background), a probability vector for softmax outputs
np.testing.assert_allclose(base.sum(axis=1), 1.0, atol=1e-5)

phi, se, base, pred, cls, inputs, groups, s = check_dir("out_vec", 1, 16, 3)
assert s["players"][:3] == ["x0", "x1", "x2"], s["players"][:3]
print("numeric checks passed")
PYEOF

# --class 2 equals column 2 of the all-class run with the same seed (columns are selected from
# one explanation, not recomputed)
run_ok "$SHAPC" explain "$M" "$IN" --no-plots -o out_all_seed0
# base values are E_w f(background): the embedded background is bg.npy with weights 1,2,1,3,1
run_ok "$SHAPC" predict "$M" "$FIX/bg.npy" -o bg_pred.npy
run_ok "$SHAPC" predict "$M" "$FIX/bg.npy" --rows 1:4 -o bg_pred_1_4.npy
"$PY" - "$WORK" <<'PYEOF' || fail "column selection / base value check failed"
import sys
import numpy as np
w = sys.argv[1]
full = np.load(f"{w}/out_all_seed0/shap_values.npy")
k2 = np.load(f"{w}/out_k2/shap_values.npy")
assert (full[:, :, 2:3] == k2).all(), "--class 2 differs from column 2 of --class all"
pred = np.load(f"{w}/out_all_seed0/predictions.npy")
pc = np.load(f"{w}/out_pred/shap_values.npy")
sel = full[np.arange(3), :, pred.argmax(axis=1)]
assert (pc[:, :, 0] == sel).all(), "--class predicted differs from the argmax column"
wts = np.array([1, 2, 1, 3, 1], dtype=np.float64) / 8
expected = wts @ np.load(f"{w}/bg_pred.npy").astype(np.float64)
base = np.load(f"{w}/out_all_seed0/base_values.npy")
np.testing.assert_allclose(base, np.tile(expected, (3, 1)), atol=1e-6)
expected = np.load(f"{w}/bg_pred_1_4.npy").astype(np.float64).mean(axis=0)
base = np.load(f"{w}/out_bg/base_values.npy")
np.testing.assert_allclose(base, np.tile(expected, (3, 1)), atol=1e-6)
PYEOF
echo "test_explain: ok"
