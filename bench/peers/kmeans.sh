#!/usr/bin/env bash
# Peer comparison: AdvCore's patch k-means and exact k-NN assignment against faiss, same data.
# Run from the repository root:
#   bench/peers/kmeans.sh [AdvCore.Bench kmeans-peer options: --k 1024 --iterations 10
#                          --points 262144 --queries 100000 --reps 5 --assign-k 1024,4096,65536,262144
#                          --max-assign-seconds 5 --defended-k 256,1024,4096 --batch 1000 --data PATH]
#  1. AdvCore side (AdvCore.Bench "kmeans-peer" mode, bench/AdvCore.Bench/KMeansPeerMode.cs), on
#     3x3 (dim 9) and 5x5 (dim 25) MNIST patches (d = 1, stride 1): a seeded sample of exactly
#     --points training patches, k-means++ seeding (ours), --iterations Lloyd iterations from it
#     (median s/iteration); exact assignment (Ops.Knn k = 1) of --queries test patches against K
#     distinct training patches for each --assign-k (patches/s; a K above 65536 extrapolated to take
#     more than --max-assign-seconds per call is skipped); a C4 forward (random weights) at --batch, bare vs
#     defended by a layer-0 3x3 k-means codebook of each --defended-k. Dumps everything to
#     $KMEANS_OUT/kmeans_dump.safetensors and kmeans_advcore.json.
#  2. faiss side (kmeans_faiss.py): faiss.Kmeans from the same initial centroids (no subsampling),
#     IndexFlatL2 search k = 1 of the same queries; objective and index agreement; prints the
#     Markdown table (ratios AdvCore/faiss in speed: > 1 means AdvCore is faster), also written to
#     $KMEANS_OUT/kmeans_table.md.
# On this machine: Debian's python3-faiss 1.7.3 (/usr/bin/python3, OpenBLAS pthread behind it),
# OMP_NUM_THREADS=2 on both sides. Set ADVCORE_BENCH_DLL to use an already built AdvCore.Bench.dll
# (no build); otherwise the bench is built first. The load average is printed before and after:
# the numbers mean little when it is above the core count.
set -euo pipefail
out=${KMEANS_OUT:-artifacts/kmeans-peer}
mkdir -p "$out"
export ADVCORE_DATA=${ADVCORE_DATA:-/work/shared/datasets}
bench_dll=${ADVCORE_BENCH_DLL:-bench/AdvCore.Bench/bin/Release/net10.0/AdvCore.Bench.dll}
if [ -z "${ADVCORE_BENCH_DLL:-}" ]; then
  dotnet build bench/AdvCore.Bench -c Release -nologo -v:quiet
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
# faiss's troubleshooting advice with OpenBLAS ("slow brute-force search with OpenBLAS"): spinning
# OpenMP workers starve OpenBLAS's pthreads. Measured here: IndexFlatL2 search 2.7x faster with
# PASSIVE; AdvCore unchanged within noise. Both sides run with the same setting.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
threads=$OMP_NUM_THREADS
echo "load before: $(uptime)"
dotnet "$bench_dll" kmeans-peer --out "$out" --threads "$threads" "$@"
python=${PYTHON:-/usr/bin/python3}
"$python" bench/peers/kmeans_faiss.py --dir "$out" --threads "$threads" --markdown "$out/kmeans_table.md"
echo "load after: $(uptime)"
