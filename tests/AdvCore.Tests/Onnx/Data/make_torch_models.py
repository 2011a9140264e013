"""Exports small PyTorch classifiers to ONNX for AdvCore's import tests (tests/AdvCore.Tests/Onnx).

Usage: OMP_NUM_THREADS=1 python3 make_torch_models.py OUT_DIR [NAME:OPSET:FLATTEN:DYNAMIC ...]
  FLATTEN: flatten (torch.flatten -> Flatten), view (x.view(x.size(0), -1) -> Shape/Gather/
  Concat/Reshape), gap (AdaptiveAvgPool2d(1) -> GlobalAveragePool + Flatten).
  DYNAMIC: 1 for a symbolic batch axis, 0 for a batch fixed at export.
Each NAME.onnx comes with NAME.json: the input batch, PyTorch's logits for it, torch version, opset.
An export this torch version refuses (an opset it no longer offers) leaves NAME.error instead.
The network covers every operator the importer maps: Conv (+ BatchNorm folded in by the exporter),
LeakyReLU, MaxPool with padding, an identity-shortcut residual block, Hardtanh(0, t) (Clip),
BatchNorm2d after an activation (kept), AvgPool, Dropout, Linear (Gemm), BatchNorm1d and a
bias-free Linear (MatMul).
"""
import inspect
import json
import os
import sys

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = nn.Conv2d(c, c, 3, padding=1)
        self.b = nn.Conv2d(c, c, 1)

    def forward(self, x):
        return x + self.b(torch.relu(self.a(x)))


class Net(nn.Module):
    def __init__(self, flatten):
        super().__init__()
        self.flatten = flatten
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.LeakyReLU(0.1),
            nn.MaxPool2d(3, 2, padding=1),                 # 16 -> 8
            Block(8), nn.Hardtanh(0.0, 3.0), nn.BatchNorm2d(8),
            nn.Conv2d(8, 16, 3, stride=2), nn.ReLU(),      # 8 -> 3
        )
        self.pool = nn.AdaptiveAvgPool2d(1) if flatten == "gap" else nn.AvgPool2d(2, 1)  # 3 -> 1 or 2
        self.drop = nn.Dropout(0.25)
        features = 16 if flatten == "gap" else 64
        self.head = nn.Sequential(nn.Linear(features, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10, bias=False))

    def forward(self, x):
        x = self.drop(self.pool(self.features(x)))
        x = x.view(x.size(0), -1) if self.flatten == "view" else torch.flatten(x, 1)
        return self.head(x)


def randomize_batch_norm(net, gen):
    for m in net.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.weight.data = 0.5 + torch.rand(n, generator=gen)
            m.bias.data = 0.4 * torch.rand(n, generator=gen) - 0.2
            m.running_mean = 0.4 * torch.rand(n, generator=gen) - 0.2
            m.running_var = 0.5 + 1.5 * torch.rand(n, generator=gen)


def export(out_dir, name, opset, flatten, dynamic):
    gen = torch.Generator().manual_seed(1234)
    torch.manual_seed(1234)
    net = Net(flatten)
    randomize_batch_norm(net, gen)
    # A few Adam steps fitting random labels of 64 varied inputs: logits of a few units and
    # images in different classes, so that agreement within 1e-4 and equal classes mean something.
    train_x = torch.randn(64, 3, 16, 16, generator=gen) * torch.linspace(0.5, 3.0, 64).view(-1, 1, 1, 1) \
        + 2 * torch.randn(64, 3, 1, 1, generator=gen)
    train_y = torch.randint(0, 10, (64,), generator=gen)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    net.train()
    for _ in range(60):
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(train_x), train_y).backward()
        optimizer.step()
    net.eval()
    batch = 8 if dynamic else 1
    x = train_x[:batch]
    with torch.no_grad():
        logits = net(x)
    path = os.path.join(out_dir, name + ".onnx")
    # The TorchScript exporter (torch >= 2.5 also has a dynamo-based one, the default from 2.9).
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    try:
        torch.onnx.export(net, x, path, opset_version=opset, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}} if dynamic else None, **legacy)
    except Exception as e:  # noqa: BLE001 - reported to the test, which skips this case
        with open(os.path.join(out_dir, name + ".error"), "w") as f:
            f.write(f"torch {torch.__version__} cannot export opset {opset}: {type(e).__name__}: {e}".splitlines()[0])
        return
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump({"torch": torch.__version__, "opset": opset, "flatten": flatten,
                   "input_shape": list(x.shape), "input": x.flatten().tolist(),
                   "logits": logits.flatten().tolist()}, f)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for spec in sys.argv[2:]:
        name, opset, flatten, dynamic = spec.split(":")
        export(out, name, int(opset), flatten, dynamic == "1")
        print(name)
