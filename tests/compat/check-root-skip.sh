#!/bin/bash
# compat-root.sh with an unreachable archive (and an empty cache) exits 77
# with the reason, so the compat suite SKIPs instead of failing.
# Usage: check-root-skip.sh SRCDIR
set -u
[ "$(id -u)" -eq 0 ] || { echo "SKIP: compat-root.sh builds as root"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
err=$(XDG_CACHE_HOME=$tmp COMPAT_MIRROR=http://127.0.0.1:9/debian \
	"$1/scripts/compat-root.sh" 2>&1 >/dev/null)
rc=$?
echo "exit $rc: $err"
[ "$rc" -eq 77 ] || { echo "FAIL: expected exit 77"; exit 1; }
case "$err" in
*"127.0.0.1:9"*"unreachable"*) ;;
*) echo "FAIL: the reason does not name the unreachable archive"; exit 1 ;;
esac
[ ! -e "$tmp/libtdx-compat/sid-root" ] || { echo "FAIL: a root was left behind"; exit 1; }
echo "ok"
