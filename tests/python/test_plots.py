"""test_plots - shapc.plots through the C renderer: PNG, SVG and PDF files that hold a drawing
(pixels decoded with zlib, SVG elements, PDF content streams), colours that follow the
sign of the values, and shap's summary_plot defaults (a list of arrays: the stacked bar)."""
import ctypes
import os
import re
import unittest
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pandas as pd

import shapc
import support
from shapc import _lib

RED = np.array([0xff, 0x00, 0x51])   # positive SHAP values (plot.h)
BLUE = np.array([0x00, 0x8b, 0xfb])  # negative


def near(px, colour, tol=40):
    """How many pixels are within tol of colour."""
    return int((np.abs(px[..., :3].astype(int) - colour).max(axis=-1) <= tol).sum())


def inked(px):
    """Pixels that are not the white background."""
    return int((px[..., :3].min(axis=-1) < 230).sum())


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rng = np.random.default_rng(5)
        cls.names = ["age", "income", "rooms", "area", "year", "floor"]
        cls.bg = pd.DataFrame(rng.normal(size=(20, 6)), columns=cls.names)
        cls.X = pd.DataFrame(rng.normal(size=(8, 6)), columns=cls.names)

        def f(x):
            z = x @ np.array([1.0, -2.0, 0.5, 0.0, 1.5, -1.0]) + x[:, 0] * x[:, 1]
            p = 1 / (1 + np.exp(-z))
            return np.stack([p, 1 - p], axis=1)
        cls.f = staticmethod(f)
        cls.exp = shapc.KernelExplainer(f, cls.bg, seed=1)(cls.X)
        cls.dir = support.scratch("plots")


class TestFormats(Base):
    def test_png_bytes_and_files(self):
        png = shapc.plots.beeswarm(self.exp[:, :, 1], dpi=40)
        px = support.png_pixels(png)
        self.assertEqual(px.shape[1], int(np.ceil(576 * 40 / 72)))  # 8 inches at 40 dpi
        self.assertGreater(inked(px), 500)
        self.assertGreater(near(px, RED) + near(px, BLUE), 20)  # coloured dots
        path = os.path.join(self.dir, "bee.png")
        self.assertIsNone(shapc.plots.beeswarm(self.exp[:, :, 1], dpi=40, path=path))
        with open(path, "rb") as fh:
            self.assertEqual(fh.read(), png)  # the same input, the same bytes
        self.assertEqual(png._repr_png_(), bytes(png))

    def test_svg(self):
        path = os.path.join(self.dir, "bar.svg")
        shapc.plots.bar(self.exp[:, :, 0], path=path, title="importance")
        root = ET.parse(path).getroot()
        self.assertTrue(root.tag.endswith("svg"))
        drawn = [el for el in root.iter() if el.tag.split("}")[1] in ("path", "rect", "use")]
        self.assertGreater(len(drawn), 10)
        self.assertRegex(open(path).read(), r"rgb\(100%, ?0%, ?31\.7\d*%\)")  # #ff0051 bars

    def test_pdf(self):
        path = os.path.join(self.dir, "waterfall.pdf")
        shapc.plots.waterfall(self.exp[0, :, 1], path=path)
        data = open(path, "rb").read()
        self.assertTrue(data.startswith(b"%PDF-"))
        self.assertIn(b"/Type /Page", data)
        ops = 0
        for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
            try:
                content = zlib.decompress(m.group(1))
            except zlib.error:
                continue
            ops += len(re.findall(rb"\b(re|f|l|c|Tj|TJ)\b", content))
        self.assertGreater(ops, 20)

    def test_bad_paths_and_values(self):
        with self.assertRaisesRegex(ValueError, r"\.png, \.svg or \.pdf"):
            shapc.plots.bar(self.exp[:, :, 0], path=os.path.join(self.dir, "x.jpg"))
        with self.assertRaises(shapc.ShapcError) as cm:
            shapc.plots.bar(self.exp[:, :, 0], path="/nonexistent/dir/x.png")
        self.assertIn("/nonexistent/dir", str(cm.exception))
        bad = self.exp.values[:, :, 0].copy()
        bad[1, 1] = np.nan
        with self.assertRaisesRegex(ValueError, "NaN"):
            shapc.plots.beeswarm(bad)
        with self.assertRaisesRegex(ValueError, "feature_names: 2 names for 6"):
            shapc.plots.beeswarm(self.exp.values[:, :, 0], feature_names=["a", "b"])
        with self.assertRaisesRegex(ValueError, "output='maybe'"):
            shapc.plots.beeswarm(self.exp, output="maybe")
        with self.assertRaisesRegex(ValueError, "max_display"):
            shapc.plots.bar(self.exp[:, :, 0], max_display=0)


class TestColours(Base):
    def test_waterfall_follows_the_sign(self):
        phi = np.array([0.4, 0.3, 0.2, 0.1])
        up = support.png_pixels(shapc.plots.waterfall(phi, base_value=0.0, dpi=40))
        down = support.png_pixels(shapc.plots.waterfall(-phi, base_value=0.0, dpi=40))
        self.assertGreater(near(up, RED), 50)
        self.assertEqual(near(up, BLUE, 25), 0)
        self.assertGreater(near(down, BLUE), 50)
        self.assertEqual(near(down, RED, 25), 0)
        # log-odds units: the same arrows, the axis and the ends also as probabilities
        logit = shapc.plots.waterfall(phi, base_value=0.0, dpi=40, link="logit")
        self.assertNotEqual(logit, shapc.plots.waterfall(phi, base_value=0.0, dpi=40))
        with self.assertRaisesRegex(ValueError, "link"):
            shapc.plots.waterfall(phi, base_value=0.0, link="probit")

    def test_bar_lengths_follow_the_importance(self):
        px = support.png_pixels(shapc.plots.bar(np.array([[1.0, 0.5]]), ["a", "b"], dpi=40))
        red = (np.abs(px[..., :3].astype(int) - RED).max(axis=-1) <= 40)

        def longest_run(row):
            best = cur = 0
            for v in row:
                cur = cur + 1 if v else 0
                best = max(best, cur)
            return best
        runs = [longest_run(r) for r in red if r.any()]
        w1 = max(runs)
        w2 = max(r for r in runs if r < 0.8 * w1)
        self.assertAlmostEqual(w2 / w1, 0.5, delta=0.05)
        # one row's signed values: negative bars blue
        px = support.png_pixels(shapc.plots.bar(self.exp[0, :, 1], dpi=40))
        self.assertGreater(near(px, BLUE), 20)
        self.assertGreater(near(px, RED), 20)

    def test_image_plot(self):
        rng = np.random.default_rng(2)
        imgs = rng.uniform(0, 255, size=(2, 6, 6))
        phi = np.zeros((2, 36, 2))
        phi[:, :18, 0], phi[:, 18:, 1] = 1.0, -1.0
        px = support.png_pixels(shapc.plots.image(phi, imgs, labels=["up", "down"], dpi=40))
        self.assertGreater(near(px, RED, 60), 50)
        self.assertGreater(near(px, BLUE, 60), 50)
        one = support.png_pixels(shapc.plots.image(phi[:1], imgs[:1], dpi=40))
        self.assertGreater(px.shape[0], one.shape[0])  # a row per instance
        # patches (groups) are spread over their pixels, with their outlines drawn
        groups = (np.arange(36) // 18)
        gphi = np.zeros((2, 2, 2))
        gphi[:, 0, 0], gphi[:, 1, 1] = 1.0, -1.0
        ex = shapc.Explanation(gphi, np.zeros((2, 2)), imgs.reshape(2, 36), groups=groups)
        grouped = shapc.plots.image(ex, imgs, dpi=40)
        self.assertEqual(grouped, shapc.plots.image(gphi, imgs, groups=groups, dpi=40))
        self.assertNotEqual(grouped, shapc.plots.image(phi, imgs, dpi=40))  # the outlines
        gp = support.png_pixels(grouped)
        self.assertGreater(near(gp, RED, 60), 50)
        self.assertGreater(near(gp, BLUE, 60), 50)
        with self.assertRaisesRegex(ValueError, "do not match images"):
            shapc.plots.image(np.zeros((2, 7)), imgs)

    def test_text_plot(self):
        tokens = ["The", " film", " was", " great"]
        px = support.png_pixels(shapc.plots.text(np.array([0.0, 0.1, -0.05, 0.9]), tokens,
                                                 base_value=0.2, dpi=40))
        self.assertGreater(near(px, RED, 80), 10)
        with self.assertRaisesRegex(ValueError, "4 tokens need 4"):
            shapc.plots.text(np.zeros(3), tokens)
        svg = os.path.join(self.dir, "text.svg")
        shapc.plots.text(np.array([0.0, 0.1, -0.05, 0.9]), tokens, 0.2, path=svg)
        self.assertGreater(os.path.getsize(svg), 1000)


class TestSummaryPlot(Base):
    def spy_stacked(self):
        """Replaces the C stacked bar by a recorder (restored by the test's cleanup)."""
        L = _lib.lib()
        calls = []
        missing = set(L.missing)
        real = getattr(L, "plot_bar_stacked", None)

        def spy(path, opt, imp, m, k, names, classes, err):
            calls.append({"imp": np.ctypeslib.as_array(imp, shape=(m, k)).copy(),
                          "names": [names[i].decode() for i in range(m)] if names else None,
                          "classes": [classes[i].decode() for i in range(k)],
                          "max_display": ctypes.cast(opt, ctypes.POINTER(
                              _lib.PlotOptions)).contents.max_display})
            with open(path, "wb") as fh:
                fh.write(b"\x89PNG stacked")
            return 0

        def restore():
            L.missing = missing
            if real is None:
                del L.plot_bar_stacked
            else:
                L.plot_bar_stacked = real
        L.plot_bar_stacked = spy
        L.missing = missing - {"plot_bar_stacked"}
        self.addCleanup(restore)
        return calls

    def test_defaults_of_a_single_output(self):
        one = self.exp[:, :, 1]
        self.assertEqual(shapc.summary_plot(one, self.X, dpi=40),
                         shapc.plots.beeswarm(one, self.X, max_display=20, dpi=40))
        self.assertEqual(shapc.summary_plot(one.values, self.X, plot_type="bar", dpi=40),
                         shapc.plots.bar(one.values, list(self.X.columns), max_display=20,
                                         dpi=40))
        with self.assertRaisesRegex(ValueError, "violin"):
            shapc.summary_plot(one.values, plot_type="violin")

    def test_a_list_of_arrays_draws_the_stacked_bar(self):
        calls = self.spy_stacked()
        vals = [self.exp.values[:, :, 0], self.exp.values[:, :, 1]]
        out = shapc.summary_plot(vals, self.X, class_names=["yes", "no"])
        self.assertEqual(out, b"\x89PNG stacked")
        (c,) = calls
        np.testing.assert_allclose(c["imp"], np.abs(self.exp.values).mean(axis=0))
        self.assertEqual(c["names"], self.names)
        self.assertEqual(c["classes"], ["yes", "no"])
        self.assertEqual(c["max_display"], 20)
        # a 3-D array and an Explanation take the same path; default class names
        shapc.summary_plot(self.exp.values)
        self.assertEqual(calls[1]["classes"], ["Class 0", "Class 1"])
        np.testing.assert_allclose(calls[1]["imp"], c["imp"])
        with self.assertRaisesRegex(ValueError, "plot_type='bar'"):
            shapc.summary_plot(vals, plot_type="dot")

    def test_stacked_bar_is_drawn(self):
        vals = [self.exp.values[:, :, 0], 2 * self.exp.values[:, :, 1]]
        png = shapc.summary_plot(vals, self.X, dpi=40)
        px = support.png_pixels(png)
        self.assertGreater(inked(px), 500)
        flat = px[..., :3].reshape(-1, 3).astype(int)
        sat = flat[flat.max(axis=1) - flat.min(axis=1) > 80]  # bars and legend, not text
        _, counts = np.unique(sat, axis=0, return_counts=True)
        self.assertGreaterEqual(int((counts >= 50).sum()), 2)  # one colour per output
        self.assertNotEqual(png, shapc.plots.bar(self.exp[:, :, 0], dpi=40))

    def test_missing_stacked_bar_is_one_clear_error(self):
        L = _lib.lib()
        if L.has("plot_bar_stacked"):
            missing = set(L.missing)
            L.missing = missing | {"plot_bar_stacked"}
            self.addCleanup(setattr, L, "missing", missing)
        with self.assertRaises(shapc.ShapcError) as cm:
            shapc.summary_plot(self.exp)
        self.assertEqual(cm.exception.status, shapc.EUNSUPPORTED)
        self.assertIn("shapc_plot_bar_stacked", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
