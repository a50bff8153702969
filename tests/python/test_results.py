"""test_results - shapc.Results and the CLI's results directory (docs/cli.md, "Output files"):
a Python-saved directory is read back unchanged and drawn and reported by the shapc binary; a
CLI directory loads into the same arrays the CLI wrote."""
import json
import os
import unittest

import numpy as np
import pandas as pd

import shapc
import support


class TestResults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fx = support.fixtures()
        cls.model = os.path.join(fx, "model.bin")
        cls.input = os.path.join(fx, "input.npy")
        cls.cli_dir = support.scratch("cli-out")
        support.cli("explain", cls.model, cls.input, "--seed", 1, "--tol", 0, "--no-plots",
                    "-q", "-o", cls.cli_dir)

    def test_round_trip(self):
        rng = np.random.default_rng(0)
        cols = ["a", "b", "c", "d"]
        bg = pd.DataFrame(rng.normal(size=(10, 4)), columns=cols)

        def f(x):
            return np.stack([np.tanh(x.sum(1)), x[:, 0] * x[:, 1]], axis=1)
        exp = shapc.KernelExplainer(f, bg, output_names=["t", "p"])(
            pd.DataFrame(rng.normal(size=(3, 4)), columns=cols))
        d = support.scratch("py-out")
        exp.save(d)
        self.assertEqual(sorted(f for f in os.listdir(d)),
                         sorted(["shap_values.npy", "stderr.npy", "base_values.npy",
                                 "predictions.npy", "classes.npy", "inputs.npy", "groups.npy",
                                 "summary.json"]))  # no temporaries left
        r = shapc.Results.load(d)
        np.testing.assert_allclose(r.values, exp.values, rtol=1e-6, atol=1e-7)
        self.assertEqual(np.load(os.path.join(d, "shap_values.npy")).dtype, np.float32)
        np.testing.assert_allclose(r.base_values, exp.base_values, rtol=1e-6)
        np.testing.assert_allclose(r.predictions, f(exp.data), rtol=1e-6)
        np.testing.assert_array_equal(r.classes, [[0, 1]] * 3)
        np.testing.assert_array_equal(r.groups, np.arange(4))
        self.assertEqual(r.players, cols)
        self.assertEqual(r.output_names, ["t", "p"])
        self.assertEqual(len(r.summary["instances"]), 3)
        # saving what was loaded writes the same arrays
        d2 = support.scratch("py-out2")
        r.save(d2)
        for name in ("shap_values.npy", "stderr.npy", "base_values.npy", "classes.npy"):
            np.testing.assert_array_equal(np.load(os.path.join(d, name)),
                                          np.load(os.path.join(d2, name)))
        back = r.explanation()
        self.assertEqual(back.values.shape, (3, 4, 2))
        self.assertEqual(back.feature_names, cols)
        self.assertEqual(r.explanation(1).values.shape, (3, 4))

    def test_cli_reads_python_results(self):
        m = shapc.load_model(self.model)
        exp = shapc.KernelExplainer(m, None, seed=1)(np.load(self.input))
        d = support.scratch("py-native")
        exp.save(d)
        with open(os.path.join(d, "summary.json")) as fh:
            s = json.load(fh)
        self.assertEqual(s["model"]["output_names"], ["cat", "dog", "bird"])
        self.assertEqual(s["instances"][0]["n_evals"], exp.info[0]["n_evals"])
        self.assertEqual(s["model"]["input_shape"], [4, 4, 1])
        self.assertEqual(s["settings"]["seed"], 1)
        for kind in ("beeswarm", "bar", "waterfall", "image"):
            out = os.path.join(d, kind + ".png")
            support.cli("plot", kind, d, "-o", out)
            px = support.png_pixels(open(out, "rb").read())
            self.assertGreater(int((px[..., :3].min(axis=-1) < 230).sum()), 500, kind)
        report = os.path.join(d, "report.html")
        support.cli("report", d, "-o", report)
        html = open(report, encoding="utf-8").read()
        self.assertIn("data:image/png;base64,", html)
        self.assertIn("cat", html)
        self.assertIn("Row 2", html)
        # and a broken directory is one error line from the CLI
        os.remove(os.path.join(d, "classes.npy"))
        p = support.cli("report", d, "-o", report + "2", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("classes.npy", p.stderr)

    def test_load_cli_results(self):
        r = shapc.Results.load(self.cli_dir)
        ref = np.load(os.path.join(self.cli_dir, "shap_values.npy"))
        np.testing.assert_array_equal(r.values, ref.astype(np.float64))
        self.assertEqual(r.values.shape, (3, 16, 3))
        self.assertEqual(r.players[0], "pixel (0, 0)")
        self.assertEqual(r.output_names, ["cat", "dog", "bird"])
        # additivity as docs/cli.md states it
        k = r.classes
        fx = r.predictions[np.arange(3)[:, None], k]
        np.testing.assert_allclose(r.values.sum(1) + r.base_values, fx, atol=1e-5)
        # the same seed and options from Python: the same values
        e = shapc.KernelExplainer(shapc.load_model(self.model), None, seed=1)
        np.testing.assert_array_equal(e.shap_values(r.inputs).astype(np.float32), ref)
        png = shapc.plots.beeswarm(r.explanation(0), dpi=30)
        self.assertTrue(png.startswith(b"\x89PNG"))

    def test_bad_directories(self):
        with self.assertRaises(FileNotFoundError):
            shapc.Results.load("/nonexistent/results")
        d = support.scratch("broken")
        for name in os.listdir(self.cli_dir):
            with open(os.path.join(self.cli_dir, name), "rb") as a, \
                    open(os.path.join(d, name), "wb") as b:
                b.write(a.read())
        np.save(os.path.join(d, "base_values.npy"), np.zeros((2, 3), np.float32))
        with self.assertRaisesRegex(ValueError, r"base_values has shape \(2, 3\)"):
            shapc.Results.load(d)
        with open(os.path.join(d, "base_values.npy"), "wb") as fh:
            fh.write(b"\x93NUMPY garbage")
        with self.assertRaisesRegex(ValueError, "base_values.npy"):
            shapc.Results.load(d)
        os.remove(os.path.join(d, "shap_values.npy"))
        with self.assertRaisesRegex(FileNotFoundError, "shap_values.npy"):
            shapc.Results.load(d)
        with self.assertRaisesRegex(ValueError, "classes"):
            shapc.Results(np.zeros((1, 2, 1)), np.zeros((1, 1)), np.zeros((1, 1)), [[3]])


if __name__ == "__main__":
    unittest.main()
