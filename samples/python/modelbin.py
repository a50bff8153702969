"""modelbin - a numpy reader for shapc's model.bin (docs/model-format.md, version 1).

    m = modelbin.load("model.bin")
    y = m.predict(x)          # (n, d) raw inputs -> (n, k) float32
    m.input_shape, m.output_names, m.layers (list of (W, b, activation)), m.background
"""
import struct
import zlib

import numpy as np

ACTIVATIONS = {0: "identity", 1: "relu", 2: "sigmoid", 3: "tanh", 4: "softmax"}


class _Cursor:
    def __init__(self, data, path):
        self.data, self.off, self.path = data, 0, path

    def take(self, n, what):
        if self.off + n > len(self.data) - 4:
            raise ValueError("%s: truncated at byte %d reading %s" % (self.path, self.off, what))
        b = self.data[self.off:self.off + n]
        self.off += n
        return b

    def u8(self, what):
        return self.take(1, what)[0]

    def u32(self, what):
        return struct.unpack("<I", self.take(4, what))[0]

    def f32(self, count, what):
        a = np.frombuffer(self.take(4 * count, what), dtype="<f4").astype(np.float32)
        if not np.all(np.isfinite(a)):
            raise ValueError("%s: non-finite value in %s" % (self.path, what))
        return a


class Model:
    def __init__(self):
        self.input_shape, self.scale, self.offset, self.divisor = (), 1.0, None, None
        self.layers, self.output_names = [], None
        self.background, self.background_weights = None, None

    @property
    def d(self):
        return int(np.prod(self.input_shape))

    @property
    def k(self):
        return self.layers[-1][0].shape[0]

    def predict(self, x):
        h = np.asarray(x, dtype=np.float32).reshape(-1, self.d) * np.float32(self.scale)
        if self.offset is not None:
            h = h - self.offset
        if self.divisor is not None:
            h = h / self.divisor
        for w, b, act in self.layers:
            h = (h @ w.T + b).astype(np.float32)
            if act == "relu":
                h = np.maximum(h, 0)
            elif act == "sigmoid":  # split by sign so exp never overflows
                e = np.exp(-np.abs(h))
                h = np.where(h >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float32)
            elif act == "tanh":
                h = np.tanh(h)
            elif act == "softmax":  # max-subtracted, summed in double
                e = np.exp(h.astype(np.float64) - h.max(axis=1, keepdims=True))
                h = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        return h


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24 or data[:8] != b"SHAPCMDL":
        raise ValueError("%s: not a shapc model" % path)
    version, flags = struct.unpack("<II", data[8:16])
    if version != 1 or flags != 0:
        raise ValueError("%s: unsupported version %d / flags %d" % (path, version, flags))
    if zlib.crc32(data[:-4]) != struct.unpack("<I", data[-4:])[0]:
        raise ValueError("%s: checksum mismatch" % path)
    c, m = _Cursor(data, path), Model()
    c.off = 16
    rank = c.u32("input rank")
    m.input_shape = tuple(c.u32("input dims") for _ in range(rank))
    d = m.d
    m.scale = float(c.f32(1, "input_scale")[0])
    if c.u8("has_offset"):
        m.offset = c.f32(d, "offset")
    if c.u8("has_divisor"):
        m.divisor = c.f32(d, "divisor")
    for i in range(c.u32("n_layers")):
        kind, n_in, n_out, act = (c.u32("layer %d header" % i) for _ in range(4))
        if kind != 1 or act not in ACTIVATIONS:
            raise ValueError("%s: layer %d: unsupported kind %d / activation %d"
                             % (path, i, kind, act))
        w = c.f32(n_out * n_in, "layer %d weights" % i).reshape(n_out, n_in)
        m.layers.append((w, c.f32(n_out, "layer %d bias" % i), ACTIVATIONS[act]))
    n_names = c.u32("n_names")
    if n_names:
        m.output_names = [c.take(c.u32("name length"), "name").decode("utf-8")
                          for _ in range(n_names)]
    n_bg = c.u32("n_background")
    if n_bg:
        m.background = c.f32(n_bg * d, "background").reshape(n_bg, d)
    if c.u8("has_weights"):
        w = c.f32(n_bg, "background weights").astype(np.float64)
        m.background_weights = w / w.sum()
    for _ in range(c.u32("n_sections")):
        tag, sflags = c.take(4, "section tag"), c.u32("section flags")
        length = struct.unpack("<Q", c.take(8, "section length"))[0]
        if sflags & 1:
            raise ValueError("%s: required section %r is unsupported" % (path, tag))
        c.take(length, "section payload")
    if c.off != len(data) - 4:
        raise ValueError("%s: unexpected bytes before the checksum" % path)
    return m
