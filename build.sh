#!/usr/bin/env bash
# AdvCore build entry point (CI uses it; build.ps1 is its PowerShell twin).
#   ./build.sh build            build everything (native engine via CMake + .NET, Release)
#   ./build.sh test             build, run the native kernel tests (again for the CUDA backend
#                               on the driver emulator, native/src/cuda/emu) and the NUnit suite,
#                               print "N passed, N failed[, N skipped]"; non-zero on failure
#   ./build.sh bench [filter]   BenchmarkDotNet suite (default filter '*'), Markdown/CSV export
#   ./build.sh pack             NuGet packages AdvCore and AdvCore.Plots (+ symbols) into artifacts/pack
#   ./build.sh bundle [dir]     self-contained bundle for a GPU host (scripts/make-bundle.sh)
#   ./build.sh sanitize [filter] native tests under AddressSanitizer + UBSan (own build folder
#                               artifacts/native-asan); non-zero on any test failure or report
#   ./build.sh fuzz TARGET SECS fuzz one reader for SECS seconds (scripts/fuzz.sh; TARGET list: fuzz list)
set -euo pipefail
cd "$(dirname "$0")"
config=${CONFIGURATION:-Release}
cmd=${1:-build}
[ $# -gt 0 ] && shift

build() { dotnet build AdvCore.sln -c "$config" -nologo -v:minimal "$@"; }

# Runs the native kernel tests and the NUnit assembly; prints one combined count line.
run_tests() {
  local results=artifacts/test-results
  rm -rf "$results" && mkdir -p "$results"
  local native_bin=artifacts/native/Release/advcore_native_tests
  local native_pass=0 native_fail=0 native_status=0
  if [ -x "$native_bin" ]; then
    "$native_bin" | tee "$results/native.log" || native_status=$?
    read -r native_pass native_fail < <(awk '/^[0-9]+ passed, [0-9]+ failed/ {p=$1; f=$3} END {print p+0, f+0}' "$results/native.log")
    [ "$native_status" -ne 0 ] && [ "$native_fail" -eq 0 ] && native_fail=1
  else
    echo "native test binary missing: $native_bin" >&2; native_fail=1
  fi
  # The CUDA backend's native tests (filter cuda_) again on the CPU emulator of the driver
  # (native/src/cuda/emu, README "Tests"): the host glue and every kernel's logic, never the
  # PTX or the speed. The emulator builds in seconds once; the run takes about 30 s here.
  local emu_dir=artifacts/cuda-emu emu_pass=0 emu_fail=0 emu_skip=0 emu_status=0
  if [ -x "$native_bin" ] &&
     cmake -S native/src/cuda/emu -B "$emu_dir" -DCMAKE_BUILD_TYPE=Release >"$results/cuda-emu-build.log" 2>&1 &&
     cmake --build "$emu_dir" --parallel "$(nproc)" >>"$results/cuda-emu-build.log" 2>&1; then
    LD_LIBRARY_PATH="$PWD/$emu_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$native_bin" cuda_ \
      | tee "$results/cuda-emu.log" || emu_status=$?
    read -r emu_pass emu_fail < <(awk '/^[0-9]+ passed, [0-9]+ failed/ {p=$1; f=$3} END {print p+0, f+0}' "$results/cuda-emu.log")
    emu_skip=$(awk '/^[0-9]+ skipped$/ {s=$1} END {print s+0}' "$results/cuda-emu.log")
    [ "$emu_status" -ne 0 ] && [ "$emu_fail" -eq 0 ] && emu_fail=1
  else
    echo "CUDA emulator not built (see $results/cuda-emu-build.log)" >&2; emu_fail=1
  fi
  echo "native on the CUDA emulator: $emu_pass passed, $emu_fail failed, $emu_skip skipped"
  local managed_status=0
  dotnet "tests/AdvCore.Tests/bin/$config/net10.0/AdvCore.Tests.dll" --report-trx \
    --results-directory "$PWD/$results" --report-trx-filename managed.trx "$@" || managed_status=$?
  local counters
  counters=$(grep -o '<Counters [^>]*>' "$results/managed.trx" 2>/dev/null || true)
  attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  local m_total m_pass m_fail m_skip
  m_total=$(attr total); m_pass=$(attr passed); m_fail=$(attr failed)
  m_total=${m_total:-0}; m_pass=${m_pass:-0}; m_fail=${m_fail:-0}
  m_skip=$(( m_total - m_pass - m_fail ))
  if [ -z "$counters" ] || { [ "$managed_status" -ne 0 ] && [ "$m_fail" -eq 0 ]; }; then
    echo "NUnit run failed without a result file or with exit code $managed_status" >&2
    m_fail=$(( m_fail + 1 ))
  fi
  echo "native: $native_pass passed, $native_fail failed; CUDA emulator: $emu_pass passed, $emu_fail failed; NUnit: $m_pass passed, $m_fail failed, $m_skip skipped"
  echo "$(( native_pass + emu_pass + m_pass )) passed, $(( native_fail + emu_fail + m_fail )) failed, $m_skip skipped"
  [ $(( native_fail + emu_fail + m_fail )) -eq 0 ]
}

# Missing build tools: installed when root, else the one apt-get command to run (exit 1), before any build.
case "$cmd" in
  build|test|bench|pack) scripts/prerequisites.sh || exit 1 ;;
esac

# The native tests under ASan + UBSan, in a build folder of their own so the Release library is
# untouched. With clang-19 (and libclang-rt-19-dev) the same folder also builds the libFuzzer
# harness (scripts/fuzz.sh native), so CI compiles the sanitized engine once. Leaks are reported
# too; any report fails the run (halt_on_error).
sanitize() {
  local dir=artifacts/native-asan extra=()
  if command -v clang++-19 >/dev/null && [ -e /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer-x86_64.a ]; then
    extra=(-DCMAKE_CXX_COMPILER=clang++-19 -DADVCORE_FUZZ=ON)
  fi
  cmake -S native -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DADVCORE_SANITIZE=ON "${extra[@]}" >/dev/null
  cmake --build "$dir" --parallel "$(nproc)" >/dev/null
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$dir/advcore_native_tests" "$@"
}

case "$cmd" in
  build) build "$@" ;;
  test) build && run_tests "$@" ;;
  bench)
    filter=${1:-*}; [ $# -gt 0 ] && shift
    dotnet run -c Release --project bench/AdvCore.Bench -- --filter "$filter" --exporters markdown csv "$@" ;;
  pack)
    # AdvCore (managed + libadvcore.so under runtimes/linux-x64/native/) and the optional
    # AdvCore.Plots, each with its .snupkg symbols package; the version is Directory.Build.props'.
    rm -rf artifacts/pack
    for project in src/AdvCore/AdvCore.csproj src/AdvCore.Plots/AdvCore.Plots.csproj; do
      dotnet pack "$project" -c "$config" -o artifacts/pack -nologo -v:minimal "$@"
    done
    ls -l artifacts/pack ;;
  bundle) exec scripts/make-bundle.sh "$@" ;;
  sanitize) sanitize "$@" ;;
  fuzz) exec scripts/fuzz.sh "$@" ;;
  *) echo "unknown command '$cmd' (build | test | bench | pack | bundle | sanitize | fuzz)" >&2; exit 2 ;;
esac
