#!/usr/bin/env bash
# Builds a bundle that runs on a GPU host without the .NET SDK: the published tests, CLI and
# benchmarks, the native library (with its embedded PTX), the peer-comparison scripts and a
# .NET runtime. Usage (repository root):  scripts/make-bundle.sh [out-dir, default .bundle]
#
# On the GPU host, from the bundle's folder:
#   ./run-on-gpu.sh tests                 # NUnit suite incl. CUDA parity tests (not skipped there)
#   ./run-on-gpu.sh native-tests          # native kernel tests (+ CUDA parity when a GPU answers)
#   ./run-on-gpu.sh bench [filter]        # BenchmarkDotNet suite, every backend present
#   ./run-on-gpu.sh peers                 # PyTorch (cuDNN) comparison, --device cuda
#   ./run-on-gpu.sh advcore <args>        # the console tool
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.bundle}
rm -rf "$out" && mkdir -p "$out"
dotnet build AdvCore.sln -c Release -nologo -v:quiet
for p in tests/AdvCore.Tests src/AdvCore.Cli bench/AdvCore.Bench; do
  name=$(basename "$p")
  dotnet publish "$p" -c Release --no-build -o "$out/$name" -nologo -v:quiet
  # Native assets of every other platform (SkiaSharp, HarfBuzz...: ~470 MB per project);
  # the GPU hosts are linux-x64.
  find "$out/$name/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 ! -name linux ! -name unix \
    -exec rm -rf {} + 2>/dev/null || true
done
cp artifacts/native/Release/libadvcore.so "$out/"
[ -x artifacts/native/Release/advcore_native_tests ] && cp artifacts/native/Release/advcore_native_tests "$out/"
mkdir -p "$out/peers" && cp bench/peers/*.py bench/peers/run.sh "$out/peers/"
# The .NET runtime (host + Microsoft.NETCore.App), about 26 MB compressed.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
rt=$(ls "$dotnet_root/shared/Microsoft.NETCore.App" | sort -V | tail -1)
tar -C "$dotnet_root" -cJf "$out/dotnet-runtime.tar.xz" dotnet host "shared/Microsoft.NETCore.App/$rt"
cat > "$out/run-on-gpu.sh" <<'RUN'
#!/usr/bin/env bash
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$here/dotnet/dotnet" ]; then mkdir -p "$here/dotnet" && tar -C "$here/dotnet" -xJf "$here/dotnet-runtime.tar.xz"; fi
export DOTNET_ROOT="$here/dotnet" PATH="$here/dotnet:$PATH" ADVCORE_NATIVE_PATH="$here/libadvcore.so"
cmd=${1:-tests}; [ $# -gt 0 ] && shift
case "$cmd" in
  tests) dotnet "$here/AdvCore.Tests/AdvCore.Tests.dll" "$@" ;;
  native-tests) "$here/advcore_native_tests" "$@" ;;
  bench) filter=${1:-*}; [ $# -gt 0 ] && shift
         dotnet "$here/AdvCore.Bench/AdvCore.Bench.dll" --filter "$filter" --inProcess --exporters markdown csv "$@" ;;
  peers) ADVCORE_BENCH_DLL="$here/AdvCore.Bench/AdvCore.Bench.dll" PEER_OUT="${PEER_OUT:-$here/peers-out}" \
           bash -c "cd '$here' && mkdir -p bench && ln -sfn '$here/peers' bench/peers && bench/peers/run.sh --device cuda $*" ;;
  advcore) dotnet "$here/AdvCore.Cli/AdvCore.Cli.dll" "$@" ;;
  *) echo "unknown command $cmd (tests | native-tests | bench | peers | advcore)" >&2; exit 2 ;;
esac
RUN
chmod +x "$out/run-on-gpu.sh"
du -sh "$out"
echo "bundle ready in $out; on the GPU host: $out/run-on-gpu.sh tests"
