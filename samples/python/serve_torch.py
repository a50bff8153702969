#!/usr/bin/env python3
"""Serve a PyTorch model to shapc (Debian: apt install python3-torch python3-numpy).

    python3 serve_torch.py model.pt --shape 28,28,1 [--names a,b,...] [--softmax]
    python3 serve_torch.py model.bin            # a shapc model.bin rebuilt as nn.Sequential

model.pt is a TorchScript file (torch.jit.save). Rows arrive as float32 in raw input units,
row-major over --shape (channels last) and are passed as a (n, *shape) tensor; permute them
in predict() below if your network wants NCHW.
"""
import argparse
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
try:
    from shapc import server  # first: keeps print() off the protocol's stdout
except ImportError:  # not installed: the package in this source tree (python/shapc)
    sys.path.insert(0, os.path.join(here, "..", "..", "python"))
    from shapc import server
sys.path.insert(0, here)
import numpy as np  # noqa: E402
import torch  # noqa: E402


def from_model_bin(path):
    import modelbin
    m = modelbin.load(path)
    mods = []
    for w, b, act in m.layers:
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        lin.weight.data, lin.bias.data = torch.from_numpy(w.copy()), torch.from_numpy(b.copy())
        mods.append(lin)
        mods += {"relu": [torch.nn.ReLU()], "sigmoid": [torch.nn.Sigmoid()],
                 "tanh": [torch.nn.Tanh()], "softmax": [torch.nn.Softmax(dim=1)]}.get(act, [])
    net = torch.nn.Sequential(*mods)
    off = torch.from_numpy(m.offset) if m.offset is not None else 0.0
    div = torch.from_numpy(m.divisor) if m.divisor is not None else 1.0
    return (lambda x: net((x * m.scale - off) / div)), m.input_shape, m.output_names, m.k


ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("--shape", help="input shape, e.g. 28,28,1")
ap.add_argument("--names", help="comma-separated output names")
ap.add_argument("--softmax", action="store_true", help="apply softmax to the outputs")
a = ap.parse_args()
torch.set_grad_enabled(False)
if a.model.endswith(".bin"):
    fn, shape, names, k = from_model_bin(a.model)
else:
    if not a.shape:
        sys.exit("serve_torch.py: --shape is required for a TorchScript model")
    shape = tuple(int(s) for s in a.shape.split(","))
    net = torch.jit.load(a.model).eval()
    fn = lambda x: net(x.reshape((-1,) + shape))  # noqa: E731
    names = a.names.split(",") if a.names else None
    k = int(fn(torch.zeros((1,) + shape)).reshape(1, -1).shape[1])
d = int(np.prod(shape))


def predict(x):
    y = fn(torch.from_numpy(x)).reshape(len(x), -1)
    if a.softmax:
        y = torch.softmax(y, dim=1)
    return y.numpy()


server.serve(predict, d=d, k=k, input_shape=shape, output_names=names)
