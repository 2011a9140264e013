#!/usr/bin/env bash
# Peer comparison: AdvCore vs PyTorch on the same networks, batch sizes and weights.
# Run from the repository root:  bench/peers/run.sh [--device cpu|cuda] [--quick]
#  1. AdvCore side (AdvCore.Bench "peer" mode): builds C4 and CIFAR9, exports their weights
#     (safetensors), inputs, logits and input gradients, and its median timings.
#  2. PyTorch side (peer_bench.py): same weights and inputs; checks equal outputs, times, prints
#     the ratios and, last, "c4 grad-eval batch 1000: AdvCore/PyTorch speedup = X.XX".
# On this machine: Debian's python3-torch (/usr/bin/python3), OMP_NUM_THREADS=2. On a GPU host
# run the bundle's copy with --device cuda (PyTorch with cuDNN there).
set -euo pipefail
device=cpu; quick=""
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --quick) quick=--quick; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
out=${PEER_OUT:-artifacts/peers}
mkdir -p "$out"
bench_dll=${ADVCORE_BENCH_DLL:-bench/AdvCore.Bench/bin/Release/net10.0/AdvCore.Bench.dll}
if [ -z "${ADVCORE_BENCH_DLL:-}" ]; then
  dotnet build bench/AdvCore.Bench -c Release -nologo -v:quiet
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)}
dotnet "$bench_dll" peer --out "$out" --device "$device" $quick
python=${PYTHON:-/usr/bin/python3}
"$python" bench/peers/peer_bench.py --dir "$out" --device "$device"
