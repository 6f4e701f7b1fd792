#!/bin/bash
# Install test (suite 'install'): `meson install` into a scratch DESTDIR,
# then check the installed tree the way a distribution or a user would.
# Usage: install-test.sh BUILDDIR SRCDIR PREFIX LIBDIR INCLUDEDIR MANDIR VERSION
# Prints one "ok"/"not ok" line per check (TAP); exits 1 if any failed.
set -uo pipefail
build=$1 src=$2 prefix=$3 libdir=$4 includedir=$5 mandir=$6 version=$7

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
n=0 failed=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
check()  { local what=$1; shift; if "$@" >"$tmp/out" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/# /' "$tmp/out"; fi; }

check "meson install --destdir" meson install -C "$build" --destdir "$dest" --no-rebuild --quiet

lib=$dest$libdir inc=$dest$includedir man=$dest$mandir
check "libtdx.so.0 installed with SONAME libtdx.so.0" \
	bash -c "readelf -d '$lib/libtdx.so.0' | grep -q 'SONAME.*\[libtdx.so.0\]'"
check "libtdx.so dev symlink -> libtdx.so.0" \
	bash -c "[ \"\$(readlink -f '$lib/libtdx.so')\" = \"\$(readlink -f '$lib/libtdx.so.0')\" ]"
check "symbols versioned LIBTDX_*" \
	bash -c "nm -D --defined-only '$lib/libtdx.so.0' | grep ' T tdx_' | grep -qv '@@LIBTDX_' && exit 1 || exit 0"
check "headers installed, private uAPI not" \
	bash -c "[ -f '$inc/libtdx.h' ] && [ -f '$inc/libtdx/version.h' ] && [ -f '$inc/libtdx/vm.h' ] && ! find '$dest' -name 'kvm-tdx.h' | grep -q ."

# pkg-config against the installed tree only (sysroot prefixes -I/-L).
pc=$lib/pkgconfig/libtdx.pc
# ALLOW_SYSTEM_*: keep -I/-L even when the prefix is a default search path
# (/usr, /usr/local): pkg-config drops those before adding the sysroot.
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
check "libtdx.pc installed" test -f "$pc"
check "pkg-config --validate" pkg-config --validate libtdx
check "Version = $version" bash -c "[ \"\$(pkg-config --modversion libtdx)\" = '$version' ]"
check "Name and Description present" bash -c "grep -q '^Name: libtdx$' '$pc' && grep -q '^Description: .' '$pc'"
# ${prefix}-relative, as is the convention: the file can be relocated.
pc_fields() {
	grep -Fqx "prefix=$prefix" "$pc" &&
		grep -Fqx "libdir=\${prefix}${libdir#"$prefix"}" "$pc" &&
		grep -Fqx "includedir=\${prefix}${includedir#"$prefix"}" "$pc"
}
check "prefix=$prefix, libdir and includedir relative to \${prefix}" pc_fields
cflags=$(pkg-config --cflags libtdx) libs=$(pkg-config --libs libtdx)
check "Cflags point into the install ($cflags)" bash -c "[[ '$cflags' == *'-I$inc'* ]]"
check "Libs link -ltdx from the install ($libs)" bash -c "[[ '$libs' == *'-L$lib'* && '$libs' == *-ltdx* ]]"

# The installed programs find the installed libtdx by themselves: this
# DESTDIR tree is a private prefix the dynamic linker does not search.
has_origin_runpath() { readelf -d "$1" | grep RUNPATH | grep -Fq '$ORIGIN/'; }
for tool in tdx-info tdx-measure tdboot; do
	exe=$dest$prefix/bin/$tool
	[ -x "$exe" ] || continue
	check "$tool has a RUNPATH relative to the binary (\$ORIGIN)" has_origin_runpath "$exe"
	check "$tool runs from the private prefix without LD_LIBRARY_PATH" \
		env -u LD_LIBRARY_PATH "$exe" --help
done

# A consumer, as C and as C++, built only with those flags.
export LD_LIBRARY_PATH=$lib
for lang in c c++; do
	if [ "$lang" = c ]; then comp=${CC:-cc} std=-std=c99; else comp=${CXX:-c++} std=-std=c++11; fi
	if ! command -v "$comp" >/dev/null; then ok "# SKIP $lang consumer: no $comp"; continue; fi
	exe=$tmp/consumer-$lang
	# shellcheck disable=SC2086
	check "consumer builds as $lang ($std -Wall -Wextra -Werror)" \
		$comp -x $lang $std -Wall -Wextra -Werror $cflags "$src/tests/install/consumer.c" -x none $libs -o "$exe"
	check "consumer ($lang) resolves the installed libtdx" \
		bash -c "ldd '$exe' | grep -q '$lib/libtdx.so.0'"
	check "consumer ($lang) runs" "$exe"
	sed 's/^/# /' "$tmp/out"
done

# Man pages (when built): section 3/7/1 pages and one alias per function.
if [ -d "$man" ]; then
	check "man pages installed (libtdx.7, libtdx-vm.3, tdx-info.1)" \
		test -f "$man/man7/libtdx.7" -a -f "$man/man3/libtdx-vm.3" -a -f "$man/man1/tdx-info.1"
	check "alias tdx_vm_init.3 -> libtdx-vm.3" \
		bash -c "[ \"\$(readlink '$man/man3/tdx_vm_init.3')\" = libtdx-vm.3 ]"
	nalias=$(find "$man/man3" -name 'tdx_*.3' | wc -l)
	nsym=$(nm -D --defined-only "$lib/libtdx.so.0" | grep -c ' T tdx_')
	check "one man3 entry per exported function ($nalias for $nsym)" test "$nalias" -eq "$nsym"
	if command -v man >/dev/null; then
		check "man -l renders tdx_vm_init(3)" \
			bash -c "MANWIDTH=80 man -l '$man/man3/tdx_vm_init.3' 2>&1 | grep -q 'tdx_vm_init'"
	elif command -v groff >/dev/null; then
		check "groff renders libtdx-vm(3)" \
			bash -c "groff -man -Tutf8 '$man/man3/libtdx-vm.3' | grep -q 'tdx_vm_init'"
	fi
else
	ok "# SKIP man pages: not built (-Ddocs=disabled or no scdoc)"
fi

echo "1..$n"
exit $failed
