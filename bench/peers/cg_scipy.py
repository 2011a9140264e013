"""The graph-Laplacian CG of AdvCore (AdvCore.Smoothing) against scipy.sparse.linalg.cg on the
same systems, side by side in one run.

    OMP_NUM_THREADS=2 /usr/bin/python3 bench/peers/cg_scipy.py [--images 1000] [--iterations 50]
        [--dir artifacts/cg-peer] [--no-run] [--reps 3]

1. Runs `AdvCore.Bench cg-peer` (unless --no-run): AdvCore builds the graphs of the first N
   MNIST test images (4 neighbours, Laplacian kernel, sigma_f = 0.1, alpha = 0.95), solves
   L_alpha x = b (b ~ N(0,1)) with exactly K CG iterations per image on the fast CPU backend,
   dumps the stencil, b and its solution (cg_dump.safetensors) and its median time
   (cg_advcore.json, at 2 threads and at 1 thread).
2. Builds the identical sparse L_alpha = (I - alpha W') / (1 - alpha) per image (CSR, float64)
   from the dumped stencil, and checks that stencil against W' recomputed here in numpy from
   the images by eq. 4.1 (float64).
3. Runs scipy's cg with x0 = 0, tol = atol = 0 and maxiter = K per image (so exactly K
   iterations, counted with the callback), checks that AdvCore's solutions agree (max |diff| /
   max |x| <= 1e-5 per image), and prints the median per-image times and the ratio.
scipy solves one system at a time on one core; AdvCore's 2-thread time uses both cores, so
the per-core ratio (AdvCore on 1 thread) is printed too.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp
from scipy.sparse.linalg import cg

DTYPES = {"F32": np.float32, "I32": np.int32, "I64": np.int64, "F64": np.float64}
DY = [-1, 0, 0, 1, -1, -1, 1, 1]
DX = [0, -1, 1, 0, -1, 1, -1, 1]


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(blob[8 + n + b:8 + n + e], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return out, meta


def stencil_numpy(image, k=4, sigma_f=0.1, sigma_s=1.0):
    """W' of one image [C, H, W] by eq. 4.1 in float64, as a [k, H, W] stencil."""
    c, h, w = image.shape
    x = image.astype(np.float64)
    raw = np.zeros((k, h, w))
    for s in range(k):
        dy, dx = DY[s], DX[s]
        ys, xs = slice(max(0, -dy), h - max(0, dy)), slice(max(0, -dx), w - max(0, dx))
        yn, xn = slice(max(0, dy), h - max(0, -dy)), slice(max(0, dx), w - max(0, -dx))
        d = np.sqrt(((x[:, ys, xs] - x[:, yn, xn]) ** 2).sum(axis=0))
        raw[s, ys, xs] = np.exp(-d / sigma_f) * np.exp(-(dy * dy + dx * dx) / (2 * sigma_s ** 2))
    deg = raw.sum(axis=0)
    out = np.zeros_like(raw)
    for s in range(k):
        dy, dx = DY[s], DX[s]
        ys, xs = slice(max(0, -dy), h - max(0, dy)), slice(max(0, -dx), w - max(0, dx))
        yn, xn = slice(max(0, dy), h - max(0, -dy)), slice(max(0, dx), w - max(0, -dx))
        out[s, ys, xs] = raw[s, ys, xs] / np.sqrt(deg[ys, xs] * deg[yn, xn])
    return out


def laplacian_csr(stencil, alpha):
    """L_alpha as CSR (float64) from a [k, H, W] stencil of W'."""
    k, h, w = stencil.shape
    n = h * w
    rows, cols, vals = [np.arange(n)], [np.arange(n)], [np.full(n, 1.0 / (1.0 - alpha))]
    yy, xx = np.divmod(np.arange(n), w)
    for s in range(k):
        ny, nx = yy + DY[s], xx + DX[s]
        inside = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
        rows.append(np.arange(n)[inside])
        cols.append((ny * w + nx)[inside])
        vals.append(-alpha / (1.0 - alpha) * stencil[s].reshape(n)[inside].astype(np.float64))
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--dir", default="artifacts/cg-peer")
    ap.add_argument("--no-run", action="store_true", help="use an existing dump in --dir")
    ap.add_argument("--reps", type=int, default=3, help="scipy timing repetitions per image (the median is kept)")
    ap.add_argument("--bench-dll", default=os.environ.get("ADVCORE_BENCH_DLL",
                                                         "bench/AdvCore.Bench/bin/Release/net10.0/AdvCore.Bench.dll"))
    args = ap.parse_args()

    if not args.no_run:
        subprocess.run(["dotnet", args.bench_dll, "cg-peer", "--out", args.dir, "--images", str(args.images),
                        "--iterations", str(args.iterations), "--threads", "2"], check=True)
    dump, meta = read_safetensors(os.path.join(args.dir, "cg_dump.safetensors"))
    with open(os.path.join(args.dir, "cg_advcore.json")) as f:
        ours = json.load(f)
    alpha = float(meta["alpha"])
    images, weights, b, x_ours = dump["images"], dump["weights"], dump["b"], dump["x"]
    n, k, h, w = weights.shape
    assert ours["iterations"] == args.iterations and n == args.images, "the dump is from another run"

    worst_stencil = 0.0
    for i in range(n):
        worst_stencil = max(worst_stencil, np.abs(stencil_numpy(images[i], k) - weights[i]).max())
    print(f"stencil W' from AdvCore vs numpy eq. 4.1 (float64): max |diff| = {worst_stencil:.2e} over {n} images")
    matrices = [laplacian_csr(weights[i], alpha) for i in range(n)]

    times, worst, iters_seen = [], 0.0, set()
    for i in range(n):
        A, rhs = matrices[i], b[i].reshape(-1).astype(np.float64)
        best = None
        for _ in range(args.reps):
            count = [0]

            def callback(_xk):
                count[0] += 1

            t0 = time.perf_counter()
            sol, info = cg(A, rhs, x0=np.zeros_like(rhs), tol=0.0, atol=0.0, maxiter=args.iterations,
                           callback=callback)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        iters_seen.add(count[0])
        times.append(best)
        mine = x_ours[i].reshape(-1).astype(np.float64)
        worst = max(worst, np.abs(mine - sol).max() / np.abs(sol).max())
    per_image_scipy = float(np.median(times)) * 1e6
    print(f"scipy {scipy.__version__} cg: iterations per image {sorted(iters_seen)}; median {per_image_scipy:.1f} us "
          f"per image (min of {args.reps} per image, median over {n} images), 1 core, float64")
    print(f"AdvCore vs scipy solutions: worst max|diff|/max|x| = {worst:.2e} (limit 1e-5)")
    ok = worst <= 1e-5 and worst_stencil <= 1e-6 and iters_seen == {args.iterations}
    for t in ours["timings"]:
        ratio = per_image_scipy / t["per_image_us"]
        print(f"AdvCore fast CPU, {t['threads']} thread(s): {t['per_image_us']:.2f} us per image "
              f"(batch of {n}: median {t['batch_ms_median']:.2f} ms) -> {ratio:.1f}x scipy")
    summary = {"scipy_version": scipy.__version__, "scipy_per_image_us": round(per_image_scipy, 3),
               "agreement_rel_max": worst, "stencil_max_diff": worst_stencil, "advcore": ours["timings"],
               "ok": bool(ok)}
    with open(os.path.join(args.dir, "cg_summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    if not ok:
        print("FAILED: solutions, stencil or iteration counts disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
