#!/usr/bin/python3
"""Reference FMN (Pintor et al., NeurIPS 2021) in PyTorch, written from the paper and
adversarial-library's `fmn` (L2 and L-inf only, no starting points), to check AdvCore's
src/AdvCore/Attacks/Methods/Fmn.cs side by side on the same model file and images.

    OMP_NUM_THREADS=2 /usr/bin/python3 bench/peers/fmn_reference.py \
        --model /work/runs/c4.safetensors --count 100 --steps 10,100,1000 [--norm 2|inf] [--double]
    # one image, every step's eps, ||delta||, loss, ||grad|| (to diff against a C# trace):
    ... --trace 0 --steps 10 --double

For each K it prints, over the first N MNIST test images (clean misclassifications count as
successes at distance 0, like `advcore attack`):
  real : adv-lib's output (best_adv) and, like AdvCore's two offers, the better of best_adv
         and the last iterate;
  8-bit: the same candidates rounded to the 8-bit grid, re-judged by the model.
P_suc is the fraction adversarial; the median L2 (and L-inf) is over all N images with
failures at +inf (AttackBench convention), and the median over the successes only.
"""
import argparse
import gzip
import math
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from advcore_torch import load_model  # noqa: E402


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">i", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "i" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist_test(root, n):
    x = read_idx(os.path.join(root, "t10k-images-idx3-ubyte.gz"))[:n]
    y = read_idx(os.path.join(root, "t10k-labels-idx1-ubyte.gz"))[:n]
    x = torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)
    return x, torch.from_numpy(y.astype(np.int64))


def logit_margin(logits, labels):
    """z_y - max_{j != y} z_j per row."""
    z_y = logits.gather(1, labels[:, None]).squeeze(1)
    other = logits.scatter(1, labels[:, None], float("-inf")).amax(dim=1)
    return z_y - other


def project_l2_(delta, eps):
    norms = delta.flatten(1).norm(p=2, dim=1)
    scale = torch.where(norms > eps, eps / norms.clamp(min=1e-12), torch.ones_like(norms))
    delta.mul_(scale.view(-1, *[1] * (delta.ndim - 1)))


def project_linf_(delta, eps):
    e = eps.view(-1, *[1] * (delta.ndim - 1))
    torch.maximum(torch.minimum(delta, e), -e, out=delta)


def fmn(model, inputs, labels, norm, targeted=False, steps=10, alpha_init=1.0, alpha_final=None,
        gamma_init=0.05, gamma_final=0.001, trace=None):
    """adv-lib's fmn for norm in {2, inf}, delta starting at 0. Returns (best_adv, last iterate)."""
    n = len(inputs)
    view = lambda t: t.view(n, *[1] * (inputs.ndim - 1))  # noqa: E731
    dual = {2: 2, float("inf"): 1}[norm]
    project_ = project_l2_ if norm == 2 else project_linf_
    alpha_final = alpha_init / 100 if alpha_final is None else alpha_final
    multiplier = 1 if targeted else -1

    delta = torch.zeros_like(inputs, requires_grad=True)
    epsilon = torch.full((n,), float("inf"), dtype=inputs.dtype)
    worst_norm = torch.maximum(inputs, 1 - inputs).flatten(1).norm(p=norm, dim=1)
    best_norm = worst_norm.clone()
    best_adv = inputs.clone()
    adv_found = torch.zeros(n, dtype=torch.bool)

    for i in range(steps):
        cosine = (1 + math.cos(math.pi * i / steps)) / 2
        alpha = alpha_final + (alpha_init - alpha_final) * cosine
        gamma = gamma_final + (gamma_init - gamma_final) * cosine

        delta_norm = delta.detach().flatten(1).norm(p=norm, dim=1)
        adv_inputs = inputs + delta
        logits = model(adv_inputs)
        pred = logits.argmax(dim=1)
        loss = multiplier * logit_margin(logits, labels)
        g, = torch.autograd.grad(loss.sum(), delta)

        is_adv = (pred == labels) if targeted else (pred != labels)
        is_both = is_adv & (delta_norm < best_norm)
        adv_found |= is_adv
        best_norm = torch.where(is_both, delta_norm, best_norm)
        best_adv = torch.where(view(is_both), adv_inputs.detach(), best_adv)

        to_boundary = loss.detach().abs() / g.flatten(1).norm(p=dual, dim=1).clamp(min=1e-12)
        epsilon = torch.where(is_adv, torch.minimum(epsilon * (1 - gamma), best_norm),
                              torch.where(adv_found, epsilon * (1 + gamma), delta_norm + to_boundary))
        epsilon = torch.minimum(epsilon, worst_norm)

        g_l2 = g.flatten(1).norm(p=2, dim=1).clamp(min=1e-12)
        if trace is not None:
            t = trace
            print(f"  step {i:4d} alpha {alpha:.6f} gamma {gamma:.6f} |delta| {delta_norm[t].item():.9g} "
                  f"loss {loss[t].item():.9g} |g|2 {g_l2[t].item():.9g} "
                  f"|g|dual {g.flatten(1).norm(p=dual, dim=1)[t].item():.9g} adv {int(is_adv[t])} "
                  f"eps {epsilon[t].item():.9g} best {best_norm[t].item():.9g}")
        with torch.no_grad():
            delta.add_(g / view(g_l2), alpha=alpha)
            project_(delta, epsilon)
            delta.add_(inputs).clamp_(0, 1).sub_(inputs)

    return best_adv, (inputs + delta).detach()


def judge(model, x, labels, cands, quantize):
    """Per image: the smallest-L2 adversarial among candidates (AdvCore's Offer); distances inf if none."""
    n = len(x)
    best_l2 = torch.full((n,), float("inf"), dtype=torch.float64)
    best_li = torch.full((n,), float("inf"), dtype=torch.float64)
    with torch.no_grad():
        clean_wrong = model(x).argmax(1) != labels
        best_l2[clean_wrong] = 0
        best_li[clean_wrong] = 0
        for c in cands:
            c = torch.round(c.clamp(0, 1) * 255) / 255 if quantize else c.clamp(0, 1)
            adv = model(c).argmax(1) != labels
            d = (c - x).flatten(1).double()
            l2, li = d.norm(dim=1), d.abs().amax(dim=1)
            take = adv & (l2 < best_l2)
            best_l2 = torch.where(take, l2, best_l2)
            best_li = torch.where(take, li, best_li)
    return best_l2, best_li


def summary(l2, li):
    ok = torch.isfinite(l2)
    succ = l2[ok].median().item() if ok.any() else float("nan")
    return f"P_suc {ok.float().mean().item():6.1%} ({int(ok.sum()):3d}/{len(l2)})  " \
           f"median L2 {l2.median().item():8.4f} (of successes {succ:.4f})  median Linf {li.median().item():7.4f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="/work/runs/c4.safetensors")
    ap.add_argument("--data", default=os.path.join(os.environ.get("ADVCORE_DATA", "/work/shared/datasets"), "mnist"))
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--steps", default="10,100,1000")
    ap.add_argument("--norm", default="2", choices=["2", "inf"])
    ap.add_argument("--double", action="store_true", help="run model and attack in float64 (adv-lib: float32)")
    ap.add_argument("--trace", type=int, default=None, help="print every step of this image index")
    ap.add_argument("--save", default=None, help="write per-image distances (npz) here")
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))

    model, _ = load_model(args.model)
    for p in model.parameters():
        p.requires_grad_(False)
    x, y = load_mnist_test(args.data, args.count)
    if args.double:
        model, x = model.double(), x.double()
    norm = 2 if args.norm == "2" else float("inf")
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    print(f"model {args.model}  N={len(x)}  clean accuracy {acc:.1%}  FMN-L{args.norm}  "
          f"{'float64' if args.double else 'float32'}")
    saved = {}
    for k in [int(s) for s in args.steps.split(",")]:
        best, last = fmn(model, x, y, norm, steps=k, trace=args.trace)
        for q in (False, True):
            tag = "8-bit" if q else "real "
            l2a, lia = judge(model, x, y, [best], q)
            l2b, lib = judge(model, x, y, [best, last], q)
            print(f"K={k:5d} {tag} best_adv       : {summary(l2a, lia)}")
            print(f"K={k:5d} {tag} best_adv|last  : {summary(l2b, lib)}")
            saved[f"k{k}_{'q' if q else 'r'}_l2"] = l2b.numpy()
        with torch.no_grad():
            m = logit_margin(model(last), y)
        print(f"K={k:5d} last iterate margin z_y - max z_j: median {m.median().item():.4f}  "
              f"(<0 on {int((m < 0).sum())}/{len(m)})")
    if args.save:
        np.savez(args.save, **saved)


if __name__ == "__main__":
    main()
