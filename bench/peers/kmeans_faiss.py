"""Patch k-means and exact nearest-codeword assignment, AdvCore against faiss, same data, same start.

    OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/peers/kmeans_faiss.py --dir DIR [--threads 2] [--reps 5]
        [--markdown FILE]

Reads what `AdvCore.Bench kmeans-peer --out DIR` wrote (bench/peers/kmeans.sh runs both):
DIR/kmeans_dump.safetensors (per case "d9." = 3x3 and "d25." = 5x5 MNIST patches: the points, our
k-means++ initial centroids, our final centroids, the queries, the assignment codebook and our
nearest index/distance per query and K) and DIR/kmeans_advcore.json (settings and our timings).
Then, with faiss.omp_set_num_threads(threads):

1. k-means: faiss.Kmeans(d, K, niter=N, seed, max_points_per_centroid=10**9 (no subsampling),
   verbose=False).train(points, init_centroids=<our seeding>), after a 1-iteration warm-up.
   Seconds per iteration = median of the differences of faiss's cumulative iteration_stats time
   over iterations 2..N (one assignment + one update each, as on our side). Objective: the
   trajectories (ours after i updates vs faiss obj[i] / n, which faiss computes at the search of
   iteration i+1) and the final mean squared distance of both final centroid sets, re-evaluated
   here in float64. Both are Lloyd from the same centroids, so they should agree to ~1e-3; faiss
   accumulates centroids in float, we in double, and faiss splits empty clusters where we take
   the farthest points, so any empty cluster (reported) makes the runs part.
2. Exact assignment: faiss.IndexFlatL2 over the same K codebook rows, search k=1 of the same
   queries, median of --reps after a warm-up; patches/s. Agreement: the fraction of queries with
   the same nearest index; each disagreement is judged by the float64 distances to both picks:
   a tie (equal to 1e-6 relative: indistinguishable in float32), ours nearer, or faiss nearer.
With Debian's faiss on OpenBLAS (pthreads) run it with OMP_WAIT_POLICY=PASSIVE, as faiss's
troubleshooting page advises (kmeans.sh does, for both sides): with spinning OpenMP workers its
flat search was 2.7x slower here.
3. Prints (and with --markdown writes) the table; ratios are AdvCore/faiss in speed, so >1
   means AdvCore is faster. Writes DIR/kmeans_summary.json.
"""
import argparse
import json
import os
import struct
import sys
import time

import faiss
import numpy as np

DTYPES = {"F32": np.float32, "I32": np.int32, "I64": np.int64, "F64": np.float64}


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


def mean_sq_error(x, c, chunk=8192):
    """Mean over the rows of x of the squared distance to the nearest row of c, in float64."""
    c64 = c.astype(np.float64)
    cn = (c64 * c64).sum(axis=1)
    total = 0.0
    for s in range(0, x.shape[0], chunk):
        xb = x[s:s + chunk].astype(np.float64)
        d = (xb * xb).sum(axis=1)[:, None] - 2.0 * xb @ c64.T + cn[None, :]
        total += np.maximum(d.min(axis=1), 0.0).sum()
    return total / x.shape[0]


def sq_dist(q, c):
    diff = q.astype(np.float64) - c.astype(np.float64)
    return (diff * diff).sum(axis=1)


def median(v):
    return float(np.median(np.asarray(v, dtype=np.float64)))


def run_case(case, dump, ours_json, threads, reps):
    name, dim = case["name"], case["dim"]
    x, init, ours_final = dump[f"{name}.points"], dump[f"{name}.init"], dump[f"{name}.final"]
    queries, codebook = dump[f"{name}.queries"], dump[f"{name}.codebook"]
    n, k, niter, seed = x.shape[0], init.shape[0], ours_json["iterations"], ours_json["seed"]
    x = np.ascontiguousarray(x, dtype=np.float32)
    init = np.ascontiguousarray(init, dtype=np.float32)

    def kmeans(iterations):
        km = faiss.Kmeans(dim, k, niter=iterations, seed=seed, max_points_per_centroid=10 ** 9, verbose=False)
        t0 = time.perf_counter()
        km.train(x, init_centroids=init)
        return km, time.perf_counter() - t0

    kmeans(1)  # warm-up
    km, total = kmeans(niter)
    stats = km.iteration_stats
    cumulative = [s["time"] for s in stats]
    per_iter = [cumulative[i] - cumulative[i - 1] for i in range(1, len(cumulative))]
    faiss_spi = median(per_iter)
    nsplit = int(sum(s["nsplit"] for s in stats))
    ours_traj = [case["initial_error"]] + list(case["errors"][:-1])  # after 0..N-1 updates
    faiss_traj = [s["obj"] / n for s in stats]
    traj_rel = max(abs(a - b) / max(abs(a), 1e-30) for a, b in zip(ours_traj, faiss_traj))
    obj_ours = mean_sq_error(x, ours_final)
    obj_faiss = mean_sq_error(x, km.centroids)
    obj_rel = (obj_ours - obj_faiss) / obj_faiss
    ours_reported_rel = abs(case["errors"][-1] - obj_ours) / obj_ours
    print(f"faiss k-means {name} (n={n}, K={k}): {niter} iterations in {total:.2f} s, median {faiss_spi:.4f} s/iteration; "
          f"nsplit {nsplit}; AdvCore {case['seconds_per_iteration']:.4f} s/iteration, reseeded {sum(case['reseeded'])}")
    print(f"  objective after {niter} iterations (float64 re-evaluation): AdvCore {obj_ours:.7g}, faiss {obj_faiss:.7g}, "
          f"(ours - faiss)/faiss = {obj_rel:+.2e}; trajectory max rel diff {traj_rel:.2e}; "
          f"our reported final error vs float64 {ours_reported_rel:.1e}")

    rows = []
    for a in case["assignment"]:
        kk = a["k"]
        if a["skipped"]:
            rows.append({"k": kk, "skipped": True, "estimated_s": a["estimated_s"]})
            print(f"  assignment K={kk}: skipped on both sides (AdvCore estimated {a['estimated_s']:.1f} s per call)")
            continue
        cb = np.ascontiguousarray(codebook[:kk], dtype=np.float32)
        index = faiss.IndexFlatL2(dim)
        index.add(cb)
        index.search(queries, 1)  # warm-up
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            D, I = index.search(queries, 1)
            times.append(time.perf_counter() - t0)
        t = median(times)
        mine = dump[f"{name}.nearest.{kk}"].astype(np.int64)
        theirs = I[:, 0].astype(np.int64)
        same = mine == theirs
        diff = np.nonzero(~same)[0]
        d_o = sq_dist(queries[diff], cb[mine[diff]])
        d_f = sq_dist(queries[diff], cb[theirs[diff]])
        tie = np.abs(d_o - d_f) <= 1e-6 * np.maximum(d_o, d_f) + 1e-12
        ours_better = (~tie) & (d_o < d_f)
        faiss_better = (~tie) & (d_f < d_o)
        nq = len(mine)
        # our reported distances vs float64 at our own picks
        dist_rel = float(np.max(np.abs(dump[f"{name}.distances.{kk}"].astype(np.float64) - sq_dist(queries, cb[mine]))
                                / np.maximum(sq_dist(queries, cb[mine]), 1e-12)))
        row = {"k": kk, "skipped": False, "faiss_s": t, "faiss_patches_per_s": nq / t, "advcore_s": a["median_s"],
               "advcore_patches_per_s": a["patches_per_s"], "same_index": float(same.mean()),
               "ties": int(tie.sum()), "ours_nearer": int(ours_better.sum()), "faiss_nearer": int(faiss_better.sum()),
               "advcore_distance_rel_err_max": dist_rel}
        rows.append(row)
        print(f"  assignment K={kk}: faiss {nq / t:,.0f} patches/s ({t:.4f} s), AdvCore {a['patches_per_s']:,.0f} patches/s "
              f"({a['median_s']:.4f} s) -> {row['advcore_patches_per_s'] / row['faiss_patches_per_s']:.2f}x; "
              f"same index {same.mean():.6f}, of the {len(diff)} others: {tie.sum()} ties, AdvCore nearer {ours_better.sum()}, "
              f"faiss nearer {faiss_better.sum()}")
    return {"name": name, "dim": dim, "patch_size": case["patch_size"], "n": n, "k": k, "iterations": niter,
            "advcore_s_per_iter": case["seconds_per_iteration"], "faiss_s_per_iter": faiss_spi,
            "faiss_total_s": total, "advcore_total_s": case["lloyd_total_s"], "faiss_nsplit": nsplit,
            "advcore_reseeded": int(sum(case["reseeded"])), "objective_advcore": obj_ours, "objective_faiss": obj_faiss,
            "objective_rel": obj_rel, "trajectory_rel_max": traj_rel, "initial_error": case["initial_error"],
            "assignment": rows}


def markdown(ours, results, threads):
    out = []
    env = ", ".join(f"{v}={os.environ.get(v, '(unset)')}" for v in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS"))
    out.append(f"faiss {faiss.__version__}, numpy {np.__version__}; {threads} threads on both sides ({env}); "
               f"n = {ours['points']} points, {ours['queries']} queries, K = {ours['k']}, {ours['iterations']} Lloyd iterations "
               f"from the same k-means++ start (ours, seed {ours['seed']}); medians; speed ratio AdvCore/faiss (>1: AdvCore faster).")
    out.append("")
    out.append("| case | measure | AdvCore | faiss | AdvCore/faiss |")
    out.append("|---|---|---:|---:|---:|")
    for r in results:
        c = f"{r['patch_size']}x{r['patch_size']} (dim {r['dim']})"
        out.append(f"| {c} | k-means K={r['k']}: s / iteration | {r['advcore_s_per_iter']:.4f} | {r['faiss_s_per_iter']:.4f} | "
                   f"{r['faiss_s_per_iter'] / r['advcore_s_per_iter']:.2f} |")
        out.append(f"| {c} | objective after {r['iterations']} it. (mean sq. dist., float64) | {r['objective_advcore']:.7g} | "
                   f"{r['objective_faiss']:.7g} | rel. diff {r['objective_rel']:+.1e} |")
        out.append(f"| {c} | objective trajectory, max rel. diff over iterations 0..{r['iterations'] - 1} | | | "
                   f"{r['trajectory_rel_max']:.1e} |")
        out.append(f"| {c} | empty clusters (our reseeds / faiss splits) | {r['advcore_reseeded']} | {r['faiss_nsplit']} | |")
        for a in r["assignment"]:
            if a["skipped"]:
                out.append(f"| {c} | assignment K={a['k']}: patches/s | skipped (est. {a['estimated_s']:.0f} s/call) | | |")
                continue
            out.append(f"| {c} | assignment K={a['k']}: patches/s | {a['advcore_patches_per_s']:,.0f} | "
                       f"{a['faiss_patches_per_s']:,.0f} | {a['advcore_patches_per_s'] / a['faiss_patches_per_s']:.2f} |")
            out.append(f"| {c} | assignment K={a['k']}: same index / ties / AdvCore nearer / faiss nearer | "
                       f"{a['same_index']:.6f} | {a['ties']} / {a['ours_nearer']} / {a['faiss_nearer']} | |")
    fw = ours["forward"]
    out.append("")
    out.append(f"C4 (random weights), batch {fw['batch']} MNIST test images, AdvCore only: undefended "
               f"Network.Forward {fw['undefended_ms']:.1f} ms.")
    out.append("")
    out.append("| layer-0 codebook (3x3/1) | defended Logits ms | replacement alone ms | defended / undefended |")
    out.append("|---|---:|---:|---:|")
    for d in fw["defended"]:
        out.append(f"| K={d['k']} | {d['defended_ms']:.1f} | {d['replacement_ms']:.1f} | {d['ratio']:.2f} |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default="artifacts/kmeans-peer")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=None, help="faiss search repetitions (default: AdvCore's --reps)")
    ap.add_argument("--markdown", default=None, help="also write the table to this file")
    args = ap.parse_args()
    faiss.omp_set_num_threads(args.threads)
    dump, _ = read_safetensors(os.path.join(args.dir, "kmeans_dump.safetensors"))
    with open(os.path.join(args.dir, "kmeans_advcore.json")) as f:
        ours = json.load(f)
    reps = args.reps or ours["reps"]
    if ours["threads"] != args.threads:
        print(f"warning: AdvCore ran on {ours['threads']} threads, faiss on {args.threads}", file=sys.stderr)
    results = [run_case(case, dump, ours, args.threads, reps) for case in ours["cases"]]
    table = markdown(ours, results, args.threads)
    print()
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    with open(os.path.join(args.dir, "kmeans_summary.json"), "w") as f:
        json.dump({"faiss_version": faiss.__version__, "threads": args.threads, "cases": results,
                   "forward": ours["forward"]}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
