#!/bin/bash
# Set up and run the libtdx demo on this machine:
#   1. tdx-info against the real /dev/kvm (the true answer for this host),
#   2. tdx-info against the simulated TDX host (tdxsim).
# Usage: scripts/demo.sh
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1
[ -d build ] || meson setup build >/dev/null || exit 1
ninja -C build >/dev/null || exit 1

echo "### 1. this host's /dev/kvm"
./build/tools/tdx-info
echo "(exit $?)"
echo
echo "### 2. the same tool against the TDX simulator (SIMULATED host, not hardware)"
./build/tests/sim/tdxsim -- ./build/tools/tdx-info
echo "(exit $?)"
