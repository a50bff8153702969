"""fashion - reads the Fashion-MNIST IDX files Debian's dataset-fashion-mnist installs."""
import gzip
import os
import struct

import numpy as np

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot"]


def _read(path, magic_want):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    if magic != magic_want:
        raise SystemExit("%s: not an IDX file of the expected kind" % path)
    return data


def images(data_dir, split, n=None):
    """(n, 1, 28, 28) float32 raw pixels 0..255 of split 'train' or 't10k'."""
    data = _read(os.path.join(data_dir, "%s-images-idx3-ubyte.gz" % split), 2051)
    count, rows, cols = struct.unpack(">III", data[4:16])
    n = count if n is None else min(n, count)
    px = np.frombuffer(data, dtype=np.uint8, count=n * rows * cols, offset=16)
    return px.reshape(n, 1, rows, cols).astype(np.float32)


def labels(data_dir, split, n=None):
    data = _read(os.path.join(data_dir, "%s-labels-idx1-ubyte.gz" % split), 2049)
    count = struct.unpack(">I", data[4:8])[0]
    n = count if n is None else min(n, count)
    return np.frombuffer(data, dtype=np.uint8, count=n, offset=8).astype(np.int64)
