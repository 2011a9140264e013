"""Rebuild an AdvCore model file (safetensors + architecture JSON, docs/model-format.md) as a
PyTorch nn.Sequential, and read/write safetensors without the safetensors package (Debian's
PyTorch 1.13 has none)."""
import json
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def read_safetensors(path):
    """Returns ({name: np.ndarray}, metadata dict)."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_len])
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        arr = np.frombuffer(blob[base + begin:base + end], dtype=_DTYPES[info["dtype"]])
        tensors[name] = arr.reshape(info["shape"]).copy()
    return tensors, meta


def write_safetensors(path, tensors, metadata=None):
    header, offset, chunks = {}, 0, []
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        raw = arr.tobytes()
        header[name] = {"dtype": _NAMES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


class Conv2dPadded(nn.Module):
    """Conv with our padding rules: 'same' is TensorFlow's for any stride (PyTorch's
    padding='same' is stride 1 only): output = ceil(in / stride), the odd pixel of padding at
    the bottom/right; otherwise fixed (top, bottom, left, right). Parameters are named
    weight/bias directly so state_dict names match the file."""

    def __init__(self, cin, cout, k, stride, padding, bias=True):
        super().__init__()
        self.stride, self.k, self.padding = stride, k, padding
        self.weight = nn.Parameter(torch.empty(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None

    def pads(self, h, w):
        if self.padding == "same":
            out = []
            for size in (w, h):  # F.pad wants (left, right, top, bottom)
                o = -(-size // self.stride)
                total = max((o - 1) * self.stride + self.k - size, 0)
                out += [total // 2, total - total // 2]
            return out
        t, b, l, r = (0, 0, 0, 0) if self.padding == "valid" else self.padding
        return [l, r, t, b]

    def forward(self, x):
        p = self.pads(x.shape[2], x.shape[3])
        if any(p):
            x = F.pad(x, p)
        return F.conv2d(x, self.weight, self.bias, self.stride)


class Residual(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return x + self.body(x)


class BoundedReLU(nn.Module):
    def __init__(self, t):
        super().__init__()
        self.t = t

    def forward(self, x):
        return torch.clamp(x, 0.0, self.t)


def _build(layers, shape):
    """shape = (C, H, W) or (features,); returns (nn.Sequential, output shape)."""
    mods = []
    for spec in layers:
        kind = spec["type"]
        if kind == "conv2d":
            c, h, w = shape
            k, s, pad = spec["kernel"], spec["stride"], spec["padding"]
            conv = Conv2dPadded(c, spec["out_channels"], k, s, pad, spec.get("bias", True))
            l, r, t, b = conv.pads(h, w)
            mods.append(conv)
            shape = (spec["out_channels"], (h + t + b - k) // s + 1, (w + l + r - k) // s + 1)
        elif kind == "linear":
            n = int(np.prod(shape))
            mods.append(nn.Linear(n, spec["out_features"], bias=spec.get("bias", True)))
            shape = (spec["out_features"],)
        elif kind == "relu":
            mods.append(nn.ReLU())
        elif kind == "leaky_relu":
            mods.append(nn.LeakyReLU(spec["slope"]))
        elif kind == "bounded_relu":
            mods.append(BoundedReLU(spec["t"]))
        elif kind in ("max_pool", "avg_pool"):
            c, h, w = shape
            k, s, p = spec["kernel"], spec["stride"], spec.get("padding", 0)
            mods.append(nn.MaxPool2d(k, s, p) if kind == "max_pool" else nn.AvgPool2d(k, s, p))
            shape = (c, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1)
        elif kind == "global_avg_pool":
            mods.append(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()))
            shape = (shape[0],)
        elif kind == "batch_norm":
            cls = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
            mods.append(cls(shape[0], eps=spec.get("eps", 1e-5), momentum=spec.get("momentum", 0.1)))
        elif kind == "dropout":
            mods.append(nn.Dropout(spec["p"]))
        elif kind == "flatten":
            mods.append(nn.Flatten())
            shape = (int(np.prod(shape)),)
        elif kind == "residual":
            body, out = _build(spec["body"], shape)
            if tuple(out) != tuple(shape):
                raise ValueError(f"residual body changes the shape {shape} -> {out}")
            mods.append(Residual(body))
        else:
            raise ValueError(f"unknown layer type {kind!r}")
    return nn.Sequential(*mods), shape


def load_model(path):
    tensors, meta = read_safetensors(path)
    arch = json.loads(meta["architecture"])
    model, _ = _build(arch["layers"], tuple(arch["input"]))
    state = {}
    for name, param in model.state_dict().items():
        key = name
        if key not in tensors:
            if name.endswith("num_batches_tracked"):
                state[name] = param
                continue
            raise KeyError(f"{path}: tensor {key} missing")
        state[name] = torch.from_numpy(tensors[key]).reshape(param.shape)
    model.load_state_dict(state)
    model.eval()
    return model, arch
