#!/usr/bin/env bash
# Fuzzes one file reader with SharpFuzz + afl++ (Debian `afl++`):
#   scripts/fuzz.sh TARGET SECONDS     (./build.sh fuzz TARGET SECONDS)
#   scripts/fuzz.sh list               the targets (fuzz/AdvCore.Fuzz/FuzzTargets.cs)
#   scripts/fuzz.sh all SECONDS        every target in turn (CI)
# Replay a file: dotnet artifacts/fuzz/replay/AdvCore.Fuzz.dll TARGET FILE...
#   scripts/fuzz.sh native SECONDS     the libFuzzer harness of the C ABI (native/fuzz; clang-19,
#                                      -fsanitize=fuzzer,address,undefined; needs libclang-rt-19-dev, libomp-19-dev)
# Seeds: fuzz/corpus/TARGET; findings: artifacts/fuzz/TARGET/default/{crashes,hangs}. Prints the
# executions done and exits non-zero when afl-fuzz saved a crash or a hang.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/fuzz
bin=$out/bin
targets=$(ls fuzz/corpus)
cmd=${1:-list}

[ "$cmd" = list ] && { echo "$targets"; echo native; exit 0; }
seconds=${2:?usage: scripts/fuzz.sh TARGET|all|native SECONDS}

# The C ABI under libFuzzer with ASan + UBSan, in a build folder of its own.
fuzz_native() {
  local dir=artifacts/native-asan corpus=artifacts/fuzz/native-corpus
  # The sanitized build folder of ./build.sh sanitize (clang-19: it holds the harness too).
  cmake -S native -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-19 \
        -DADVCORE_SANITIZE=ON -DADVCORE_FUZZ=ON >artifacts/fuzz/native-build.log 2>&1 &&
    cmake --build "$dir" --target advcore_fuzz_entry_points --parallel "$(nproc)" >>artifacts/fuzz/native-build.log 2>&1 ||
    { echo "native fuzz harness did not build (see artifacts/fuzz/native-build.log)"; tail -5 artifacts/fuzz/native-build.log; return 1; }
  mkdir -p "$corpus"
  local status=0
  ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$dir/advcore_fuzz_entry_points" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 \
    -artifact_prefix=artifacts/fuzz/native- "$corpus" >artifacts/fuzz/native.log 2>&1 || status=$?
  local execs
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' artifacts/fuzz/native.log)
  echo "fuzz native: ${seconds} s, ${execs:-0} executions, $([ $status -eq 0 ] && echo "no finding" || echo "FINDING (see artifacts/fuzz/native.log)")"
  return $status
}
if [ "$cmd" = native ]; then mkdir -p artifacts/fuzz; fuzz_native; exit $?; fi
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install -y afl++" >&2; exit 2; }

# Build once, then instrument AdvCore.dll (the code under test) for afl's coverage map.
if [ ! -f "$bin/.instrumented" ] || [ -n "$(find src/AdvCore fuzz/AdvCore.Fuzz -name '*.cs' -newer "$bin/.instrumented" | head -1)" ]; then
  rm -rf "$bin"
  dotnet build fuzz/AdvCore.Fuzz -c Release -o "$bin" -nologo -v:quiet >/dev/null
  dotnet tool restore >/dev/null
  # An instrumented assembly only runs under afl (it writes afl's shared coverage map): findings
  # are replayed with an uninstrumented copy.
  rm -rf "$out/replay" && cp -r "$bin" "$out/replay"
  dotnet sharpfuzz "$bin/AdvCore.dll" >/dev/null
  touch "$bin/.instrumented"
fi

fuzz_one() {
  local target=$1 dir=$out/$1
  [ -d "fuzz/corpus/$target" ] || { echo "unknown fuzz target '$target' (targets: $(echo $targets))" >&2; return 2; }
  rm -rf "$dir"
  # dotnet is not an afl-instrumented binary (SharpFuzz instruments the assembly): skip that check.
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    timeout $(( seconds + 60 )) afl-fuzz -i "fuzz/corpus/$target" -o "$dir" -t 5000 -m none -V "$seconds" \
    -- dotnet "$bin/AdvCore.Fuzz.dll" "$target" >"$dir.log" 2>&1 || { echo "afl-fuzz failed on $target (see $dir.log)"; tail -5 "$dir.log"; return 1; }
  local stats=$dir/default/fuzzer_stats
  local execs crashes hangs
  execs=$(awk -F: '/^execs_done/ {gsub(/ /,"",$2); print $2}' "$stats")
  crashes=$(find "$dir/default/crashes" -type f -name 'id:*' | wc -l)
  hangs=$(find "$dir/default/hangs" -type f -name 'id:*' | wc -l)
  echo "fuzz $target: ${seconds} s, $execs executions, $crashes crashes, $hangs hangs"
  if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    local found=()
    shopt -s nullglob; found=("$dir"/default/crashes/id:* "$dir"/default/hangs/id:*); shopt -u nullglob
    timeout 120 dotnet "$out/replay/AdvCore.Fuzz.dll" "$target" "${found[@]}" 2>&1 | grep -v '^   at' | head -10 || true
    return 1
  fi
}

if [ "$cmd" = all ]; then
  status=0
  for t in $targets; do fuzz_one "$t" || status=1; done
  exit $status
fi
fuzz_one "$cmd"
