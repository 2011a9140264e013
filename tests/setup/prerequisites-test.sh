#!/usr/bin/env bash
# CI step: a machine that lacks a build tool gets one clear line, not a CMake trace.
# Runs ./build.sh build and ./advcore demo with a PATH that has every command of this machine
# except cmake, with `id` and `apt-get` replaced by stubs so both sides are exercised without
# touching the real system:
#   1. not root  -> exit 1 before any build, naming cmake and printing the one apt-get command;
#   2. root      -> the install line names cmake, apt-get is called for it, and since the stub
#                   installs nothing the script says it is still missing and stops (exit 1).
# Prints "N passed, N failed" for its checks; exit status non-zero when one fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d -t advcore-prereq.XXXXXX)
trap 'rm -rf "$work"' EXIT
bin="$work/bin"
mkdir -p "$bin"

# Every command on PATH except cmake; dirs linked last-to-first with -f so the first wins, as in a shell.
IFS=: read -r -a dirs <<<"$PATH"
for (( i = ${#dirs[@]} - 1; i >= 0; i-- )); do
  [ -d "${dirs[i]}" ] || continue
  find "${dirs[i]}" -mindepth 1 -maxdepth 1 -executable ! -name cmake -exec ln -sf -t "$bin" {} + 2>/dev/null
done
rm -f "$bin/id" "$bin/apt-get"
cat >"$bin/id" <<'EOF'
#!/bin/sh
echo "${FAKE_UID:-1000}"
EOF
cat >"$bin/apt-get" <<EOF
#!/bin/sh
echo "\$*" >>"$work/apt-get.log"
EOF
chmod +x "$bin/id" "$bin/apt-get"

passed=0 failed=0
check() {
  if eval "$2"; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}

# 1. Not root: the exact command, exit 1, no build started.
rc=0; PATH="$bin" FAKE_UID=1000 ./build.sh build >"$work/out1" 2>&1 || rc=$?
check "not root: ./build.sh build exits 1" '[ "$rc" = 1 ]'
check "not root: names the missing cmake" 'grep -q "missing build tools: cmake" "$work/out1"'
check "not root: prints the one apt-get command" 'grep -qx "  apt-get update && apt-get install -y --no-install-recommends cmake.*" "$work/out1"'
check "not root: no build and no CMake output" '! grep -qiE "cmake error|msbuild|restor|error MSB" "$work/out1"'
check "not root: apt-get not called" '[ ! -e "$work/apt-get.log" ]'

rc=0; PATH="$bin" FAKE_UID=1000 ADVCORE_REBUILD=1 ./advcore demo >"$work/out2" 2>&1 || rc=$?
check "not root: ./advcore demo exits non-zero with the same line" '[ "$rc" != 0 ] && grep -q "missing build tools: cmake" "$work/out2"'

# 2. Root: one line saying what is installed, apt-get asked for cmake, then a clear stop.
rc=0; PATH="$bin" FAKE_UID=0 ./build.sh build >"$work/out3" 2>&1 || rc=$?
check "root: one line saying what it installs" '[ "$(grep -c "installing with apt-get: cmake" "$work/out3")" = 1 ]'
check "root: apt-get install called for cmake" 'grep -q "^install .*--no-install-recommends.* cmake" "$work/apt-get.log"'
check "root: still missing after the (stub) install -> exit 1, no build" '[ "$rc" = 1 ] && grep -q "still missing after apt-get: cmake" "$work/out3" && ! grep -qi "msbuild\|restor" "$work/out3"'

for f in out1 out3; do echo "--- $f"; cat "$work/$f"; done
echo "prerequisites: $passed passed, $failed failed"
[ "$failed" = 0 ]
