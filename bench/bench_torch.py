"""bench_torch - rows per second of the samples' models in torch (CPU), for bench_onnx.sh.

    /usr/bin/python3 bench_torch.py cnn STATE.pt INPUT.idx.gz [--rows N] [--batch B] [--threads T]
    /usr/bin/python3 bench_torch.py text STATE.pt IDS.npy [...]

Rebuilds the model class of samples/onnx (train_cnn.py, train_text.py), loads the weights
the training script saved, and times inference (eval mode, torch.no_grad) in calls of B rows,
best of 5 after a warm-up: eager execution, as a user runs it, and the traced and frozen
TorchScript module (torch.jit.trace + torch.jit.freeze), torch's fastest CPU path.
torch.set_num_threads(T) sets its intra-op threads.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples",
                                "onnx"))


def rate(fn, x, batch):
    best = 0.0
    with torch.no_grad():
        for rep in range(6):
            t0 = time.perf_counter()
            for i in range(0, len(x), batch):
                fn(x[i:i + batch])
            r = len(x) / (time.perf_counter() - t0)
            if rep > 0:
                best = max(best, r)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["cnn", "text"])
    ap.add_argument("state")
    ap.add_argument("input")
    ap.add_argument("--rows", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.kind == "cnn":
        import fashion
        from train_cnn import Backbone, Classifier
        model = Classifier(Backbone(), torch.nn.Linear(64, 10))
        data = a.input
        x = torch.from_numpy(fashion.images(os.path.dirname(data), "t10k", a.rows))
    else:
        from train_text import load_for_bench
        model, x = load_for_bench(a.state, a.input)
    model.load_state_dict(torch.load(a.state))
    model.eval()
    reps = -(-a.rows // len(x))
    x = torch.cat([x] * reps)[:a.rows]
    eager = rate(model, x, a.batch)
    with torch.no_grad():
        frozen = torch.jit.freeze(torch.jit.trace(model, x[:a.batch]))
    jit = rate(frozen, x, a.batch)
    print("torch %s: %d rows in batches of %d on %d thread(s): eager %.0f rows/s, "
          "TorchScript %.0f rows/s" % (a.kind, a.rows, a.batch, a.threads, eager, jit))


if __name__ == "__main__":
    main()
