#!/usr/bin/env python3
"""python_vs_shap - the seed recipe in Python shap and in shapc: time and error of each.

The recipe (docs/python.md): the Fashion-MNIST MLP (784 -> dense 128 relu -> dense 10
softmax, trained by samples/fashion_mnist for 5 epochs), explained on the first 10 test images
against the first 100 training images, every class, with each package's defaults:

    shap.KernelExplainer(model.predict, x_train[:100]).shap_values(x_test[:10])
    shapc.KernelExplainer(model.predict, x_train[:100]).shap_values(x_test[:10])
    shapc.KernelExplainer(shapc.load_model("fm.bin"), x_train[:100]).shap_values(x_test[:10])

model.predict is the same numpy network for shap and for shapc's callback path
(samples/python/modelbin.py). Error: relative Frobenius error ||phi - ref|| / ||ref|| over
rows, pixels and classes, against a reference that is neither estimator's default run: the
mean of two long native runs (antithetic permutations, --ref-factor times the default budget,
seeds 101 and 202); half their difference estimates the reference's own error.

Python shap is not a dependency of shapc and is not installed here: pass a source tree of
shap (e.g. `git archive v0.48.0 shap` of github.com/shap/shap, with its slicer dependency on
--pythonpath) and the script replaces shap's one Cython helper (_kernel_lib._exp_val) by a
numpy line. Its other imports come from Debian: apt install python3-numpy python3-scipy
python3-sklearn python3-pandas python3-tqdm python3-packaging python3-numba
python3-cloudpickle python3-typing-extensions.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_vs_shap.py \\
        --model build/fashion-mnist-mlp.bin --shap /tmp/shap048 --pythonpath /tmp/slicer

Speed is machine-dependent: the numbers in docs/python.md say which machine ran them.
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import time
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def read_idx(path, n):
    """The first n items of an IDX file (gzip or not) as float32."""
    op = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with op(path, "rb") as fh:
        zero, dtype, rank = struct.unpack(">HBB", fh.read(4))
        if zero != 0 or dtype != 0x08:
            raise ValueError("%s: not a uint8 IDX file" % path)
        dims = struct.unpack(">%dI" % rank, fh.read(4 * rank))
        per = int(np.prod(dims[1:]))
        data = np.frombuffer(fh.read(n * per), dtype=np.uint8)
    return data.reshape((n,) + dims[1:]).astype(np.float32)


def import_shap(src, extra):
    """shap from a source tree, with _kernel_lib._exp_val as numpy."""
    def _exp_val(nsamples_run, nsamples_added, D, N, weights, y, ey):
        rows = np.asarray(y)[nsamples_run * N:nsamples_added * N].reshape(-1, N, D)
        ey[nsamples_run:nsamples_added] = np.einsum("snd,n->sd", rows, weights)
        return ey, nsamples_added
    mod = types.ModuleType("_kernel_lib")
    mod._exp_val = _exp_val
    sys.modules["_kernel_lib"] = mod
    sys.path[:0] = [src] + list(extra)
    import shap
    return shap


def rel_err(phi, ref):
    return float(np.linalg.norm(phi - ref) / np.linalg.norm(ref))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="the Fashion-MNIST model.bin (trained if "
                    "missing, with --trainer)")
    ap.add_argument("--trainer", default="build/samples/fashion_mnist/"
                    "shapc-train-fashion-mnist")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--rows", type=int, default=10)
    ap.add_argument("--shap", help="a directory holding the shap package (omit: shapc only)")
    ap.add_argument("--shap-label", default=None,
                    help="how to name shap in the table (a source tree reports no version)")
    ap.add_argument("--pythonpath", action="append", default=[],
                    help="more directories for shap's imports (slicer)")
    ap.add_argument("--ref-factor", type=int, default=50,
                    help="reference budget in multiples of the default")
    ap.add_argument("--json", help="write the measurements here")
    ap.add_argument("--ref-cache", help="an .npz keeping the two reference runs (reused when "
                    "it exists, written when not)")
    a = ap.parse_args()

    import shapc
    sys.path.insert(0, os.path.join(HERE, "..", "samples", "python"))
    import modelbin

    if not os.path.exists(a.model):
        subprocess.run([a.trainer, "--data", a.data, "--epochs", "5", "-o", a.model],
                       check=True)
    net = modelbin.load(a.model)
    x_train = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"), 100)
    x_test = read_idx(os.path.join(a.data, "t10k-images-idx3-ubyte.gz"), a.rows)
    bg, X = x_train.reshape(100, -1), x_test.reshape(a.rows, -1)

    def predict(x):  # model.predict: the same numpy network for shap and shapc
        return net.predict(x)

    native = shapc.load_model(a.model)
    np.testing.assert_allclose(native(X), predict(X), atol=1e-5)
    cores = len(os.sched_getaffinity(0))
    results = {"rows": a.rows, "features": X.shape[1], "classes": native.n_outputs,
               "background": len(bg), "cores": cores, "runs": {}}

    def run(name, fn):
        t0 = time.perf_counter()
        phi = np.asarray(fn(), dtype=np.float64)
        dt = time.perf_counter() - t0
        results["runs"][name] = {"seconds": dt}
        print("%-34s %8.2f s" % (name, dt), flush=True)
        return phi

    # the reference: two long native runs of the permutation estimator, different seeds
    ns = a.ref_factor * (2 * X.shape[1] + 2048)
    if a.ref_cache and os.path.exists(a.ref_cache):
        cached = np.load(a.ref_cache)
        refs = [cached["ref101"], cached["ref202"]]
        assert refs[0].shape == (a.rows, X.shape[1], native.n_outputs), a.ref_cache
    else:
        refs = [run("reference (seed %d)" % s, lambda s=s: shapc.KernelExplainer(
            native, bg, seed=s, sampler="permutation", nsamples=ns).shap_values(
                X, silent=True)) for s in (101, 202)]
        if a.ref_cache:
            np.savez(a.ref_cache, ref101=refs[0], ref202=refs[1])
    ref = (refs[0] + refs[1]) / 2
    results["reference_error"] = rel_err(refs[0], refs[1]) / 2

    phis = {}
    phis["shapc, native model"] = run("shapc, native model", lambda: shapc.KernelExplainer(
        native, bg).shap_values(X, silent=True))
    phis["shapc, Python f"] = run("shapc, Python f", lambda: shapc.KernelExplainer(
        predict, bg).shap_values(X, silent=True))
    # shap's estimator in shapc, same budget: the estimator, not the package, sets the error
    phis["shapc, native, sampler='kernel'"] = run(
        "shapc, native, sampler='kernel'", lambda: shapc.KernelExplainer(
            native, bg, sampler="kernel").shap_values(X, silent=True))
    if a.shap:
        shap = import_shap(a.shap, a.pythonpath)
        label = a.shap_label or "shap " + getattr(shap, "__version__", "?")
        results["shap"] = label
        phis[label] = run(label, lambda: shap.KernelExplainer(
            predict, bg).shap_values(X, silent=True))
        phis["shap, l1_reg=False"] = run("shap, l1_reg=False", lambda: shap.KernelExplainer(
            predict, bg).shap_values(X, silent=True, l1_reg=False))
    for name, phi in phis.items():
        assert phi.shape == ref.shape, (name, phi.shape, ref.shape)
        results["runs"][name]["error"] = rel_err(phi, ref)
        results["runs"][name]["max_abs_error"] = float(np.abs(phi - ref).max())

    print("\n| run | time (s) | relative error |\n|---|---:|---:|")
    for name, r in results["runs"].items():
        if "error" in r:
            print("| %s | %.2f | %.4f |" % (name, r["seconds"], r["error"]))
    print("\nreference: %d x the default budget, own error about %.4f"
          % (a.ref_factor, results["reference_error"]))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
