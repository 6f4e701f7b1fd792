#!/bin/bash
# Set up and run the libtdx demo on this machine:
#   1. tdx-info against the real /dev/kvm (the true answer for this host);
#   2. boot Debian's OVMF.fd as a TD (2 GiB, 2 vCPUs) with tdboot: for real
#      when this host can run TDs, otherwise on the SIMULATED TDX host
#      (tdxsim), after showing what tdx-info reports there.
# Usage: scripts/demo.sh
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1
[ -d build ] || meson setup build >/dev/null || exit 1
ninja -C build >/dev/null || exit 1

BOOT=(./build/examples/tdboot/tdboot --bios /usr/share/ovmf/OVMF.fd --memory 2G --vcpus 2)

echo "### 1. this host's /dev/kvm"
./build/tools/tdx-info
real=$?
echo "(exit $real)"
echo
if [ $real -eq 0 ]; then
	echo "### 2. boot Debian's OVMF.fd as a TD on this TDX host"
	"${BOOT[@]}"
	echo "(exit $?)"
	exit 0
fi
echo "### 2. no TDX here: the same tool against the TDX simulator (SIMULATED host, not hardware)"
./build/sim/tdxsim -- ./build/tools/tdx-info
echo "(exit $?)"
echo
echo "### 3. boot Debian's OVMF.fd as a TD on the SIMULATED TDX host (scripted guest, no real guest code runs)"
./build/sim/tdxsim -- "${BOOT[@]}"
echo "(exit $?)"
