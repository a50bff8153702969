"""support - shared pieces of the Python package's tests (run through ctest, which sets the
environment: PYTHONPATH to build/python, SHAPC_CLI, SHAPC_MAKE_FIXTURES, SHAPC_TEST_TMP).

numpy, pandas and scikit-learn are imported by the tests that need them, unconditionally: a
missing module fails the test (CI installs them through scripts/install-deps.sh)."""
import itertools
import math
import os
import subprocess
import tempfile

import numpy as np


def env(name):
    v = os.environ.get(name)
    if not v:
        raise RuntimeError("%s is not set: run the Python tests through ctest" % name)
    return v


_fixtures = None


def fixtures():
    """The directory of tests/support/make_fixtures.c's files (model.bin: 4x4x1 -> dense 8
    relu -> dense 3 softmax with 5 weighted background rows; input.npy: 3 rows; bg.npy)."""
    global _fixtures
    if _fixtures is None:
        _fixtures = os.path.join(scratch("fixtures"))
        subprocess.run([env("SHAPC_MAKE_FIXTURES"), _fixtures], check=True,
                       stdout=subprocess.DEVNULL)
    return _fixtures


def scratch(name):
    """A fresh directory under SHAPC_TEST_TMP."""
    base = env("SHAPC_TEST_TMP")
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + "-", dir=base)


def cli(*args, check=True):
    """Runs the shapc binary; returns the CompletedProcess (text)."""
    p = subprocess.run([env("SHAPC_CLI")] + [str(a) for a in args], capture_output=True,
                       text=True)
    if check and p.returncode != 0:
        raise AssertionError("shapc %s exited %d: %s" % (" ".join(map(str, args)),
                                                         p.returncode, p.stderr))
    return p


def brute_force_shapley(f, x, bg, weights=None, link=None):
    """Exact interventional Shapley values by the Shapley sum over all coalitions:
        v(S) = link(sum_j w_j f(x_S, b_j)),
        phi_i = sum_{S not containing i} |S|! (d - |S| - 1)! / d! (v(S + i) - v(S)).
    f takes float32 rows and its outputs are rounded to float32, as the engine sees them.
    Returns (d, k) in double."""
    x = np.asarray(x, dtype=np.float32)
    bg = np.asarray(bg, dtype=np.float32)
    d = len(x)
    w = np.full(len(bg), 1.0 / len(bg)) if weights is None else \
        np.asarray(weights, dtype=np.float64) / np.sum(weights)
    link = link or (lambda p: p)
    v = {}
    for r in range(d + 1):
        for s in itertools.combinations(range(d), r):
            rows = bg.copy()
            rows[:, list(s)] = x[list(s)]
            y = np.asarray(f(rows), dtype=np.float32).astype(np.float64).reshape(len(bg), -1)
            v[s] = link(w @ y)
    k = len(v[()])
    phi = np.zeros((d, k))
    for i in range(d):
        others = [j for j in range(d) if j != i]
        for r in range(d):
            wt = math.factorial(r) * math.factorial(d - r - 1) / math.factorial(d)
            for s in itertools.combinations(others, r):
                with_i = tuple(sorted(s + (i,)))
                phi[i] += wt * (v[with_i] - v[s])
    return phi


def png_pixels(data):
    """Decodes an 8-bit RGB/RGBA (non-interlaced) PNG with zlib: (h, w, channels) uint8."""
    import struct
    import zlib
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    assert depth == 8 and interlace == 0 and ctype in (2, 6), hdr
    ch = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * ch
    out = bytearray()
    prev = bytearray(stride)
    for y in range(h):  # the five filters of the PNG specification, section 9
        ft = raw[y * (stride + 1)]
        cur = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ft == 1:
            for i in range(ch, stride):
                cur[i] = (cur[i] + cur[i - ch]) & 255
        elif ft == 2:
            for i in range(stride):
                cur[i] = (cur[i] + prev[i]) & 255
        elif ft == 3:
            for i in range(stride):
                a = cur[i - ch] if i >= ch else 0
                cur[i] = (cur[i] + ((a + prev[i]) >> 1)) & 255
        elif ft == 4:
            for i in range(stride):
                a = cur[i - ch] if i >= ch else 0
                b = prev[i]
                c = prev[i - ch] if i >= ch else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) \
                    & 255
        out += cur
        prev = cur
    return np.frombuffer(bytes(out), dtype=np.uint8).reshape(h, w, ch)
