"""test_layout - the ctypes mirrors of python/shapc/_lib.py match the C headers field by field
(offsets and sizes from tests/python/layout.c, compiled against include/shapc), and the
library's own size field agrees with the mirror."""
import ctypes
import json
import subprocess
import unittest

import support
from shapc import _lib


class TestLayout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        out = subprocess.run([support.env("SHAPC_PY_LAYOUT")], capture_output=True, text=True,
                             check=True).stdout
        cls.c = json.loads(out)

    def compare(self, cls, name):
        c = self.c[name]
        self.assertEqual(ctypes.sizeof(cls), c["sizeof"], name)
        for field, off in c["fields"].items():
            self.assertEqual(getattr(cls, field).offset, off, "%s.%s" % (name, field))
        self.assertEqual(sorted(f for f, _ in cls._fields_), sorted(c["fields"]), name)

    def test_structs(self):
        self.compare(_lib.Error, "Error")
        self.compare(_lib.KernelOptions, "KernelOptions")
        self.compare(_lib.KernelInfo, "KernelInfo")
        self.compare(_lib.PlotImageData, "PlotImageData")
        self.compare(_lib.PlotOptions, "PlotOptions")

    def test_defaults_come_from_the_library(self):
        L = _lib.lib()
        o = L.kernel_options()
        self.assertEqual(o.size, ctypes.sizeof(_lib.KernelOptions))
        self.assertEqual((o.n_batches, o.max_memory, o.sampler, o.n_threads, o.use_structure,
                          o.nsamples, o.max_evals, o.tol),
                         (16, 64 << 20, _lib.SAMPLER["auto"], 1, 1, 0, 0, 0.0))
        p = L.plot_options()
        self.assertEqual(p.size, ctypes.sizeof(_lib.PlotOptions))
        self.assertEqual((p.dpi, p.font_size, p.max_display, p.font_family, p.link),
                         (100.0, 10.0, 10, b"DejaVu Sans", 0))

    def test_enums_match_the_library(self):
        L = _lib.lib()
        for code, name in enumerate(_lib.STATUS_NAMES):
            self.assertEqual(L.status_name(code).decode(), "SHAPC_" + name)
        self.assertEqual(L.status_name(len(_lib.STATUS_NAMES)).decode(), "SHAPC_UNKNOWN")


if __name__ == "__main__":
    unittest.main()
