#!/bin/bash
# Regenerate the committed ABI baseline, tests/abi/libtdx.abi, from a build.
# Usage: scripts/abi-baseline.sh [BUILD_DIR]        (default: build)
#
# The 'abi' suite (tests/abi/check-abi.sh) compares the built library with
# this baseline using abidiff (Debian package abigail-tools) and fails on
# any difference.  Before 0.1 is released, run this after a deliberate API
# change and commit the result with it.  After a release, the baseline is
# the released ABI: never regenerate it for an incompatible change; add
# symbols in a new version node of lib/libtdx.map instead.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
so=$(ls "$build"/lib/libtdx.so.*.*.* | head -n 1)
abidw --no-corpus-path --no-comp-dir-path \
	--headers-dir include/libtdx --headers-dir "$build"/include/libtdx \
	--out-file tests/abi/libtdx.abi "$so"
echo "wrote tests/abi/libtdx.abi from $so"
