"""PyTorch side of the randomized-smoothing comparison (run after `AdvCore.Bench smooth-peer`).

Reads DIR/smooth_advcore.json and DIR/smooth_dump.safetensors, rebuilds the same model from the
same model file, and does the same work: Cohen et al.'s CERTIFY (n0 + n noisy copies per image in
chunks of the same size, argmax counts, Clopper-Pearson lower bound with scipy) on the same
images, and prediction-voting smoothed inference over m copies of the same batch (median of the
same repetitions). The noise streams differ (torch vs Philox), so certificates are compared
statistically: the same class, lower bounds within 0.01 (n = 100 000 puts their sampling spread
near 0.001). Prints the AdvCore/PyTorch throughput ratios. Usage:

    OMP_NUM_THREADS=2 /usr/bin/python3 bench/peers/smooth_peer.py --dir DIR
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from scipy.stats import beta, norm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from advcore_torch import load_model, read_safetensors  # noqa: E402


def sample_counts(model, x, sigma, samples, chunk, classes):
    counts = torch.zeros(classes, dtype=torch.long)
    left = samples
    with torch.no_grad():
        while left > 0:
            c = min(chunk, left)
            batch = x.repeat(c, 1, 1, 1)
            batch = batch + torch.randn_like(batch) * sigma
            counts += torch.bincount(model(batch).argmax(1), minlength=classes)
            left -= c
    return counts


def certify(model, x, sigma, n0, n, alpha, chunk, classes):
    top = int(sample_counts(model, x, sigma, n0, chunk, classes).argmax())
    na = int(sample_counts(model, x, sigma, n, chunk, classes)[top])
    lower = beta.ppf(alpha, na, n - na + 1) if na > 0 else 0.0  # one-sided Clopper-Pearson
    radius = sigma * norm.ppf(lower) if lower > 0.5 else 0.0
    return (top if lower > 0.5 else -1), na, float(lower), float(radius)


def vote(model, x, sigma, m, chunk, classes):
    b = x.shape[0]
    with torch.no_grad():
        scores = torch.zeros(b, classes)
        per = max(1, chunk // m)
        for i in range(0, b, per):
            xs = x[i:i + per]
            copies = xs.repeat(m, 1, 1, 1)  # copy-major, as AdvCore
            copies = copies + torch.randn_like(copies) * sigma
            p = model(copies).argmax(1).reshape(m, xs.shape[0])
            scores[i:i + xs.shape[0]] = torch.nn.functional.one_hot(p, classes).sum(0).float()
    return scores.argmax(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    with open(os.path.join(args.dir, "smooth_advcore.json")) as f:
        ours = json.load(f)
    dump, _ = read_safetensors(os.path.join(args.dir, "smooth_dump.safetensors"))
    images = torch.from_numpy(dump["images"])
    labels = torch.from_numpy(dump["labels"]).long()
    model, arch = load_model(ours["model"])
    classes = int(arch.get("classes", 10))
    torch.manual_seed(0)
    sigma, n, n0, alpha, chunk = ours["sigma"], ours["n"], ours["n0"], ours["alpha"], ours["chunk"]
    threads = torch.get_num_threads()

    certify(model, images[:1], sigma, n0, min(n, chunk), alpha, chunk, classes)  # warm-up
    t0 = time.perf_counter()
    certs = [certify(model, images[i:i + 1], sigma, n0, n, alpha, chunk, classes) for i in range(ours["images"])]
    seconds = time.perf_counter() - t0
    torch_rate = ours["images"] / seconds
    print(f"PyTorch {torch.__version__} CERTIFY ({threads} threads): {ours['images']} images x (n0 {n0} + n {n}) in {seconds:.2f} s = "
          f"{torch_rate:.4f} images/s ({ours['images'] * (n + n0) / seconds:.0f} forwards/s)")
    agree = True
    for c, (pred, na, lower, radius) in zip(ours["certificates"], certs):
        same = c["prediction"] == pred and abs(c["lower"] - lower) <= 0.01
        agree &= same
        print(f"  image {c['index']}: AdvCore class {c['prediction']} p_lower {c['lower']:.5f} radius {c['radius']:.4f} | "
              f"PyTorch class {pred} p_lower {lower:.5f} radius {radius:.4f}{'' if same else '  <- DIFFERS'}")

    x = images[:ours["batch"]]
    m = ours["m"]
    vote(model, x, sigma, m, chunk, classes)  # warm-up
    times = []
    for _ in range(ours["reps"]):
        t0 = time.perf_counter()
        p = vote(model, x, sigma, m, chunk, classes)
        times.append((time.perf_counter() - t0) * 1000)
    median = statistics.median(times)
    accuracy = float((p == labels[:ours["batch"]]).float().mean())
    print(f"PyTorch smoothed inference: {ours['batch']} images x m {m} in {median:.2f} ms (median of {ours['reps']}); accuracy {accuracy:.3f} "
          f"(AdvCore {ours['inference_accuracy']:.3f})")
    print(f"CERTIFY n={n}: AdvCore/PyTorch throughput = {ours['certify_images_per_s'] / torch_rate:.2f}")
    print(f"smoothed inference m={m}: AdvCore/PyTorch speedup = {median / ours['inference_ms_median']:.2f}")
    if not agree:
        print("certificates differ beyond sampling error: the timings do not compare equal work", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
