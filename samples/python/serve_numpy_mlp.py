#!/usr/bin/env python3
"""Serve a shapc model.bin (dense MLP) with numpy only, for `shapc explain --model-cmd`.

    python3 serve_numpy_mlp.py model.bin

It shows the pattern for any Python model: load it, then hand predict to shapc.server.serve.
Results match the native model to float32 rounding (tests/test_adapters.c checks 1e-5).
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
try:
    from shapc import server  # first: keeps print() off the protocol's stdout
except ImportError:  # not installed: the package in this source tree (python/shapc)
    sys.path.insert(0, os.path.join(here, "..", "..", "python"))
    from shapc import server
sys.path.insert(0, here)
import modelbin  # noqa: E402

if len(sys.argv) != 2:
    sys.exit("usage: serve_numpy_mlp.py model.bin")
model = modelbin.load(sys.argv[1])
print("serve_numpy_mlp: %s, %d -> %d" % (sys.argv[1], model.d, model.k))  # goes to stderr
server.serve(model.predict, d=model.d, k=model.k, input_shape=model.input_shape,
                   output_names=model.output_names)
