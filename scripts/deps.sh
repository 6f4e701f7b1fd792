#!/bin/bash
# Install what libtdx needs to build and test, from Debian's archive.
# Usage: scripts/deps.sh   (as root, or with sudo available)
set -euo pipefail

PKGS=(meson ninja-build gcc g++ pkg-config check libssl-dev ovmf scdoc groff-base jq
      valgrind python3 mmdebstrap abigail-tools)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
