"""export_mlp - the seed's Fashion-MNIST MLP, from its model.bin to ONNX through torch.

    /usr/bin/python3 export_mlp.py model.bin model.onnx [--check images.idx.gz torch.npy]

Reads model.bin (samples/python/modelbin.py: input shape 28x28x1, input scale 1/255, dense
784 -> 128 relu -> 10 softmax), builds the same network in torch with the same float32
weights, and exports it with torch.onnx.export (opset 13, a dynamic batch axis):

    input (B, 1, 28, 28) raw pixels -> Mul(1/255) -> Flatten -> Gemm -> Relu -> Gemm -> Softmax

The class names go into the file's metadata (shapc.output_names). With --check, the first
rows of an image file are run through torch and saved as a (rows, 10) float32 .npy, which the
tests compare with shapc's predictions of the ONNX file (1e-5).
"""
import argparse
import gzip
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import modelbin  # noqa: E402
from onnx_meta import add_metadata  # noqa: E402


class MLP(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        if m.offset is not None or m.divisor is not None:
            raise SystemExit("export_mlp: per-feature offsets/divisors are not exported")
        self.scale = float(m.scale)
        layers = []
        for w, b, act in m.layers:
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
            layers.append(lin)
            if act == "relu":
                layers.append(torch.nn.ReLU())
            elif act == "softmax":
                layers.append(torch.nn.Softmax(dim=1))
            elif act != "identity":
                raise SystemExit("export_mlp: activation %s is not exported" % act)
        self.layers = torch.nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(torch.flatten(x * self.scale, 1))


def read_idx_images(path, n):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise SystemExit("%s: not an IDX image file" % path)
        n = min(n, count)
        data = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
    return data.reshape(n, 1, rows, cols).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_bin")
    ap.add_argument("onnx_out")
    ap.add_argument("--check", nargs=2, metavar=("IMAGES", "NPY"))
    ap.add_argument("--rows", type=int, default=200)
    a = ap.parse_args()
    torch.set_num_threads(1)
    m = modelbin.load(a.model_bin)
    if tuple(m.input_shape) != (28, 28, 1):
        raise SystemExit("%s: expected a 28x28x1 input" % a.model_bin)
    net = MLP(m).eval()
    x = torch.zeros(2, 1, 28, 28)
    torch.onnx.export(net, x, a.onnx_out, opset_version=13, input_names=["pixels"],
                      output_names=["probs"],
                      dynamic_axes={"pixels": {0: "batch"}, "probs": {0: "batch"}})
    names = m.output_names or [str(i) for i in range(m.k)]
    add_metadata(a.onnx_out, {"shapc.output_names": "\n".join(names)})
    if a.check:
        imgs = read_idx_images(a.check[0], a.rows)
        with torch.no_grad():
            p = net(torch.from_numpy(imgs)).numpy().astype(np.float32)
        np.save(a.check[1], p)
        # the torch copy must be the model.bin network (same weights, numpy reference)
        ref = m.predict(imgs.reshape(len(imgs), -1))
        err = float(np.abs(ref - p).max())
        if err > 1e-5:
            raise SystemExit("export_mlp: torch and model.bin differ by %g" % err)
        print("export_mlp: %s, torch vs model.bin max diff %.2g" % (a.onnx_out, err))


if __name__ == "__main__":
    main()
