"""train_text - a two-layer transformer-encoder sentiment classifier, to ONNX for shapc's
text pipeline (docs/onnx.md "Text models", README.md).

    /usr/bin/python3 train_text.py TOKENIZER CORPUS.tsv OUT.onnx [--ids ids.npy]
        [--torch-out torch.npy] [--torch-state state.pt] [--epochs N] [--min-accuracy A]

TOKENIZER is shapc-onnx-tokenize (tokenize.c): the words are shapc_text_tokenize's, so the
vocabulary matches what shapc sees when it explains. The model, BERT-style and small:

    token ids (batch, 32) -> embedding 32 + learned positions
      -> 2 x [self-attention, 2 heads, padding masked out -> Add & LayerNorm
              -> dense 64 GELU -> dense 32 -> Add & LayerNorm]
      -> mean over the non-padding positions -> dense 2 softmax ("neg", "pos")

Padding is ignored exactly: a pad position's keys get -1e9 before the softmax (its weight is
0 in float32) and it is left out of the mean (which stays finite for an empty document), so
shapc can remove a word by writing the pad id in its place. While training, words are
replaced by <mask> or by padding with probability 0.1 each, so both are things the model
has seen. The vocabulary and the unk/pad/mask ids go into the file's metadata.

Four fifths of corpus.tsv train, the last fifth (after one seeded shuffle) is held out; both
accuracies are printed. --ids writes every sentence as a row of 32 token ids (floats, -1 for
empty slots: shapc's input rows), --torch-out torch's probabilities on those rows.
"""
import argparse
import math
import subprocess

import numpy as np
import torch
from torch import nn

from onnx_meta import add_metadata

L, E, HEADS, FF, LAYERS = 32, 32, 2, 64, 2
PAD, UNK, MASK = 0, 1, 2


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(E, E) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(E), nn.LayerNorm(E)
        self.ff1, self.ff2 = nn.Linear(E, FF), nn.Linear(FF, E)

    def forward(self, x, bias):
        b = x.shape[0]
        hd = E // HEADS

        def heads(t):  # (b, L, E) -> (b, heads, L, hd)
            return t.reshape(b, L, HEADS, hd).transpose(1, 2)

        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        att = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(hd) + bias, dim=-1)
        ctx = (att @ v).transpose(1, 2).reshape(b, L, E)
        x = self.ln1(x + self.o(ctx))
        return self.ln2(x + self.ff2(nn.functional.gelu(self.ff1(x))))


class Classifier(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, E)
        self.pos = nn.Parameter(torch.randn(L, E) * 0.1)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.head = nn.Linear(E, 2)
        valid = torch.ones(vocab_size)
        valid[PAD] = 0.0
        self.register_buffer("valid", valid)

    def forward(self, ids):
        keep = self.valid[ids]                              # (b, L): 0 at padding
        bias = ((keep - 1.0) * 1e9)[:, None, None, :]       # padding keys -> -1e9
        x = self.emb(ids) + self.pos
        for blk in self.blocks:
            x = blk(x, bias)
        pooled = (x * keep[:, :, None]).mean(1) / (keep.mean(1, keepdim=True) + 1e-6)
        return torch.softmax(self.head(pooled), dim=-1)


def load_for_bench(state_path, ids_path):
    """(model, ids tensor) for bench/bench_torch.py: sizes from the saved weights."""
    state = torch.load(state_path)
    model = Classifier(state["emb.weight"].shape[0])
    x = np.load(ids_path)
    x = np.where(x < 0, PAD, x).astype(np.int64)
    return model, torch.from_numpy(x)


def tokenize(tokenizer, path):
    out = subprocess.run([tokenizer, path], check=True, capture_output=True).stdout
    rows = []
    for line in out.decode("utf-8").split("\n"):
        if not line:
            continue
        label, _, text = line.partition("\t")
        rows.append((label, [t for t in text.split("\x1f") if t]))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tokenizer")
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--ids")
    ap.add_argument("--torch-out")
    ap.add_argument("--torch-state")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--min-accuracy", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    rng = np.random.default_rng(a.seed)

    docs = tokenize(a.tokenizer, a.corpus)
    order = rng.permutation(len(docs))
    n_test = len(docs) // 5
    train, test = order[:len(docs) - n_test], order[len(docs) - n_test:]
    vocab = ["<pad>", "<unk>", "<mask>"]
    index = {w: i for i, w in enumerate(vocab)}
    for i in train:
        for w in docs[i][1]:
            if w not in index:
                index[w] = len(vocab)
                vocab.append(w)
    ids = np.full((len(docs), L), PAD, dtype=np.int64)
    for r, (_, toks) in enumerate(docs):
        toks = [index.get(w, UNK) for w in toks][:L]
        ids[r, :len(toks)] = toks
    y = np.array([1 if lab == "pos" else 0 for lab, _ in docs], dtype=np.int64)

    model = Classifier(len(vocab))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    x_tr, y_tr = torch.from_numpy(ids[train]), torch.from_numpy(y[train])
    for _ in range(a.epochs):
        model.train()
        for s in range(0, len(train), 16):
            xb = x_tr[s:s + 16].clone()
            real = xb != PAD
            u = torch.rand(xb.shape)
            xb[real & (u < 0.1)] = MASK                     # as --text-mask token does
            xb[real & (u >= 0.1) & (u < 0.2)] = PAD         # as removal does
            loss = -torch.log(model(xb)[torch.arange(len(xb)), y_tr[s:s + 16]] + 1e-9).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        perm = torch.randperm(len(train))
        x_tr, y_tr = x_tr[perm], y_tr[perm]
    model.eval()
    with torch.no_grad():
        probs = model(torch.from_numpy(ids)).numpy().astype(np.float32)
    acc_tr = float((probs[train].argmax(1) == y[train]).mean())
    acc_te = float((probs[test].argmax(1) == y[test]).mean())
    torch.onnx.export(model, torch.from_numpy(ids[:2]), a.out, opset_version=17,
                      input_names=["ids"], output_names=["probs"],
                      dynamic_axes={"ids": {0: "batch"}, "probs": {0: "batch"}})
    add_metadata(a.out, {"shapc.vocab": "\n".join(vocab), "shapc.unk_id": str(UNK),
                         "shapc.pad_id": str(PAD), "shapc.mask_id": str(MASK),
                         "shapc.output_names": "neg\npos"})
    if a.ids:
        np.save(a.ids, np.where(ids == PAD, -1, ids).astype(np.float32))
    if a.torch_out:
        np.save(a.torch_out, probs)
    if a.torch_state:
        torch.save(model.state_dict(), a.torch_state)
    print("train_text: vocabulary %d words, %d training / %d held-out sentences; accuracy "
          "training %.3f, held-out %.3f -> %s" % (len(vocab), len(train), n_test, acc_tr, acc_te,
                                                  a.out))
    if acc_te < a.min_accuracy:
        raise SystemExit("train_text: held-out accuracy %.3f below %.3f" % (acc_te, a.min_accuracy))


if __name__ == "__main__":
    main()
