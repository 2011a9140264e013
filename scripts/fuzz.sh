#!/usr/bin/env bash
# Fuzzes one file reader with SharpFuzz + afl++ (Debian `afl++`):
#   scripts/fuzz.sh TARGET SECONDS     (./build.sh fuzz TARGET SECONDS)
#   scripts/fuzz.sh list               the targets (fuzz/AdvCore.Fuzz/FuzzTargets.cs)
#   scripts/fuzz.sh all SECONDS        every target in turn (CI)
# Seeds: fuzz/corpus/TARGET; findings: artifacts/fuzz/TARGET/default/{crashes,hangs}. Prints the
# executions done and exits non-zero when afl-fuzz saved a crash or a hang.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/fuzz
bin=$out/bin
targets=$(ls fuzz/corpus)
cmd=${1:-list}

[ "$cmd" = list ] && { echo "$targets"; exit 0; }
seconds=${2:?usage: scripts/fuzz.sh TARGET|all SECONDS}
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install -y afl++" >&2; exit 2; }

# Build once, then instrument AdvCore.dll (the code under test) for afl's coverage map.
if [ ! -f "$bin/.instrumented" ] || [ -n "$(find src/AdvCore fuzz/AdvCore.Fuzz -name '*.cs' -newer "$bin/.instrumented" | head -1)" ]; then
  rm -rf "$bin"
  dotnet build fuzz/AdvCore.Fuzz -c Release -o "$bin" -nologo -v:quiet >/dev/null
  dotnet tool restore >/dev/null
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
    dotnet "$bin/AdvCore.Fuzz.dll" "$target" "$dir"/default/crashes/id:* "$dir"/default/hangs/id:* 2>/dev/null | grep FINDING | head -5 || true
    return 1
  fi
}

if [ "$cmd" = all ]; then
  status=0
  for t in $targets; do fuzz_one "$t" || status=1; done
  exit $status
fi
fuzz_one "$cmd"
