"""train_cnn - a MobileNetV2-style CNN on Fashion-MNIST, transfer-learning style, to ONNX.

    /usr/bin/python3 train_cnn.py DATA_DIR OUT.onnx [--torch-out torch.npy] [--quick]
                                  [--min-accuracy A] [--seed S]

The network (Sandler et al. 2018, "MobileNetV2", scaled down to 28x28 grey images):

    pixels / 255 -> conv 3x3 stride 2, 16 + BN + ReLU6                         (14x14)
      -> inverted residual blocks (1x1 expand by t, 3x3 depthwise, 1x1 project; BatchNorm
         after each convolution, ReLU6 after the first two; a residual Add when the shape
         allows): 16 -> 16 (t 1, residual), 16 -> 24 (t 4, stride 2: 7x7),
         24 -> 24 (t 4, residual), 24 -> 32 (t 4)
      -> conv 1x1 64 + BN + ReLU6 -> global average pooling -> dense 10 softmax

About a million multiply-adds per image: small enough to train in CI on one core.

Two phases, as in the seed's transfer-learning recipe: the backbone is pretrained briefly with
a temporary dense head; then it is frozen (BatchNorm in inference mode), its features are
computed once, and a new dense softmax head is trained on them. The exported model is the
frozen backbone with the new head; torch.onnx.export folds each BatchNorm into its
convolution. Test accuracy (all 10,000 test images) is printed and, with --min-accuracy,
checked. --torch-out saves torch's predictions of the first 256 test images, which the tests
compare with shapc's (1e-5); --torch-state the weights, for bench/bench_onnx.sh.
"""
import argparse
import time

import numpy as np
import torch
from torch import nn

import fashion
from onnx_meta import add_metadata


def conv_bn(cin, cout, k, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6())
    return layers


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hid = cin * t
        layers = [] if t == 1 else conv_bn(cin, hid, 1)
        layers += conv_bn(hid, hid, 3, stride, groups=hid)   # depthwise
        layers += conv_bn(hid, cout, 1, act=False)           # linear bottleneck
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn(1, 16, 3, stride=2),
            InvertedResidual(16, 16, 1, 1),
            InvertedResidual(16, 24, 2, 4),
            InvertedResidual(24, 24, 1, 4),
            InvertedResidual(24, 32, 1, 4),
            *conv_bn(32, 64, 1),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )

    def forward(self, pixels):
        return self.features(pixels / 255.0)


class Classifier(nn.Module):
    def __init__(self, backbone, head):
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, pixels):
        return torch.softmax(self.head(self.backbone(pixels)), dim=1)


def batches(n, size, rng):
    order = rng.permutation(n)
    for i in range(0, n, size):
        yield order[i:i + size]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--torch-out")
    ap.add_argument("--torch-state", help="also save the torch weights (bench/bench_torch.py)")
    ap.add_argument("--quick", action="store_true", help="fewer images (sanitizer builds)")
    ap.add_argument("--min-accuracy", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)  # ctest runs two tests at once on two cores
    rng = np.random.default_rng(a.seed)
    n_pre, n_head = (1000, 2000) if a.quick else (6000, 10000)
    x_all = torch.from_numpy(fashion.images(a.data, "train"))
    y_all = torch.from_numpy(fashion.labels(a.data, "train"))
    t0 = time.time()

    # phase 1: pretrain the backbone with a temporary head, one pass over n_pre images
    backbone, tmp_head = Backbone(), nn.Linear(64, 10)
    opt = torch.optim.Adam(list(backbone.parameters()) + list(tmp_head.parameters()), lr=3e-3)
    backbone.train()
    for idx in batches(n_pre, 64, rng):
        loss = nn.functional.cross_entropy(tmp_head(backbone(x_all[idx])), y_all[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    t1 = time.time()

    # phase 2: freeze it, compute features once, train a new head on them
    backbone.eval()
    for p in backbone.parameters():
        p.requires_grad_(False)
    with torch.no_grad():
        feats = torch.cat([backbone(x_all[i:i + 1000]) for i in range(0, n_head, 1000)])
    labels = y_all[:n_head]
    head = nn.Linear(64, 10)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    for _ in range(30):
        for idx in batches(n_head, 256, rng):
            loss = nn.functional.cross_entropy(head(feats[idx]), labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    t2 = time.time()

    model = Classifier(backbone, head).eval()
    x_test = torch.from_numpy(fashion.images(a.data, "t10k"))
    y_test = fashion.labels(a.data, "t10k")
    with torch.no_grad():
        probs = torch.cat([model(x_test[i:i + 1000]) for i in range(0, len(x_test), 1000)])
    acc = float((probs.argmax(1).numpy() == y_test).mean())
    torch.onnx.export(model, x_test[:2], a.out, opset_version=13, input_names=["pixels"],
                      output_names=["probs"],
                      dynamic_axes={"pixels": {0: "batch"}, "probs": {0: "batch"}})
    add_metadata(a.out, {"shapc.output_names": "\n".join(fashion.CLASSES)})
    if a.torch_out:
        np.save(a.torch_out, probs[:256].numpy().astype(np.float32))
    if a.torch_state:
        torch.save(model.state_dict(), a.torch_state)
    print("train_cnn: pretrain %d images %.1f s, head on %d frozen features %.1f s; "
          "test accuracy %.4f -> %s" % (n_pre, t1 - t0, n_head, t2 - t1, acc, a.out))
    if acc < a.min_accuracy:
        raise SystemExit("train_cnn: accuracy %.4f below %.4f" % (acc, a.min_accuracy))


if __name__ == "__main__":
    main()
