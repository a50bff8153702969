"""shapc.server - serve a Python predict function to shapc over stdin/stdout.

The binary protocol is documented byte by byte in docs/protocol.md. A server script is:

    from shapc import server                 # first: moves print() output to stderr
    import numpy as np
    def predict(x):                          # x: (n, d) float32 -> (n, k) array-like
        return x @ W + b
    server.serve(predict, d=4, k=2, output_names=["no", "yes"])

and is run by shapc, e.g. `shapc explain --model-cmd "python3 serve.py" ...`.

stdout belongs to the protocol, so importing this module points sys.stdout at stderr: a stray
print() then shows up in the terminal instead of corrupting a frame. Exceptions raised by
predict are sent back as error replies (shapc reports "the model reported: ValueError: ...")
and the server keeps serving. The server exits when shapc closes its stdin. It needs numpy
only (not libshapc): `import shapc` loads the library lazily, on first use.
"""
import struct
import sys

import numpy as np

MAGIC = b"SHAPCPIP"
VERSION = 1
MAX_MESSAGE = 4096

# Keep the real stdout for frames; everything printed goes to stderr.
_frames_out = sys.stdout.buffer
sys.stdout = sys.stderr


def _read_exact(stream, n):
    """n bytes, or None at end of input (a partial frame is an error)."""
    chunks, got = [], 0
    while got < n:
        b = stream.read(n - got)
        if not b:
            if got == 0:
                return None
            raise EOFError("shapc closed the pipe inside a frame (%d of %d bytes)" % (got, n))
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def handshake_bytes(d, k, input_shape=None, output_names=None):
    """The handshake frame: magic, version, flags, d, k, shape, names."""
    shape = list(input_shape or [])
    if shape and int(np.prod(shape)) != d:
        raise ValueError("input_shape %r does not have d = %d elements" % (shape, d))
    names = [str(s).encode("utf-8") for s in (output_names or [])]
    if names and len(names) != k:
        raise ValueError("%d output names for k = %d outputs" % (len(names), k))
    out = [MAGIC, struct.pack("<5I", VERSION, 0, d, k, len(shape))]
    out += [struct.pack("<I", int(s)) for s in shape]
    out.append(struct.pack("<I", len(names)))
    for nm in names:
        out += [struct.pack("<I", len(nm)), nm]
    return b"".join(out)


def serve(predict, d, k, input_shape=None, output_names=None, stdin=None, stdout=None):
    """Answers shapc's requests with predict(x) until shapc closes stdin.

    predict: (n, d) float32 array -> (n, k) array-like (converted to float32).
    input_shape: optional tuple whose product is d, e.g. (28, 28, 1) (height, width, channels).
    output_names: optional list of k class names.
    """
    inp = stdin if stdin is not None else sys.stdin.buffer
    out = stdout if stdout is not None else _frames_out
    hello = _read_exact(inp, 16)
    if hello is None:
        return
    magic, version, max_batch = struct.unpack("<8sII", hello)
    if magic != MAGIC or version < 1:
        raise SystemExit("shapc.server: stdin does not speak the shapc protocol")
    out.write(handshake_bytes(d, k, input_shape, output_names))
    out.flush()
    while True:
        header = _read_exact(inp, 8)
        if header is None:
            return  # shapc is done
        kind, n = struct.unpack("<II", header)
        if kind != 1 or n == 0 or n > max_batch:
            raise SystemExit("shapc.server: bad request kind %d, %d rows" % (kind, n))
        x = np.frombuffer(_read_exact(inp, n * d * 4), dtype="<f4").reshape(n, d)
        try:
            y = np.asarray(predict(x.astype(np.float32)), dtype="<f4")
            if y.size != n * k:
                raise ValueError("predict returned shape %r for %d rows, expected (%d, %d)"
                                 % (y.shape, n, n, k))
            out.write(struct.pack("<II", 0, n))
            out.write(np.ascontiguousarray(y.reshape(n, k)).tobytes())
        except Exception as e:  # reported to shapc; the server stays in sync
            msg = ("%s: %s" % (type(e).__name__, e)).encode("utf-8", "replace")[:MAX_MESSAGE]
            out.write(struct.pack("<II", 1, len(msg)))
            out.write(msg)
        out.flush()
