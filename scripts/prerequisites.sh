#!/usr/bin/env bash
# Checks what building and running AdvCore needs on a Debian 12 machine, before any build starts.
#   scripts/prerequisites.sh          (build.sh runs it for build | test | pack | bench)
# As root, installs the missing Debian packages itself with apt-get, saying what in one line;
# otherwise prints the one command that installs them and exits 1. The build needs cmake, g++,
# make, pkg-config, OpenBLAS (libopenblas-dev) and clang-19 (compiles the CUDA kernels to PTX);
# Fashion-MNIST (dataset-fashion-mnist) is data, not a build tool: when it is missing and cannot be
# installed, the script says so and carries on (its tests skip, the demo then needs MNIST).
# ADVCORE_SKIP_PREREQUISITES=1 skips the check (tools installed some other way).
set -uo pipefail
[ -n "${ADVCORE_SKIP_PREREQUISITES:-}" ] && exit 0

say() { echo "advcore setup: $*" >&2; }

# The package each missing build tool comes from (command -v, so a PATH without one counts as missing).
missing_build() {
  local -a packages=()
  command -v cmake >/dev/null 2>&1 || packages+=(cmake)
  command -v g++ >/dev/null 2>&1 || packages+=(g++)
  command -v make >/dev/null 2>&1 || packages+=(make)
  command -v pkg-config >/dev/null 2>&1 || packages+=(pkg-config)
  # cmake/AdvCoreBlas.cmake looks for cblas.h here and links libopenblas.so.
  if ! compgen -G "/usr/include/*/openblas*/cblas.h" >/dev/null && ! [ -e /usr/include/openblas/cblas.h ] ||
     ! compgen -G "/usr/lib/*/libopenblas.so" >/dev/null; then
    packages+=(libopenblas-dev)
  fi
  command -v clang-19 >/dev/null 2>&1 || packages+=(clang-19)
  echo "${packages[*]:-}"
}

missing_data() {
  [ -d /usr/share/datasets/fashion-mnist ] || echo dataset-fashion-mnist
}

if ! command -v dotnet >/dev/null 2>&1; then
  say "the .NET 10 SDK is missing (no dotnet on PATH): install dotnet-sdk-10.0 (Microsoft's Debian packages) and run this again"
  exit 1
fi

build=$(missing_build)
data=$(missing_data)
[ -z "$build$data" ] && exit 0

# --no-install-recommends: clang-19 would otherwise pull in several hundred MB it does not need.
install_line="apt-get update && apt-get install -y --no-install-recommends $build${build:+${data:+ }}$data"
if [ "$(id -u)" != 0 ]; then
  if [ -n "$build" ]; then
    say "missing build tools: $build. Install them as root with:"
    echo "  $install_line" >&2
    exit 1
  fi
  say "Fashion-MNIST is not installed (tests that need it skip; the demo's offline fallback needs it); as root: $install_line"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp -t advcore-apt.XXXXXX)
if [ -n "$build" ]; then
  say "installing with apt-get: $build (--no-install-recommends)${data:+, then $data}"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $build; } >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    say "apt-get could not install $build (log: $log); install them and run this again"
    exit 1
  fi
  still=$(missing_build)
  if [ -n "$still" ]; then
    say "still missing after apt-get: $still; install them and run this again"
    exit 1
  fi
else
  say "installing with apt-get: $data"
fi
if [ -n "$data" ]; then
  if ! { [ -n "$build" ] || apt-get update -qq; } >>"$log" 2>&1 ||
     ! apt-get install -y -qq --no-install-recommends $data >>"$log" 2>&1; then
    say "could not install $data (offline?): Fashion-MNIST tests skip, the demo needs MNIST"
  fi
fi
rm -f "$log"
exit 0
