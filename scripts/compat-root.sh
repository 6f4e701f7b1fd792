#!/bin/bash
# The Debian sid root the compat suite runs QEMU in: qemu-system-x86 (11.x)
# and ovmf from the Debian archive this machine's apt uses, built once with
# mmdebstrap and cached outside the source tree:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/libtdx-compat/sid-root
# Usage: scripts/compat-root.sh      prints the root's path
# Exit status: 0 ready, 77 cannot be built here (reason on stderr: not root,
# archive unreachable), 1 the build failed.
# The root is built in a temporary directory and renamed into place, under
# a lock, so parallel callers wait for one build and never see half a root.
# Nothing in an existing root is changed.
set -euo pipefail
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/libtdx-compat
ROOT=$CACHE/sid-root
QEMU=usr/bin/qemu-system-x86_64

ready() { [ -x "$ROOT/$QEMU" ] && [ -f "$ROOT/usr/share/ovmf/OVMF.fd" ]; }
skip() { echo "compat-root: SKIP: $*" >&2; exit 77; }

if ready; then echo "$ROOT"; exit 0; fi
[ "$(id -u)" -eq 0 ] || skip "building the sid root needs root (mmdebstrap root mode, chroot)"
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9
if ready; then echo "$ROOT"; exit 0; fi	# another caller built it meanwhile

# The mirror this machine's apt uses (deb822 first, then sources.list);
# COMPAT_MIRROR overrides it.
URI=${COMPAT_MIRROR:-}	# override (tests of this script)
[ -n "$URI" ] || URI=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$URI" ] || URI=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$URI" ] || URI=http://deb.debian.org/debian
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
why=$(python3 - "$URI/dists/sid/Release" 2>&1 <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=15) as r:
        if b"Suite: unstable" not in r.read(4096):
            sys.exit("not a Debian unstable Release file")
except OSError as e:
    sys.exit(str(getattr(e, "reason", e)))
PY
) || skip "Debian archive $URI unreachable (dists/sid/Release: $why)"
if ! command -v mmdebstrap >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null ||
		skip "mmdebstrap is not installed and could not be installed"
fi

TMP=$ROOT.tmp.$$
rm -rf "$TMP"
trap 'rm -rf "$TMP"' EXIT
# sid's Release file may carry an expired Valid-Until: the signature is still
# checked against the archive keyring.
if ! mmdebstrap --variant=apt --aptopt='Acquire::Check-Valid-Until "false"' \
	--keyring="$KEYRING" --include=qemu-system-x86,ovmf \
	sid "$TMP" "$URI" >"$CACHE/build.log" 2>&1; then
	echo "compat-root: mmdebstrap failed (log: $CACHE/build.log)" >&2
	tail -5 "$CACHE/build.log" >&2
	exit 1
fi
[ -x "$TMP/$QEMU" ] || { echo "compat-root: no $QEMU in the new root" >&2; exit 1; }
mv -T "$TMP" "$ROOT"
trap - EXIT
echo "$ROOT"
