#!/bin/bash
# The built library's ABI equals the committed baseline (suite 'abi').
# Usage: check-abi.sh BASELINE LIBTDX_SO PUBLIC_HEADER_DIR...
#
# abidiff (Debian: abigail-tools, installed by scripts/deps.sh) compares
# the exported functions and variables, their symbol versions and every
# public type reachable from them, as the DWARF of the build describes
# them, with tests/abi/libtdx.abi.  Any difference fails: an intended
# change before 0.1 is released means regenerating the baseline with
# scripts/abi-baseline.sh and committing it; after a release only
# additions in a new version node are allowed.  Skipped (77) without
# abidiff.
set -u
baseline=$1 so=$2
shift 2
if ! command -v abidiff >/dev/null; then
	echo "SKIP: abidiff not installed (Debian package abigail-tools; scripts/deps.sh)"
	exit 77
fi
if ! abilint "$baseline" >/dev/null 2>&1; then
	echo "FAIL: $baseline is not a valid ABI file (abilint); regenerate it with scripts/abi-baseline.sh"
	exit 1
fi
args=()
for d in "$@"; do
	args+=(--headers-dir2 "$d")
done
out=$(abidiff "${args[@]}" "$baseline" "$so" 2>&1)
rc=$?
echo "$out"
if [ $rc -ne 0 ]; then
	echo "FAIL: the ABI differs from tests/abi/libtdx.abi (abidiff status $rc:" \
	     "$( ((rc & 8)) && echo incompatible || echo compatible ) change)."
	echo "If the change is intended (before 0.1 only), regenerate the baseline:"
	echo "  scripts/abi-baseline.sh BUILD_DIR && git add tests/abi/libtdx.abi"
	exit 1
fi
echo "ABI matches tests/abi/libtdx.abi"
