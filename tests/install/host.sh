#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/install/host.sh: host-side tests of the production install, run by
# tests/check.sh (its "install" part) before the VMs:
#   1. one version: VERSION, dkms.conf's PACKAGE_VERSION and debian/changelog
#      agree, and the tree's module builds (build/KVER/src) carry it;
#   2. make dist: the tarball holds what make, DKMS and dpkg need (every
#      tracked module source), no build products, and is reproducible;
#   3. from the unpacked tarball, `make install DESTDIR=... KDIR=<first
#      kernel>`: the module through modules_install under updates/ (modinfo
#      version = VERSION), the plugin in pkg-config's xtlibdir (its help shows
#      VERSION), syngatestat, the man8 pages; `make uninstall` removes them;
#   4. make deb: dpkg-buildpackage -us -uc -b on the unpacked tarball gives
#      syngate-dkms and syngate-iptables with the expected contents and
#      version; lintian reports no error (its warnings are printed);
#   5. DKMS, from the syngate-dkms package's /usr/src/syngate-<version>:
#      dkms add, then for each kernel dkms build -k and dkms install -k;
#      modinfo of the installed module (version = VERSION, license, author,
#      description, aliases, vermagic); dkms remove --all removes it;
#   6. stages, per kernel, the files the packages install (the DKMS-built
#      module + the syngate-iptables contents) in build/KVER/install-stage/
#      for the VM half, scripts/vm/guest-install.sh.
# Nothing outside build/ is touched: DKMS runs on private trees
# (--dkmstree, --sourcetree, --installtree, --no-depmod) with a throw-away
# signing key. Env: INSTALL_KERNELS (default $CHECK_KERNELS, else
# "6.1 6.12"). Prints PASS/FAIL/SKIP lines, "N passed, N failed" last;
# exit 0 iff nothing failed. Work files and logs: build/install/.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
out=$top/build/install
mkdir -p "$top/build"
exec 9>"$top/build/.install.lock"
flock 9
rm -rf "$out"
mkdir -p "$out"

np=0 nf=0 ns=0
pass() { echo "PASS install: $*"; np=$((np + 1)); }
fail() { echo "FAIL install: $*"; nf=$((nf + 1)); }
skip() { echo "SKIP install: $*"; ns=$((ns + 1)); }
note() { echo "install: $*"; }
show() { sed 's/^/  | /' "$@"; }
finish() {
	local s="$np passed, $nf failed"
	[ "$ns" -gt 0 ] && s+=", $ns skipped"
	echo "$s"
	[ "$nf" = 0 ]
	exit
}
t_start=0
tic() { t_start=$(date +%s); }
toc() { echo "$(( $(date +%s) - t_start ))s"; }

kernel_names=${INSTALL_KERNELS:-${CHECK_KERNELS:-6.1 6.12}}
kvers=()
for k in $kernel_names; do
	if vars=$(scripts/vm/kernels.sh "$k" 2>&1); then
		kvers+=("$(eval "$vars"; echo "$KVER")")
	else
		fail "kernel $k: $vars"
	fi
done
for f in "${kvers[@]}"; do
	rm -rf "$top/build/$f/install-stage"   # never leave a stale one
done

for c in dkms dpkg-buildpackage lintian dh_dkms pkg-config; do
	command -v $c >/dev/null || { fail "$c is not installed (run scripts/deps.sh)"; finish; }
done
xtlibdir=$(pkg-config --variable=xtlibdir xtables 2>/dev/null)
[ -n "$xtlibdir" ] || { fail "pkg-config xtables has no xtlibdir (libxtables-dev)"; finish; }

# ------------------------------------------------------------- 1. version
version=$(head -n 1 VERSION 2>/dev/null | tr -d '[:space:]')
dkmsv=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf 2>/dev/null)
debv=$(dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]; then
	fail "VERSION '$version' is not a version"
elif [ "$dkmsv" = "$version" ] && [ "$debv" = "$version" ]; then
	pass "version: VERSION, dkms.conf and debian/changelog all say $version"
else
	fail "version: VERSION '$version', dkms.conf '$dkmsv', debian/changelog '$debv'"
fi
name=syngate-$version
# The tree's own module builds (scripts/vm/build-kmod.sh, which check.sh
# runs first) carry the same version.
for kv in "${kvers[@]}"; do
	ko=build/$kv/src/kmod/xt_SYNGATE.ko
	if [ ! -f "$ko" ]; then
		skip "modinfo version of the tree's build for $kv (not built: scripts/vm/build-kmod.sh $kv)"
	elif [ "$(modinfo -F version "$ko" 2>/dev/null)" = "$version" ]; then
		pass "modinfo -F version of the tree's $ko = VERSION ($version)"
	else
		fail "modinfo -F version of $ko is '$(modinfo -F version "$ko" 2>/dev/null)', VERSION $version"
	fi
done

# ------------------------------------------------------------- 2. make dist
tic
if ! tarball=$(scripts/dist.sh "$out/dist" 2> "$out/dist.log"); then
	show "$out/dist.log"
	fail "make dist (scripts/dist.sh)"
	finish
fi
listing=$(tar -tzf "$tarball")
missing=()
for f in VERSION LICENSE README.md Makefile Kbuild dkms.conf scripts/kdir.sh \
		$(git ls-files kmod include xt_userspace debian); do
	grep -q -x -F "$name/$f" <<< "$listing" || missing+=("$f")
done
junk=$(grep -E '\.(o|ko|so|mod|mod\.c|cmd|order|symvers|a)$|\.ko\.xz$|\.tmp_versions/' <<< "$listing" | head -n 5)
outside=$(grep -v "^$name/" <<< "$listing" | head -n 3)
if [ "$(basename "$tarball")" != "$name.tar.gz" ]; then
	fail "make dist: tarball is $(basename "$tarball"), want $name.tar.gz"
elif [ ${#missing[@]} -gt 0 ]; then
	fail "make dist: $name.tar.gz lacks ${missing[*]}"
elif [ -n "$junk$outside" ]; then
	fail "make dist: build products or stray paths in the tarball: $junk $outside"
else
	pass "make dist: $name.tar.gz ($(wc -l <<< "$listing") files, $(du -k "$tarball" | cut -f1) KiB) has the module, plugin and packaging sources, no build products"
fi
t2=$(scripts/dist.sh "$out/dist2" 2>/dev/null)
if [ -n "$t2" ] && cmp -s "$tarball" "$t2"; then
	pass "make dist is reproducible (same bytes twice)"
else
	fail "make dist is reproducible: two runs differ"
fi
note "make dist: $(toc)"

# ------------------------------------------------ 3. make install DESTDIR
# In the background, beside step 4: kbuild here runs one job, and
# dpkg-buildpackage and lintian use one CPU too.
sec_install() {
	local s0=$SECONDS
	k1=${kvers[0]:-}
	kdir=/usr/src/linux-headers-$k1
	[ -d "$kdir" ] || kdir=/lib/modules/$k1/build
	dest=$out/destdir
	if [ -z "$k1" ]; then
		fail "make install: no kernel"
	elif ! make -C "$src" install DESTDIR="$dest" KDIR="$kdir" > "$out/make-install.log" 2>&1; then
		tail -n 30 "$out/make-install.log" | show
		fail "make install DESTDIR KDIR=$kdir from the unpacked tarball (build/install/make-install.log)"
	else
		ko=$(ls "$dest/lib/modules/$k1/updates/"*/xt_SYNGATE.ko* "$dest/lib/modules/$k1/updates/"xt_SYNGATE.ko* 2>/dev/null | head -n 1)
		want_files=("$dest$xtlibdir/libxt_SYNGATE.so" "$dest/usr/sbin/syngatestat"
			"$dest/usr/sbin/syngatectl" "$dest/usr/share/man/man8/xt_SYNGATE.8"
			"$dest/usr/share/man/man8/syngatestat.8" "$dest/usr/share/man/man8/syngatectl.8")
		absent=()
		for f in "${want_files[@]}"; do [ -f "$f" ] || absent+=("${f#"$dest"}"); done
		if [ -z "$ko" ]; then
			fail "make install: no xt_SYNGATE.ko under DESTDIR/lib/modules/$k1/updates/"
		elif [ ${#absent[@]} -gt 0 ]; then
			fail "make install: missing ${absent[*]}"
		else
			pass "make install from the tarball: ${ko#"$dest"}, $xtlibdir/libxt_SYNGATE.so, /usr/sbin/syngatestat, /usr/sbin/syngatectl, man8/xt_SYNGATE.8, man8/syngatestat.8, man8/syngatectl.8"
		fi
		if [ -n "$ko" ]; then
			v=$(modinfo -F version "$ko" 2>/dev/null)
			vm=$(modinfo -F vermagic "$ko" 2>/dev/null)
			if [ "$v" = "$version" ] && [ "${vm%% *}" = "$k1" ]; then
				pass "make install: modinfo version of the installed module = VERSION ($v), vermagic $k1"
			else
				fail "make install: modinfo version '$v' (VERSION $version), vermagic '$vm' (want $k1)"
			fi
		fi
		if [ -f "$dest$xtlibdir/libxt_SYNGATE.so" ]; then
			h=$(XTABLES_LIBDIR="$dest$xtlibdir:$xtlibdir" iptables-legacy -j SYNGATE -h 2>&1)
			if grep -q -F "syngate $version)" <<< "$h"; then
				pass "make install: the installed plugin's help shows version $version"
			else
				fail "make install: the plugin's help lacks 'syngate $version': $(grep -i syngate <<< "$h" | head -n 2)"
			fi
		fi
		m=$dest/usr/share/man/man8/xt_SYNGATE.8
		if [ -f "$m" ]; then
			mw=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l "$m" 2>&1 >/dev/null)
			if [ -n "$mw" ]; then
				fail "man page xt_SYNGATE.8 has groff warnings: $(head -n 3 <<< "$mw")"
			elif grep -q -F "syngate $version" <<< "$(head -n 1 "$m")"; then
				pass "xt_SYNGATE(8) renders without warnings and names version $version"
			else
				fail "xt_SYNGATE(8) does not name version $version: $(head -n 1 "$m")"
			fi
		fi
		if make -C "$src" uninstall DESTDIR="$dest" KDIR="$kdir" > "$out/make-uninstall.log" 2>&1; then
			left=$(find "$dest" -type f | sed "s|^$dest||" | head -n 5)
			if [ -z "$left" ]; then
				pass "make uninstall DESTDIR removes every installed file"
			else
				fail "make uninstall left: $left"
			fi
		else
			tail -n 20 "$out/make-uninstall.log" | show
			fail "make uninstall DESTDIR"
		fi
	fi
	note "make install/uninstall: $((SECONDS - s0))s"
}
src=$out/src/$name
mkdir -p "$out/src"
tar -xzf "$tarball" -C "$out/src"
sec_install > "$out/sec-install.out" 2>&1 &
sec_install_pid=$!

# ------------------------------------------------------------- 4. make deb
tic
debs=()
if ! scripts/deb.sh "$out/deb" > "$out/deb.list" 2> "$out/deb.log"; then
	tail -n 30 "$out/deb.log" | show
	fail "dpkg-buildpackage -us -uc -b (scripts/deb.sh; build/install/deb.log)"
else
	dkms_deb=$out/deb/syngate-dkms_${version}_all.deb
	ipt_deb=$(ls "$out/deb/syngate-iptables_${version}_"*.deb 2>/dev/null | head -n 1)
	if [ -f "$dkms_deb" ] && [ -f "$ipt_deb" ]; then
		pass "dpkg-buildpackage -us -uc -b: $(basename "$dkms_deb"), $(basename "$ipt_deb")"
		debs=("$dkms_deb" "$ipt_deb")
	else
		fail "dpkg-buildpackage made no syngate-dkms/syngate-iptables $version: $(cat "$out/deb.list")"
	fi
fi
if [ ${#debs[@]} = 2 ]; then
	bad=()
	for d in "${debs[@]}"; do
		[ "$(dpkg-deb -f "$d" Version)" = "$version" ] || bad+=("$(basename "$d"): Version $(dpkg-deb -f "$d" Version)")
	done
	c1=$(dpkg-deb -c "$dkms_deb" | awk '{print $6}')
	for f in dkms.conf Kbuild VERSION kmod/Kbuild kmod/main.c include/xt_SYNGATE.h; do
		grep -q -x -F "./usr/src/$name/$f" <<< "$c1" || bad+=("syngate-dkms lacks /usr/src/$name/$f")
	done
	grep -q -E '\.(o|ko)$' <<< "$c1" && bad+=("syngate-dkms carries build products")
	grep -q dkms <<< "$(dpkg-deb -f "$dkms_deb" Depends)" || bad+=("syngate-dkms does not depend on dkms")
	[ "$(dpkg-deb -f "$dkms_deb" Architecture)" = all ] || bad+=("syngate-dkms is not Architecture: all")
	c2=$(dpkg-deb -c "$ipt_deb" | awk '{print $6}')
	for f in ".$xtlibdir/libxt_SYNGATE.so" ./usr/sbin/syngatestat ./usr/sbin/syngatectl \
			./usr/share/man/man8/xt_SYNGATE.8.gz ./usr/share/man/man8/syngatestat.8.gz \
			./usr/share/man/man8/syngatectl.8.gz; do
		grep -q -x -F "$f" <<< "$c2" || bad+=("syngate-iptables lacks ${f#.}")
	done
	conf=$(dpkg-deb --fsys-tarfile "$dkms_deb" | tar -xOf - "./usr/src/$name/dkms.conf" 2>/dev/null)
	grep -q -x "PACKAGE_VERSION=\"$version\"" <<< "$conf" || bad+=("the packaged dkms.conf is not version $version")
	if [ ${#bad[@]} = 0 ]; then
		pass "packages: version $version; syngate-dkms (all, Depends: $(dpkg-deb -f "$dkms_deb" Depends)) has the module source and dkms.conf; syngate-iptables has the plugin in $xtlibdir, syngatestat, syngatectl and their man8 pages"
	else
		fail "packages: ${bad[*]}"
	fi
	changes=$(ls "$out/deb/syngate_${version}_"*.changes 2>/dev/null | head -n 1)
	if [ -n "$changes" ]; then lint=("$changes"); else lint=("${debs[@]}"); fi
	lintian --pedantic -I --show-overrides "${lint[@]}" > "$out/lintian.log" 2>&1
	lrc=$?
	grep -v 'running with root privileges' "$out/lintian.log" | show
	ne=$(grep -c '^E: ' "$out/lintian.log")
	nw=$(grep -c '^W: ' "$out/lintian.log")
	ni=$(grep -c -E '^(I|P|X): ' "$out/lintian.log")
	no=$(grep -c '^O: ' "$out/lintian.log")
	if [ "$ne" != 0 ]; then
		fail "lintian: $ne errors (build/install/lintian.log)"
	elif [ $lrc != 0 ]; then
		fail "lintian exited $lrc without an error tag (build/install/lintian.log)"
	else
		pass "lintian --pedantic on $(basename "${lint[0]}"): 0 errors, $nw warnings, $ni info/pedantic, $no overridden"
	fi
fi
note "make deb + lintian: $(toc)"

wait "$sec_install_pid"
cat "$out/sec-install.out"
np=$((np + $(grep -c '^PASS ' "$out/sec-install.out")))
nf=$((nf + $(grep -c '^FAIL ' "$out/sec-install.out")))
ns=$((ns + $(grep -c '^SKIP ' "$out/sec-install.out")))

# ------------------------------------------------------------- 5. DKMS
tic
dk=$out/dkms
staged=()
if [ ${#debs[@]} != 2 ]; then
	skip "dkms add/build/install (no syngate-dkms package)"
else
	mkdir -p "$dk/tree" "$dk/src" "$dk/inst" "$dk/pkg"
	dpkg-deb -x "$dkms_deb" "$dk/pkg"
	# A throw-away signing key: never create /var/lib/dkms/mok.* here.
	export mok_signing_key=$dk/mok.key mok_certificate=$dk/mok.pub
	D=(dkms --dkmstree "$dk/tree" --sourcetree "$dk/src" --installtree "$dk/inst")
	if "${D[@]}" add "$dk/pkg/usr/src/$name" > "$dk/add.log" 2>&1; then
		pass "dkms add /usr/src/$name (from syngate-dkms)"
	else
		show "$dk/add.log"
		fail "dkms add /usr/src/$name"
	fi
	for kv in "${kvers[@]}"; do
		mkdir -p "$dk/inst/$kv"
		s=$(date +%s)
		if ! "${D[@]}" build -m syngate -v "$version" -k "$kv" > "$dk/build-$kv.log" 2>&1; then
			show "$dk/build-$kv.log"
			tail -n 30 "$dk/tree/syngate/$version/build/make.log" 2>/dev/null | show
			fail "dkms build -k $kv"
			continue
		fi
		secs=$(( $(date +%s) - s ))
		if ! "${D[@]}" install -m syngate -v "$version" -k "$kv" --no-depmod > "$dk/install-$kv.log" 2>&1; then
			show "$dk/install-$kv.log"
			fail "dkms install -k $kv"
			continue
		fi
		ko=$(ls "$dk/inst/$kv/updates/dkms/"xt_SYNGATE.ko* 2>/dev/null | head -n 1)
		if [ -z "$ko" ]; then
			fail "dkms install -k $kv: no xt_SYNGATE.ko under updates/dkms/"
			continue
		fi
		pass "dkms build + install -k $kv: /lib/modules/$kv/updates/dkms/$(basename "$ko") (build ${secs}s)"
		mi() { modinfo -F "$1" "$ko" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
		bad=()
		[ "$(mi version)" = "$version" ] || bad+=("version '$(mi version)' != $version")
		[ "$(mi license)" = GPL ] || bad+=("license '$(mi license)'")
		[ -n "$(mi description)" ] || bad+=("no description")
		[ -n "$(mi author)" ] || bad+=("no author")
		case " $(mi alias) " in
		*" ipt_SYNGATE "*) ;; *) bad+=("no alias ipt_SYNGATE") ;;
		esac
		case " $(mi alias) " in
		*" ip6t_SYNGATE "*) ;; *) bad+=("no alias ip6t_SYNGATE") ;;
		esac
		vm=$(mi vermagic)
		[ "${vm%% *}" = "$kv" ] || bad+=("vermagic '$vm'")
		if [ ${#bad[@]} = 0 ]; then
			pass "dkms module for $kv: modinfo version $version, license GPL, author, description, aliases $(mi alias), vermagic $kv"
		else
			fail "dkms module for $kv: ${bad[*]}"
		fi
		# 6. what the packages install on this kernel, for the VM half
		st=$top/build/$kv/install-stage
		rm -rf "$st.new"
		mkdir -p "$st.new/root/lib/modules/$kv/updates/dkms"
		cp "$ko" "$st.new/root/lib/modules/$kv/updates/dkms/"
		dpkg-deb -x "$ipt_deb" "$st.new/root"
		echo "$version" > "$st.new/VERSION"
		(cd "$st.new/root" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$st.new/MANIFEST"
		rm -rf "$st"
		mv "$st.new" "$st"
		staged+=("$kv")
	done
	if grep -q ': installed' <<< "$("${D[@]}" status -m syngate -v "$version" 2>/dev/null)"; then
		if "${D[@]}" remove -m syngate -v "$version" --all --no-depmod > "$dk/remove.log" 2>&1 &&
				[ -z "$(find "$dk/inst" -name 'xt_SYNGATE.ko*')" ] &&
				[ -z "$("${D[@]}" status -m syngate 2>/dev/null)" ]; then
			pass "dkms remove --all (what the package's prerm runs) removes the modules"
		else
			show "$dk/remove.log"
			fail "dkms remove --all: $(find "$dk/inst" -name 'xt_SYNGATE.ko*') $("${D[@]}" status -m syngate 2>&1)"
		fi
	fi
	[ -d /var/lib/dkms/syngate ] && fail "the host's /var/lib/dkms was used (syngate is in it)"
fi
note "dkms: $(toc)"
if [ ${#staged[@]} -gt 0 ]; then
	note "staged the packaged files for the VM test (build/KVER/install-stage): ${staged[*]}"
fi
finish
