"""test_kernel - shapc.KernelExplainer: exact against a brute-force Shapley sum, equal to
`shapc explain`, additive, shaped as shap >= 0.45, and one clear exception for bad input."""
import gc
import io
import itertools
import math
import os
import signal
import threading
import time
import unittest
import warnings
import weakref
from contextlib import redirect_stderr

import numpy as np
import pandas as pd

import shapc
import support
from shapc import _progress


def nonlinear(x):
    """(n, 5) -> (n,): interactions of every order, so wrong coalition weights show."""
    x = np.asarray(x, dtype=np.float64)
    return (np.sin(x[:, 0]) * x[:, 1] + x[:, 2] ** 2 - x[:, 0] * x[:, 3] * x[:, 4]
            + np.maximum(x[:, 1] + x[:, 4], 0))


def two_class(x):
    """(n, 5) -> (n, 2) probabilities, for the logit link."""
    p = 1 / (1 + np.exp(-(nonlinear(x) * 0.3)))
    return np.stack([1 - p, p], axis=1)


def logit(p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


class Data:
    rng = np.random.default_rng(7)
    bg = rng.normal(size=(12, 5))
    w = rng.uniform(0.5, 2.0, size=12)
    X = rng.normal(size=(4, 5))


class TestExact(unittest.TestCase):
    """Every estimator with a budget covering all coalitions gives the Shapley values."""

    def check(self, f, link=None, **opt):
        e = shapc.KernelExplainer(f, (Data.bg, Data.w), link="logit" if link else "identity",
                                  **opt)
        vals = e.shap_values(Data.X)
        for i, x in enumerate(Data.X):
            ref = support.brute_force_shapley(f, x, Data.bg, Data.w, link)
            got = vals[i] if vals.ndim == 3 else vals[i][:, None]
            np.testing.assert_allclose(got, ref, atol=2e-6, rtol=0)
        self.assertTrue(all(i["exact"] for i in e.info))
        np.testing.assert_array_equal(e.stderr, 0)
        return e, vals

    def test_auto_is_exact_with_the_default_budget(self):
        e, vals = self.check(nonlinear)
        self.assertEqual(vals.shape, (4, 5))
        self.assertEqual({i["sampler"] for i in e.info}, {"exact"})
        self.assertEqual(e.info[0]["n_players"], 5)

    def test_every_sampler_with_a_full_budget(self):
        for s in ("exact", "kernel", "leverage"):
            with self.subTest(sampler=s):
                self.check(nonlinear, sampler=s, nsamples=2 ** 5)

    def test_multi_output_with_the_logit_link(self):
        e, vals = self.check(two_class, link=logit)
        self.assertEqual(vals.shape, (4, 5, 2))
        fx = logit(two_class(Data.X))
        np.testing.assert_allclose(vals.sum(axis=1) + e.expected_value, fx, atol=2e-6)

    def test_the_reference_tells_a_wrong_answer(self):
        # the brute force is sensitive: a swap of two features' values is caught
        e = shapc.KernelExplainer(nonlinear, (Data.bg, Data.w))
        v = e.shap_values(Data.X[0])
        ref = support.brute_force_shapley(nonlinear, Data.X[0], Data.bg, Data.w)[:, 0]
        self.assertGreater(np.abs(v[[1, 0, 2, 3, 4]] - ref).max(), 1e-3)

    def test_groups_are_players(self):
        groups = {"a": [0, 3], "b": [1], "c": [2, 4]}
        e = shapc.KernelExplainer(nonlinear, Data.bg)
        v = e.shap_values(Data.X, groups=groups)
        self.assertEqual(v.shape, (4, 3))
        # the Shapley sum over the three groups: v(S) takes S's features from x
        members = list(groups.values())
        for i, x in enumerate(Data.X.astype(np.float32)):
            vS = {}
            for r in range(4):
                for S in itertools.combinations(range(3), r):
                    rows = Data.bg.astype(np.float32)
                    for gi in S:
                        rows[:, members[gi]] = x[members[gi]]
                    vS[S] = np.mean(np.float32(nonlinear(rows)).astype(np.float64))
            for gi in range(3):
                ref = 0.0
                others = [j for j in range(3) if j != gi]
                for r in range(3):
                    wt = math.factorial(r) * math.factorial(2 - r) / math.factorial(3)
                    for S in itertools.combinations(others, r):
                        ref += wt * (vS[tuple(sorted(S + (gi,)))] - vS[S])
                self.assertAlmostEqual(v[i, gi], ref, delta=2e-6)
        ex = e(pd.DataFrame(Data.X, columns=list("pqrst")), groups=groups)
        self.assertEqual(ex.feature_names, ["a", "b", "c"])
        same = e.shap_values(Data.X, groups=[0, 1, 2, 0, 2])
        np.testing.assert_allclose(same, v, atol=1e-12)


class TestCli(unittest.TestCase):
    """The same model, background, seed and options as `shapc explain`: the same values."""

    @classmethod
    def setUpClass(cls):
        fx = support.fixtures()
        cls.model_path = os.path.join(fx, "model.bin")
        cls.input = os.path.join(fx, "input.npy")
        cls.out = support.scratch("cli")
        # the CLI's --tol defaults to 0.005, the library's to 0: given explicitly here
        support.cli("explain", cls.model_path, cls.input, "--seed", 3, "--tol", 0.005,
                    "--no-plots", "-q", "-o", cls.out)

    def test_native_model_equals_the_cli(self):
        m = shapc.load_model(self.model_path)
        self.assertEqual(m.input_shape, (4, 4, 1))
        self.assertEqual(m.output_names, ["cat", "dog", "bird"])
        e = shapc.KernelExplainer(m, None, seed=3, tol=0.005)
        x = np.load(self.input)
        v = e.shap_values(x)
        self.assertEqual(v.shape, (3, 16, 3))
        ref = np.load(os.path.join(self.out, "shap_values.npy"))
        np.testing.assert_array_equal(v.astype(np.float32), ref)
        np.testing.assert_array_equal(e.stderr.astype(np.float32),
                                      np.load(os.path.join(self.out, "stderr.npy")))
        np.testing.assert_array_equal(np.float32(e.expected_value),
                                      np.load(os.path.join(self.out, "base_values.npy"))[0])
        self.assertTrue((e.stderr > 0).any())  # sampled, not exact: the seed matters
        other = shapc.KernelExplainer(m, None, seed=4, tol=0.005).shap_values(x)
        self.assertGreater(np.abs(other - v).max(), 1e-6)

    def test_python_f_gives_the_native_values(self):
        m = shapc.load_model(self.model_path)
        e = shapc.KernelExplainer(lambda z: m(z), (m.background, m.background_weights),
                                  seed=3, tol=0.005)
        ref = np.load(os.path.join(self.out, "shap_values.npy"))
        # the native path computes the first layer incrementally: equal to float32 rounding
        np.testing.assert_allclose(e.shap_values(np.load(self.input)), ref, atol=1e-5)

    def test_native_model_is_callable_and_shares_threads(self):
        m = shapc.load_model(self.model_path)
        x = np.load(self.input)
        preds = np.load(os.path.join(self.out, "predictions.npy"))
        np.testing.assert_array_equal(m(x), preds)
        np.testing.assert_array_equal(m(x[0]), preds[0])
        one = shapc.KernelExplainer(m, None, seed=3, n_threads=1).shap_values(x)
        two = shapc.KernelExplainer(m, None, seed=3, n_threads=2).shap_values(x)
        np.testing.assert_array_equal(one, two)

    def test_load_model_errors(self):
        with self.assertRaises(shapc.ShapcError) as cm:
            shapc.load_model(os.path.join(self.out, "summary.json"))
        self.assertIn("summary.json", str(cm.exception))
        with self.assertRaises(shapc.ShapcError) as cm:
            shapc.load_model("/nonexistent/model.bin")
        self.assertEqual(cm.exception.status, shapc.EIO)


class TestShapes(unittest.TestCase):
    def test_one_and_k_outputs(self):
        e1 = shapc.KernelExplainer(nonlinear, Data.bg)
        self.assertIsInstance(e1.expected_value, float)
        self.assertEqual(e1.shap_values(Data.X).shape, (4, 5))
        self.assertEqual(e1.shap_values(Data.X[0]).shape, (5,))
        self.assertEqual(e1.stderr.shape, (5,))
        ek = shapc.KernelExplainer(two_class, Data.bg)
        self.assertEqual(ek.expected_value.shape, (2,))
        self.assertEqual(ek.shap_values(Data.X).shape, (4, 5, 2))
        self.assertEqual(ek.stderr.shape, (4, 5, 2))
        self.assertEqual(ek.shap_values(Data.X[1]).shape, (5, 2))
        # (n, 1) outputs are one output kept as a column, as shap does
        e11 = shapc.KernelExplainer(lambda z: nonlinear(z)[:, None], Data.bg)
        self.assertEqual(e11.shap_values(Data.X).shape, (4, 5, 1))

    def test_additivity_when_sampled(self):
        rng = np.random.default_rng(1)
        bg, X = rng.normal(size=(30, 12)), rng.normal(size=(5, 12))

        def f(z):
            return np.tanh(z @ np.arange(1, 13) / 10.0) + z[:, 0] * z[:, 5]
        for s in ("permutation", "kernel", "leverage"):
            with self.subTest(sampler=s):
                e = shapc.KernelExplainer(f, bg, sampler=s, seed=2)
                v = e.shap_values(X, nsamples=300)
                self.assertFalse(any(i["exact"] for i in e.info))
                np.testing.assert_allclose(v.sum(1) + e.expected_value,
                                           f(X.astype(np.float32)), atol=1e-5)
                self.assertTrue((e.stderr > 0).all())
        # the same seed: the same bytes; another seed: other values
        e = shapc.KernelExplainer(f, bg, seed=5)
        a, b = e.shap_values(X, nsamples=300), e.shap_values(X, nsamples=300)
        np.testing.assert_array_equal(a, b)
        self.assertGreater(np.abs(a - e.shap_values(X, nsamples=300, seed=6)).max(), 1e-6)

    def test_dataframe_feature_names_and_explanation(self):
        cols = ["age", "income", "rooms", "area", "year"]
        bg = pd.DataFrame(Data.bg, columns=cols)
        e = shapc.KernelExplainer(two_class, bg)
        self.assertEqual(e.data_feature_names, cols)
        ex = e(pd.DataFrame(Data.X, columns=cols))
        self.assertEqual(ex.feature_names, cols)
        self.assertEqual(ex.values.shape, (4, 5, 2))
        self.assertEqual(ex.base_values.shape, (4, 2))
        self.assertEqual(ex.stderr.shape, (4, 5, 2))
        np.testing.assert_allclose(ex.data, Data.X.astype(np.float32))
        np.testing.assert_allclose(ex.values.sum(1) + ex.base_values, ex.predictions,
                                   atol=1e-6)
        row = ex[1]
        self.assertEqual(row.values.shape, (5, 2))
        self.assertEqual(ex[:, "income"].values.shape, (4, 2))
        self.assertEqual(ex[:, :, 1].base_values.shape, (4,))
        np.testing.assert_array_equal(ex[2, :, 1].values, ex.values[2, :, 1])
        # a DataFrame background with array rows to explain keeps the background's names
        self.assertEqual(e(Data.X).feature_names, cols)
        self.assertEqual(len(ex.info), 4)

    def test_weights_change_the_base_value(self):
        e = shapc.KernelExplainer(nonlinear, (Data.bg, Data.w))
        y = np.float32(nonlinear(Data.bg.astype(np.float32))).astype(np.float64)
        self.assertAlmostEqual(e.expected_value, (Data.w @ y) / Data.w.sum(), delta=1e-6)
        u = shapc.KernelExplainer(nonlinear, Data.bg)
        self.assertAlmostEqual(u.expected_value, y.mean(), delta=1e-6)


class TestErrors(unittest.TestCase):
    """Each bad input gives one exception naming the problem, and the explainer stays usable."""

    def test_raising_f(self):
        calls = []

        def f(z):
            if len(z) > len(Data.bg):  # the background passes, masked rows fail
                calls.append(len(z))
                raise ZeroDivisionError("weights for %d rows are bad" % len(z))
            return nonlinear(z)
        e = shapc.KernelExplainer(f, Data.bg)
        with self.assertRaises(ZeroDivisionError) as cm:
            e.shap_values(Data.X)
        self.assertRegex(str(cm.exception), r"^weights for \d+ rows are bad$")
        self.assertEqual(len(calls), 1)  # the C call stopped at the first failure
        del cm
        with self.assertRaises(ZeroDivisionError):
            e.shap_values(Data.X)  # and the next call fails the same way, no stale state

    def test_f_raising_on_the_background(self):
        def f(z):
            raise KeyError("no such column")
        with self.assertRaises(KeyError):
            shapc.KernelExplainer(f, Data.bg)

    def test_nan_and_wrong_shapes_from_f(self):
        def nan_later(z):
            y = nonlinear(z)
            if len(z) > len(Data.bg):
                y[2] = np.nan
            return y
        e = shapc.KernelExplainer(nan_later, Data.bg)
        with self.assertRaises(shapc.ShapcError) as cm:
            e.shap_values(Data.X)
        self.assertEqual(cm.exception.status, shapc.ENONFINITE)
        self.assertIn("NaN", str(cm.exception))
        with self.assertRaisesRegex(ValueError, "background row 3"):
            shapc.KernelExplainer(lambda z: np.where(np.arange(len(z)) == 3, np.nan, 1.0),
                                  Data.bg)

        def short_later(z):
            return nonlinear(z)[:-1] if len(z) > len(Data.bg) else nonlinear(z)
        with self.assertRaisesRegex(ValueError, r"shape \(\d+,\) for \d+ rows"):
            shapc.KernelExplainer(short_later, Data.bg).shap_values(Data.X)

        def columns_later(z):
            return two_class(z)[:, :1] if len(z) > len(Data.bg) else two_class(z)
        with self.assertRaisesRegex(ValueError, r"expected \(\d+, 2\)"):
            shapc.KernelExplainer(columns_later, Data.bg).shap_values(Data.X)
        with self.assertRaisesRegex(TypeError, "not an array of numbers"):
            shapc.KernelExplainer(lambda z: ["x"] * len(z), Data.bg)
        with self.assertRaisesRegex(ValueError, "expected"):
            shapc.KernelExplainer(lambda z: np.zeros((2, 2, 2)), Data.bg)

    def test_bad_arrays_and_options(self):
        e = shapc.KernelExplainer(nonlinear, Data.bg)
        bad = Data.X.copy()
        bad[2, 3] = np.nan
        with self.assertRaisesRegex(ValueError, "X: row 2, feature 3 is nan"):
            e.shap_values(bad)
        with self.assertRaisesRegex(ValueError, "beyond float32"):
            e.shap_values(np.full((1, 5), 1e300))
        with self.assertRaisesRegex(ValueError, "4 features per row; the explainer has 5"):
            e.shap_values(np.ones((2, 4)))
        with self.assertRaisesRegex(ValueError, "1-D .* or 2-D"):
            e.shap_values(np.ones((2, 5, 1)))
        with self.assertRaisesRegex(TypeError, "not an array of numbers"):
            e.shap_values([[1, 2, "x", 4, 5]])
        with self.assertRaisesRegex(TypeError, "not an array of numbers"):
            e.shap_values([[1, 2, 3], [4, 5]])
        with self.assertRaisesRegex(ValueError, "data: row 0"):
            shapc.KernelExplainer(nonlinear, np.full((3, 5), np.inf))
        with self.assertRaisesRegex(ValueError, "weights"):
            shapc.KernelExplainer(nonlinear, (Data.bg, -Data.w))
        with self.assertRaisesRegex(ValueError, "3 weights for 12"):
            shapc.KernelExplainer(nonlinear, (Data.bg, [1, 2, 3]))
        with self.assertRaisesRegex(ValueError, "sampler"):
            e.shap_values(Data.X, sampler="fast")
        with self.assertRaisesRegex(ValueError, "nsamples"):
            e.shap_values(Data.X, nsamples=-3)
        with self.assertRaisesRegex(ValueError, "tol"):
            e.shap_values(Data.X, tol=float("nan"))
        with self.assertRaisesRegex(ValueError, "link"):
            shapc.KernelExplainer(nonlinear, Data.bg, link="probit")
        with self.assertRaisesRegex(ValueError, "one thread"):
            e.shap_values(Data.X, n_threads=4)
        with self.assertRaisesRegex(TypeError, "unknown option 'nsample'"):
            e.shap_values(Data.X, nsample=10)
        with self.assertRaisesRegex(ValueError, "feature 1 is in two groups"):
            e.shap_values(Data.X, groups=[[0, 1], [1, 2, 3, 4]])
        with self.assertRaisesRegex(ValueError, "feature 4 is in no group"):
            e.shap_values(Data.X, groups=[[0, 1], [2, 3]])
        with self.assertRaisesRegex(ValueError, "data: pass a background"):
            shapc.KernelExplainer(nonlinear, None)
        with self.assertRaisesRegex(TypeError, "callable"):
            shapc.KernelExplainer(42, Data.bg)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            e.shap_values(Data.X, l1_reg="aic")
        self.assertIn("l1_reg", str(w[0].message))
        self.assertEqual(e.shap_values(Data.X).shape, (4, 5))  # still usable

    def test_nothing_is_kept_after_a_failure(self):
        class F:
            def __call__(self, z):
                if len(z) > len(Data.bg):
                    raise RuntimeError("model crashed")
                return nonlinear(z)
        f = F()
        ref = weakref.ref(f)
        e = shapc.KernelExplainer(f, Data.bg)
        del f
        try:
            e.shap_values(Data.X)
        except RuntimeError:
            pass
        self.assertIsNotNone(ref())  # the explainer holds f ...
        del e
        gc.collect()
        self.assertIsNone(ref())  # ... and releases it, with its C model, when it goes


class TestCallbacks(unittest.TestCase):
    def test_batches_are_large_and_bounded(self):
        rng = np.random.default_rng(3)
        bg, X = rng.normal(size=(100, 20)), rng.normal(size=(2, 20))
        sizes = []

        def f(z):
            sizes.append(len(z))
            return z.sum(1)
        e = shapc.KernelExplainer(f, bg)
        e.shap_values(X)
        self.assertGreaterEqual(max(sizes[1:]), 1000)
        self.assertGreater(np.mean(sizes[1:]), 500)
        sizes.clear()
        e.shap_values(X, batch_size=64)
        self.assertLessEqual(max(sizes), 64)
        sizes.clear()
        e.shap_values(X, max_memory=20000)  # a chunk of masked rows within 20 kB
        self.assertLessEqual(max(sizes), 20000 // (20 * 4))

    def test_f_gets_float32_rows_on_the_calling_thread(self):
        seen = set()

        def f(z):
            seen.add((z.dtype, z.ndim, threading.get_ident()))
            return nonlinear(z)
        shapc.KernelExplainer(f, Data.bg).shap_values(Data.X)
        self.assertEqual(seen, {(np.dtype(np.float32), 2, threading.get_ident())})

    def test_ctrl_c_in_a_python_f(self):
        calls = [0]

        def f(z):
            calls[0] += 1
            if calls[0] == 4:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.01)  # the handler runs here, in f
            return nonlinear(z)
        e = shapc.KernelExplainer(f, Data.bg, sampler="kernel", nsamples=12)
        with self.assertRaises(KeyboardInterrupt):
            e.shap_values(np.repeat(Data.X, 50, axis=0))
        self.assertEqual(calls[0], 4)  # canceled: f not called again
        self.assertEqual(e.shap_values(Data.X).shape, (4, 5))

    def test_ctrl_c_in_a_native_explanation(self):
        m = shapc.load_model(os.path.join(support.fixtures(), "model.bin"))
        x = np.load(os.path.join(support.fixtures(), "input.npy"))
        e = shapc.KernelExplainer(m, None, sampler="permutation", n_threads=2)
        t0 = time.monotonic()
        e.shap_values(x[:1], max_evals=10 ** 6)
        one = time.monotonic() - t0  # a hundredth of a row of the long run below
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        t0 = time.monotonic()
        with self.assertRaises(KeyboardInterrupt):
            e.shap_values(x, max_evals=10 ** 8)  # about 300 x `one`
        self.assertLess(time.monotonic() - t0, 0.3 + 30 * one + 5)
        timer.join()
        self.assertEqual(e.shap_values(x, max_evals=10 ** 4).shape, (3, 16, 3))

    def test_progress_line_and_silent(self):
        old = _progress.DELAY
        _progress.DELAY = 0.0
        try:
            e = shapc.KernelExplainer(nonlinear, Data.bg)
            buf = io.StringIO()
            with redirect_stderr(buf):
                e.shap_values(Data.X)
            self.assertRegex(buf.getvalue(), r"4/4")  # tqdm or the plain line
            buf = io.StringIO()
            with redirect_stderr(buf):
                e.shap_values(Data.X, silent=True)
            self.assertEqual(buf.getvalue(), "")
        finally:
            _progress.DELAY = old


if __name__ == "__main__":
    unittest.main()
