#!/usr/bin/python3
"""Writes the seed corpora for the fuzzers: OUT/{idx,npy,model,protocol,png,csv,tokenizer,onnx}/.

Small valid files of every kind each reader accepts, so libFuzzer starts from inputs that reach
deep into the parsers. scripts/fuzz.sh runs it into build-fuzz/seeds (needs numpy):
    /usr/bin/python3 tests/fuzz/make_corpus.py OUT
"""
import gzip
import io
import os
import struct
import sys
import zlib

import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else "build-fuzz/seeds"


def out(kind, name, data):
    d = os.path.join(OUT, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- IDX: magic 00 00 type rank, big-endian u32 dims, big-endian data ----
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def idx_bytes(code, shape, values):
    head = bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", s) for s in shape)
    return head + np.asarray(values, dtype=IDX_TYPES[code]).reshape(shape).tobytes()


out("idx", "u8_2x3.idx", idx_bytes(0x08, (2, 3), [0, 1, 2, 253, 254, 255]))
out("idx", "i8_4.idx", idx_bytes(0x09, (4,), [-128, -1, 0, 127]))
out("idx", "i16_2x2.idx", idx_bytes(0x0B, (2, 2), [-32768, -1, 1, 32767]))
out("idx", "i32_1x1x3.idx", idx_bytes(0x0C, (1, 1, 3), [-(2**31), 0, 2**31 - 1]))
out("idx", "f32_3.idx", idx_bytes(0x0D, (3,), [0.5, -1.25, 3e38]))
out("idx", "f64_2.idx", idx_bytes(0x0E, (2,), [1e-300, -2.5]))
out("idx", "u8_empty_0x4.idx", idx_bytes(0x08, (0, 4), []))
out("idx", "u8_2x2x2x1.idx", idx_bytes(0x08, (2, 2, 2, 1), list(range(8))))
out("idx", "u8_3x4x4.idx.gz",
    gzip.compress(idx_bytes(0x08, (3, 4, 4), [(i * 37) % 256 for i in range(48)]), mtime=0))
out("idx", "f32_2x2.idx.gz", gzip.compress(idx_bytes(0x0D, (2, 2), [1, 2, 3, 4]), mtime=0))

# ---- NPY: numpy's own writer, plus a hand-written version 2.0 header ----
def npy_bytes(arr, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, arr)
    else:
        np.lib.format.write_array(buf, arr, version=version)
    return buf.getvalue()


out("npy", "f4_2x3.npy", npy_bytes(np.arange(6, dtype="<f4").reshape(2, 3)))
out("npy", "f8_3.npy", npy_bytes(np.array([0.5, -1.0, 1e300], dtype="<f8")))
out("npy", "u1_2x2x2.npy", npy_bytes(np.arange(8, dtype="u1").reshape(2, 2, 2)))
out("npy", "i4_4.npy", npy_bytes(np.array([-5, 0, 7, 2**31 - 1], dtype="<i4")))
out("npy", "i2_2.npy", npy_bytes(np.array([-2, 3], dtype="<i2")))
out("npy", "i1_scalar.npy", npy_bytes(np.array(-3, dtype="i1")))
out("npy", "f4_0x5.npy", npy_bytes(np.zeros((0, 5), dtype="<f4")))
out("npy", "f4_v2.npy", npy_bytes(np.ones((2, 2), dtype="<f4"), version=(2, 0)))
# hand-written header: other key order, double quotes, no trailing comma
hdr = b'{"shape": (2,), "fortran_order": False, "descr": "<f4"}'
hdr += b" " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + b"\n"
out("npy", "handwritten.npy",
    b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr + struct.pack("<2f", 1.0, 2.0))

# ---- model.bin (docs/model-format.md), built by hand so optional parts are all covered ----
def f32s(vals):
    return b"".join(struct.pack("<f", v) for v in vals)


def model_bin(shape, layers, scale=1.0, offset=None, divisor=None, names=None,
              background=None, weights=None, sections=()):
    d = int(np.prod(shape))
    b = b"SHAPCMDL" + struct.pack("<II", 1, 0)
    b += struct.pack("<I", len(shape)) + b"".join(struct.pack("<I", s) for s in shape)
    b += f32s([scale])
    b += b"\x01" + f32s(offset) if offset is not None else b"\x00"
    b += b"\x01" + f32s(divisor) if divisor is not None else b"\x00"
    b += struct.pack("<I", len(layers))
    for n_in, n_out, act, w, bias in layers:
        b += struct.pack("<IIII", 1, n_in, n_out, act) + f32s(w) + f32s(bias)
    if names:
        b += struct.pack("<I", len(names))
        for nm in names:
            b += struct.pack("<I", len(nm)) + nm.encode()
    else:
        b += struct.pack("<I", 0)
    rows = len(background) if background is not None else 0
    b += struct.pack("<I", rows)
    if rows:
        b += f32s([v for r in background for v in r])
    b += b"\x01" + f32s(weights) if weights is not None else b"\x00"
    b += struct.pack("<I", len(sections))
    for tag, flags, payload in sections:
        b += tag + struct.pack("<IQ", flags, len(payload)) + payload
    return b + struct.pack("<I", zlib.crc32(b) & 0xFFFFFFFF)


out("model", "linear_2to1.bin", model_bin((2,), [(2, 1, 0, [0.5, -1.0], [0.25])]))
out("model", "mlp_relu_softmax.bin",
    model_bin((2, 2, 1), [(4, 3, 1, [0.1 * i for i in range(12)], [0, 0.5, -0.5]),
                          (3, 2, 4, [1, -1, 0.5, -0.5, 2, 0], [0, 0])],
              scale=1 / 255, names=["cat", "dog"], background=[[0, 1, 2, 3], [4, 5, 6, 7]],
              weights=[1, 3]))
out("model", "sigmoid_tanh_pre.bin",
    model_bin((3,), [(3, 2, 2, [1, 2, 3, 4, 5, 6], [0, 0]), (2, 1, 3, [1, 1], [0])],
              offset=[0.5, 0.5, 0.5], divisor=[2, 2, 2], names=["y"],
              sections=[(b"XTRA", 0, b"optional payload")]))
out("model", "required_section.bin",
    model_bin((1,), [(1, 1, 0, [1.0], [0.0])], sections=[(b"TOKN", 1, b"")]))

# ---- external-process protocol (docs/protocol.md): what a model server writes to shapc ----
def handshake(d, k, shape=(), names=None):
    b = b"SHAPCPIP" + struct.pack("<IIIII", 1, 0, d, k, len(shape))
    b += b"".join(struct.pack("<I", s) for s in shape)
    b += struct.pack("<I", len(names) if names else 0)
    for nm in names or ():
        b += struct.pack("<I", len(nm)) + nm.encode()
    return b


out("protocol", "handshake_image.bin", handshake(784, 10, (28, 28, 1)))
out("protocol", "handshake_names.bin", handshake(4, 3, (2, 2), ["cat", "dog", "bird"]))
out("protocol", "handshake_vector.bin", handshake(3, 1))
out("protocol", "hello.bin", b"SHAPCPIP" + struct.pack("<II", 1, 64))
out("protocol", "reply_ok.bin", struct.pack("<IIII", 0, 2, 2, 3) + f32s([1, 2, 3, 4, 5, 6]))
out("protocol", "reply_error.bin", struct.pack("<II", 1, 11) + b"model error")
out("protocol", "request.bin", struct.pack("<IIII", 1, 2, 4, 1) + f32s([0.5] * 8))
out("protocol", "stdout_text.bin", b"Loading model weights...\n")


# ---- PNG: 8-bit grey, 8-bit RGB, 16-bit RGBA; filter 0 (none) on every row ----
def png_bytes(w, h, depth, colour, rows):
    def chunk(tag, payload):
        return (struct.pack(">I", len(payload)) + tag + payload +
                struct.pack(">I", zlib.crc32(tag + payload) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def counting(h, row_bytes):
    return [range(y * row_bytes, (y + 1) * row_bytes) for y in range(h)]


out("png", "grey4x4.png", png_bytes(4, 4, 8, 0, [range(16 * y, 16 * y + 4) for y in range(4)]))
out("png", "rgb3x2.png", png_bytes(3, 2, 8, 2, counting(2, 9)))
out("png", "rgba16_2x2.png", png_bytes(2, 2, 16, 6, counting(2, 16)))

# ---- CSV: quoted header fields, exponents, CRLF line ends ----
out("csv", "basic.csv", b'a,b,"c, quoted"\n1,2,3\n4.5,-6e2,7\n')
out("csv", "crlf.csv", b'"x""y",z\r\n1,2\r\n')

# ---- tokenizer: ASCII punctuation and multi-byte UTF-8 ----
out("tokenizer", "en.txt", b"The movie was GREAT, wasn't it?\n")
out("tokenizer", "utf8.txt", "\u3053\u308c\u306f\u826f\u3044 caf\u00e9 \u0391\u0392\n".encode())

# ---- ONNX: built with python3-onnx (tests/fuzz/onnx_seeds.py) ----
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_seeds  # noqa: E402

onnx_seeds.write(out)
