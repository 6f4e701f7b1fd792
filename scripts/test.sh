#!/bin/bash
# Set up and run every libtdx test suite: a -Werror build (its unit and
# simulator suites also under valgrind), then the same suites again under
# AddressSanitizer + UndefinedBehaviorSanitizer, and the multi-threaded
# simulator suites under ThreadSanitizer.  The compat suite (Debian sid's
# QEMU launching a TD under tdxsim) runs once, in the plain build: the
# sanitizer builds do not register it, and its sid root is cached in
# ~/.cache/libtdx-compat between runs.  Man pages are built
# (-Ddocs=enabled) and checked (suite docs); the plain build also installs
# into a scratch DESTDIR and builds a consumer against it (suite install).
# Usage: scripts/test.sh            (from a fresh Debian 12 clone)
# Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || { echo "deps: install failed"; exit 1; }

total_pass=0 total_fail=0 total_skip=0
status=0

count() {	# count <builddir> [log name]: add that run's results to the totals
	local log="$1/meson-logs/${2:-testlog.json}"
	[ -f "$log" ] || return 0
	read -r p f s < <(python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
}

run() {		# run <builddir> <suites|all> <meson setup args...>
	local dir="$1" suites="$2"; shift 2
	local sel=()
	[ "$suites" = all ] || for x in $suites; do sel+=(--suite "$x"); done
	echo "=== build $dir ($*)"
	rm -rf "$dir"
	if ! meson setup "$dir" -Dtests=enabled -Ddocs=enabled --werror "$@" >"$dir.setup.log" 2>&1; then
		cat "$dir.setup.log"; status=1; total_fail=$((total_fail + 1)); return
	fi
	if ! ninja -C "$dir"; then
		status=1; total_fail=$((total_fail + 1)); return
	fi
	echo "=== test $dir"
	meson test -C "$dir" --print-errorlogs --num-processes 2 "${sel[@]}" || status=1
	count "$dir"
}

mkdir -p build-ci
run build-ci/plain all
# The same build's unit and simulator suites under valgrind (leaks are errors).
if [ -d build-ci/plain ] && command -v valgrind >/dev/null; then
	echo "=== test build-ci/plain under valgrind"
	meson test -C build-ci/plain --setup valgrind --suite unit --suite sim \
		--print-errorlogs --num-processes 2 || status=1
	count build-ci/plain testlog-valgrind.json
fi
run build-ci/asan all -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug
# ThreadSanitizer over the suites where several vCPU threads run at once.
run build-ci/tsan sim -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug

echo "${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
exit $status
