#!/usr/bin/env bash
# CI step: the NuGet package works for a user. Packs AdvCore (./build.sh pack), checks what the
# package holds, builds a consumer project from Consumer.csproj.template + the README's quick
# start (samples/QuickStart/Program.cs) outside the repository, restoring from the local feed
# only (an empty package cache, no other source: the core package must need nothing else), and
# runs it: BP on 100 MNIST test images against a small C4 trained here (or $ADVCORE_TEST_MODEL).
# Prints the package contents, the consumer's bin/ size, the timings and "N passed, N failed".
#   tests/PackageConsumer/run.sh [work-dir]      (needs ADVCORE_DATA with mnist/)
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
work=${1:-$(mktemp -d -t advcore-consumer.XXXXXX)}
mkdir -p "$work"
passed=0 failed=0
check() {
  if eval "$2"; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
seconds() { echo $(( $(date +%s) - $1 )); }

version=$(sed -n 's|.*<VersionPrefix>\(.*\)</VersionPrefix>.*|\1|p' Directory.Build.props)
t0=$(date +%s)
./build.sh pack >"$work/pack.log" 2>&1 || { tail -20 "$work/pack.log"; echo "package: 0 passed, 1 failed"; exit 1; }
pack_s=$(seconds "$t0")
pkg="artifacts/pack/AdvCore.$version.nupkg"
check "pack: AdvCore.$version.nupkg and its .snupkg" '[ -f "$pkg" ] && [ -f "artifacts/pack/AdvCore.$version.snupkg" ]'
unzip -l "$pkg" >"$work/contents.txt" 2>&1
for entry in lib/net10.0/AdvCore.dll lib/net10.0/AdvCore.xml runtimes/linux-x64/native/libadvcore.so README.md; do
  check "package holds $entry" 'grep -q " $entry\$" "$work/contents.txt"'
done
mkdir -p "$work/unpacked" && unzip -q -o "$pkg" -d "$work/unpacked"
check "packaged libadvcore.so is the built one" 'cmp -s "$work/unpacked/runtimes/linux-x64/native/libadvcore.so" artifacts/native/Release/libadvcore.so'
ptx_missing=0
for ptx in artifacts/native/Release/ptx/*.ptx; do
  for entry in $(sed -n 's/.*\.entry \([A-Za-z0-9_]*\).*/\1/p' "$ptx"); do
    grep -aqF "$entry" "$work/unpacked/runtimes/linux-x64/native/libadvcore.so" || { echo "  $ptx: $entry not in the packaged library"; ptx_missing=1; }
  done
done
check "every PTX kernel is embedded in the packaged library" '[ "$ptx_missing" = 0 ]'
check "no plotting dependency in AdvCore.nuspec" '! grep -qi "scottplot\|skiasharp" "$work/unpacked/AdvCore.nuspec"'
# The listing goes to a file first: under pipefail, grep -q quitting early would fail unzip (SIGPIPE).
unzip -l "artifacts/pack/AdvCore.$version.snupkg" >"$work/symbols.txt" 2>&1
check "symbols package holds AdvCore.pdb" 'grep -q "lib/net10.0/AdvCore.pdb" "$work/symbols.txt"'

lines=$(wc -l <samples/QuickStart/Program.cs)
check "the quick start is at most 10 lines ($lines) and is the README's program" \
  '[ "$lines" -le 10 ] && python3 -c "import sys; sys.exit(0 if open(\"samples/QuickStart/Program.cs\").read() in open(\"README.md\").read() else 1)"'

# The consumer, outside the repository, restoring from the local feed into an empty cache.
app="$work/consumer"
rm -rf "$app" && mkdir -p "$app"
sed "s/@VERSION@/$version/" tests/PackageConsumer/Consumer.csproj.template >"$app/Consumer.csproj"
cp samples/QuickStart/Program.cs "$app/Program.cs"
cat >"$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$root/artifacts/pack" />
  </packageSources>
</configuration>
XML
t1=$(date +%s)
(cd "$app" && NUGET_PACKAGES="$work/packages" dotnet build -c Release -nologo -v:minimal) >"$work/consumer-build.log" 2>&1
build_rc=$?
build_s=$(seconds "$t1")
check "consumer restores from the local feed alone and builds" '[ "$build_rc" = 0 ]' || tail -20 "$work/consumer-build.log"
bin="$app/bin/Release/net10.0"
check "consumer bin/ has the engine under runtimes/linux-x64/native/" '[ -f "$bin/runtimes/linux-x64/native/libadvcore.so" ]'

model=${ADVCORE_TEST_MODEL:-}
t2=$(date +%s)
if [ -z "$model" ]; then
  model="$work/c4-small.safetensors"
  ./advcore train --model c4 --dataset mnist --epochs 1 --max-images 4000 --test-count 500 --threads 2 --out "$model" >"$work/train.log" 2>&1 ||
    { tail -5 "$work/train.log"; }
fi
train_s=$(seconds "$t2")
t3=$(date +%s)
(cd "$work" && dotnet "$bin/Consumer.dll" "$model") >"$work/run.log" 2>&1
run_rc=$?
run_s=$(seconds "$t3")
cat "$work/run.log"
check "the quick start runs from the package" '[ "$run_rc" = 0 ]'
check "it prints P_suc in (0,1] and a finite D̄ > 0" \
  'python3 - "$work/run.log" <<PY
import re, sys, math
text = open(sys.argv[1]).read()
m = re.search(r"P_suc ([0-9.]+), D̄ ([0-9.]+)", text)
sys.exit(0 if m and 0 < float(m.group(1)) <= 1 and 0 < float(m.group(2)) < math.inf else 1)
PY'

echo "package contents (unzip -l $pkg):"; cat "$work/contents.txt"
echo "package size: $(stat -c %s "$pkg") bytes; consumer bin/: $(du -sh "$bin" | cut -f1) in $(find "$bin" -type f | wc -l) files"
echo "seconds: pack $pack_s, consumer restore+build $build_s, training the test model $train_s, quick start run $run_s (shared machine: noisy)"
echo "package: $passed passed, $failed failed"
[ "$failed" = 0 ]
