"""PyTorch's run of exprsim's reference head (src/models/reference-head.ts), for `npm run bench -- engine`.

The same network, loss and optimiser as bench/suites/engine.ts measures on exprsim: input
[96, 12, 12, 512] (channels-first here, as PyTorch prefers), 1x1 conv 256, a dense block of 5
bottleneck layers (BN-ReLU-1x1 conv 128-BN-ReLU-3x3 conv 32, concatenated), BN-ReLU, global
average pool, dense 512 + ReLU, dense 16, L2 normalise; FECNet's triplet loss (margin 0.2) over
32 triplets; Adam 1e-3. Prints one JSON line of the same fields the exprsim suite prints.

    python3 bench/torch/reference-head.py --threads 1 --runs 9 --what train,embed
"""
import argparse
import json
import time

import torch
from torch import nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    def __init__(self, cin, k):
        super().__init__()
        # Keras' BN defaults, as exprsim's layer: epsilon 1e-3, momentum 0.99 (PyTorch: 0.01).
        self.bn1 = nn.BatchNorm2d(cin, eps=1e-3, momentum=0.01)
        self.conv1 = nn.Conv2d(cin, 4 * k, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(4 * k, eps=1e-3, momentum=0.01)
        self.conv3 = nn.Conv2d(4 * k, k, 3, padding=1, bias=False)

    def forward(self, x):
        y = self.conv1(F.relu(self.bn1(x)))
        y = self.conv3(F.relu(self.bn2(y)))
        return torch.cat([x, y], 1)


class ReferenceHead(nn.Module):
    def __init__(self, cin=512, layers=5, k=32, dim=16):
        super().__init__()
        self.stem = nn.Conv2d(cin, 256, 1, bias=False)
        c = 256
        blocks = []
        for _ in range(layers):
            blocks.append(Bottleneck(c, k))
            c += k
        self.block = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)
        self.fc1 = nn.Linear(c, 512)
        self.fc2 = nn.Linear(512, dim)

    def forward(self, x):
        x = F.relu(self.bn(self.block(self.stem(x))))
        x = x.mean((2, 3))
        return F.normalize(self.fc2(F.relu(self.fc1(x))), dim=1)


def fec_triplet_loss(emb, margin):
    a, p, n = emb.view(-1, 3, emb.shape[1]).unbind(1)
    ap = (a - p).pow(2).sum(1)
    an = (a - n).pow(2).sum(1)
    pn = (p - n).pow(2).sum(1)
    return (F.relu(ap - an + margin) + F.relu(ap - pn + margin)).mean()


def time_runs(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    t = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        t.append(time.perf_counter() - start)
    s = sorted(t)
    m = len(s) // 2
    median = s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2
    return {"median": median, "min": s[0], "max": s[-1], "runs": runs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--what", default="train,embed")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    what = args.what.split(",")
    model = ReferenceHead()
    out = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "mkldnn": torch.backends.mkldnn.is_available(),
    }
    if "train" in what:
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.randn(96, 512, 12, 12)

        def step():
            opt.zero_grad()
            loss = fec_triplet_loss(model(x), 0.2)
            loss.backward()
            opt.step()
            return loss.item()

        t = time_runs(step, args.runs, args.warmup)
        out["trainStep"] = {**t, "stepsPerSec": 1 / t["median"], "tripletsPerSec": 32 / t["median"]}
    if "embed" in what:
        model.eval()
        x96 = torch.randn(96, 512, 12, 12)
        x1 = torch.randn(1, 512, 12, 12)
        with torch.no_grad():
            t96 = time_runs(lambda: model(x96), args.runs, 2)
            t1 = time_runs(lambda: model(x1), max(args.runs, 15), 3)
        out["embedBatch96"] = {**t96, "embeddingsPerSec": 96 / t96["median"]}
        out["embedBatch1"] = {**t1, "latencyMs": t1["median"] * 1000}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
