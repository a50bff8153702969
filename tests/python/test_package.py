"""test_package - the package as users meet it: `python3 -m shapc --version`, the build
tree's copy finding the build's libshapc.so, and shapc.server speaking the process protocol
(docs/protocol.md) byte for byte."""
import io
import os
import struct
import subprocess
import sys
import unittest

import numpy as np

import shapc
from shapc import server


class TestPackage(unittest.TestCase):
    def test_version(self):
        p = subprocess.run([sys.executable, "-m", "shapc", "--version"], capture_output=True,
                           text=True, env=dict(os.environ, SHAPC_LIBRARY=""))
        self.assertEqual(p.returncode, 0, p.stderr)
        lib = shapc.library_version()
        self.assertRegex(lib, r"^\d+\.\d+\.\d+$")
        self.assertEqual(p.stdout.split()[:3], ["shapc", shapc.__version__,
                                                "(libshapc"])
        self.assertIn(lib, p.stdout)
        self.assertEqual(shapc.__version__, lib)

    def test_build_tree_finds_its_library(self):
        build = os.path.dirname(os.path.dirname(os.path.dirname(shapc.__file__)))
        self.assertTrue(os.path.samefile(os.path.dirname(shapc.library_path()), build))

    def test_missing_library_is_one_clear_error(self):
        code = ("import shapc\ntry:\n    shapc.library_version()\nexcept OSError as e:\n"
                "    print('ERR', e)\n")
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=dict(os.environ, SHAPC_LIBRARY="/nonexistent/libshapc.so"))
        self.assertIn("ERR shapc: cannot load libshapc", p.stdout)
        self.assertIn("/nonexistent/libshapc.so", p.stdout)

    def test_server_protocol(self):
        hello = struct.pack("<8sII", b"SHAPCPIP", 1, 64)
        x = np.arange(6, dtype="<f4").reshape(2, 3)
        req = struct.pack("<II", 1, 2) + x.tobytes()
        bad = struct.pack("<II", 1, 1) + np.zeros(3, "<f4").tobytes()
        out = io.BytesIO()
        calls = []

        def predict(z):
            calls.append(z.copy())
            if z.shape[0] == 1:
                raise ValueError("one row only")
            return z @ np.array([[1.0], [2.0], [3.0]])
        server.serve(predict, d=3, k=1, input_shape=(3,), output_names=["y"],
                     stdin=io.BytesIO(hello + req + bad), stdout=out)
        b = out.getvalue()
        want_hs = server.handshake_bytes(3, 1, (3,), ["y"])
        self.assertEqual(b[:len(want_hs)], want_hs)
        self.assertEqual(want_hs[:8], b"SHAPCPIP")
        rest = b[len(want_hs):]
        self.assertEqual(struct.unpack("<II", rest[:8]), (0, 2))
        np.testing.assert_array_equal(np.frombuffer(rest[8:16], "<f4"), [8, 26])
        kind, n = struct.unpack("<II", rest[16:24])
        self.assertEqual(kind, 1)
        self.assertEqual(rest[24:24 + n].decode(), "ValueError: one row only")
        np.testing.assert_array_equal(calls[0], x)
        with self.assertRaises(ValueError):
            server.handshake_bytes(3, 1, (2, 2))


if __name__ == "__main__":
    unittest.main()
