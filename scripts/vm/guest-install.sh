#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-install.sh: inside the test VM (scripts/vm/guest-check.sh runs it
# first), prove that the files the packages install work on their own:
# /syngate-install/root is what tests/install/host.sh staged for this kernel,
# i.e. the xt_SYNGATE.ko that `dkms install` put under
# /lib/modules/KVER/updates/dkms/ plus the contents of the syngate-iptables
# package (dpkg -x). The tree's own module and plugin that the VM image
# carries are moved aside first, so only the installed files can be used.
# Then: depmod; modprobe/rmmod; the first SYNGATE rule autoloads the module
# for iptables and for ip6tables; modinfo's version (= VERSION), license,
# description, author and aliases; the plugin's help and the installed
# syngatestat; the basic end-to-end scenario (tests/e2e/run.sh, connect,
# SYNGATE, nft, IPv4, FORWARD) with XTABLES_LIBDIR = the installed plugin
# directory. Finally the installed files are removed (as dkms remove and
# dpkg -r would) and the tree's copies put back, so that the rest of the
# VM run tests the tree's build as before.
# Prints PASS/FAIL/SKIP lines ("install: ..."); exit 0 iff nothing failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

failed=0
pass() { echo "PASS install: $*"; }
fail() { echo "FAIL install: $*"; failed=1; }
skip() { echo "SKIP install: $*"; }

stage=/syngate-install
kver=$(uname -r)
if [ ! -d "$stage/root" ]; then
	skip "packaged files in the VM (none staged for $kver: tests/install/host.sh makes them)"
	exit 0
fi
want=$(cat "$stage/VERSION" 2>/dev/null)
xtdir=$(pkg-config --variable=xtlibdir xtables 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/xtables)
moddir=/lib/modules/$kver
aside=/tmp/tree-copies
NS=sginst
OPTS=(--sack-perm --timestamp --wscale 7 --mss 1460)

loaded() { grep -q '^xt_SYNGATE ' /proc/modules; }
lap_t=0
lap() { echo "install: ($1: $((SECONDS - lap_t))s)"; lap_t=$SECONDS; }
unload() { # rmmod, retrying while netns teardown drops its references
	local _
	for _ in $(seq 1 20); do
		loaded || return 0
		rmmod xt_SYNGATE 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}
netns_clean() {
	ip netns pids $NS 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del $NS 2>/dev/null
	return 0
}

# ---------------------------------------------------------------- install
unload || fail "rmmod of an already loaded xt_SYNGATE before the test"
mkdir -p "$aside"
tree_ko=$(find "$moddir" -name 'xt_SYNGATE.ko*' 2>/dev/null)
for f in $tree_ko "$xtdir/libxt_SYNGATE.so"; do
	[ -e "$f" ] && mv "$f" "$aside/" && echo "$f" >> "$aside/list"
done
# Install the staged files at their real paths (the guest's /lib is a
# symlink to usr/lib, as on the host: follow it, never replace it).
installed=()
while IFS= read -r -d '' f; do
	f=${f#./}
	mkdir -p "/$(dirname "$f")" && cp -a "$stage/root/$f" "/$f" && installed+=("/$f")
done < <(cd "$stage/root" && find . \( -type f -o -type l \) -print0)
depmod -a "$kver"
lap "install + depmod"

# One modinfo run (each costs about a second under emulation).
info=$(modinfo xt_SYNGATE 2>/dev/null)
mi() { # mi FIELD: its values, space-separated
	awk -v k="$1:" '$1 == k { sub(/^[^:]*:[ \t]*/, ""); print }' <<< "$info" |
		tr '\n' ' ' | sed 's/ $//'
}
ko=$(mi filename)
others=$(find "$moddir" -name 'xt_SYNGATE.ko*' ! -path "$ko" 2>/dev/null)
case $ko in
"$moddir"/updates/dkms/xt_SYNGATE.ko*)
	if [ -z "$others" ]; then
		pass "the DKMS-built module is the only xt_SYNGATE.ko ($ko; ${#installed[@]} packaged files installed)"
	else
		fail "other xt_SYNGATE modules besides the installed one: $others"
	fi ;;
*)	fail "depmod finds the installed module under updates/dkms: modinfo -n says '$ko'" ;;
esac
if [ -f "$xtdir/libxt_SYNGATE.so" ] && cmp -s "$xtdir/libxt_SYNGATE.so" "$stage/root$xtdir/libxt_SYNGATE.so"; then
	pass "the packaged plugin is in the xtables directory ($xtdir)"
else
	fail "the packaged plugin is in the xtables directory ($xtdir)"
fi

# ---------------------------------------------------------------- modinfo
v=$(mi version) lic=$(mi license) desc=$(mi description) auth=$(mi author) alias=$(mi alias)
if [ -n "$want" ] && [ "$v" = "$want" ]; then
	pass "modinfo version $v = VERSION"
else
	fail "modinfo version '$v', VERSION '$want'"
fi
if [ "$lic" = GPL ]; then pass "modinfo license $lic"; else fail "modinfo license '$lic' (want GPL)"; fi
if [ -n "$desc" ]; then pass "modinfo description: $desc"; else fail "modinfo has no description"; fi
if [ -n "$auth" ]; then pass "modinfo author: $auth"; else fail "modinfo has no author"; fi
if [[ " $alias " == *" ipt_SYNGATE "* && " $alias " == *" ip6t_SYNGATE "* ]]; then
	pass "modinfo aliases: $alias"
else
	fail "modinfo aliases '$alias' (want ipt_SYNGATE and ip6t_SYNGATE)"
fi
signer=$(mi signer)
echo "install: module $ko, vermagic $(mi vermagic), signer ${signer:-none}"

lap modinfo
# ---------------------------------------------------------------- load
if out=$(modprobe xt_SYNGATE 2>&1) && loaded; then
	ver=$(cat /sys/module/xt_SYNGATE/version 2>/dev/null)
	if [ "$ver" = "$want" ]; then
		pass "modprobe xt_SYNGATE (loaded version $ver)"
	else
		fail "modprobe xt_SYNGATE loaded version '$ver', want '$want'"
	fi
	if unload; then pass "rmmod xt_SYNGATE"; else fail "rmmod xt_SYNGATE"; fi
else
	fail "modprobe xt_SYNGATE: $out"
fi

lap "modprobe/rmmod"
# The first SYNGATE rule makes the kernel load the module (iptables'
# default front end, nft here; the legacy ones are in guest-smoke.sh).
for ipt in iptables ip6tables; do
	unload
	netns_clean
	ip netns add $NS
	if out=$(ip netns exec $NS $ipt -t filter -A INPUT -p tcp -j SYNGATE "${OPTS[@]}" 2>&1) && loaded; then
		rule=$(ip netns exec $NS $ipt -t filter -S INPUT 2>&1 | grep -- '-j SYNGATE')
		if grep -q -- "-j SYNGATE ${OPTS[*]}\$" <<< "$rule"; then
			pass "$ipt: the first SYNGATE rule autoloads the installed module"
		else
			fail "$ipt: rule reads back as '$rule'"
		fi
	else
		fail "$ipt: the first SYNGATE rule autoloads the module: $out (loaded: $(loaded && echo yes || echo no))"
	fi
	netns_clean
done

lap autoload
help=$(iptables -j SYNGATE -h 2>&1)
if grep -q -F "syngate $want)" <<< "$help"; then
	pass "the plugin's help shows version $want"
else
	fail "the plugin's help shows version $want: $(grep -i syngate <<< "$help" | head -n 2)"
fi
if [ -x /usr/sbin/syngatestat ]; then
	ip netns add $NS
	ip netns exec $NS iptables -A INPUT -p tcp -j SYNGATE "${OPTS[@]}" 2>/dev/null
	if out=$(ip netns exec $NS /usr/sbin/syngatestat 2>&1) && [ -n "$out" ]; then
		pass "the installed syngatestat runs ($(echo "$out" | head -n 1))"
	else
		fail "the installed syngatestat: $out"
	fi
	netns_clean
else
	fail "no /usr/sbin/syngatestat installed"
fi

lap "help, syngatestat"
# ---------------------------------------------------------------- e2e
if [ -f tests/e2e/run.sh ]; then
	unload
	E2E_TARGETS=SYNGATE E2E_BACKENDS=nft E2E_FAMILIES=4 E2E_HOOKS=FORWARD \
		E2E_SCENARIOS=connect XTABLES_LIBDIR=$xtdir \
		bash tests/e2e/run.sh > /tmp/install-e2e.log 2>&1
	rc=$?
	sed 's/^/  | /' /tmp/install-e2e.log
	ver=$(cat /sys/module/xt_SYNGATE/version 2>/dev/null)
	if [ $rc = 0 ] && grep -q '^PASS connect ' /tmp/install-e2e.log; then
		pass "e2e connect (SYNGATE, nft, IPv4, FORWARD) with only the installed files (module version ${ver:-?})"
	else
		fail "e2e connect with only the installed files (exit $rc; see the lines above)"
	fi
else
	skip "e2e connect (tests/e2e/run.sh missing)"
fi

lap e2e
# ---------------------------------------------------------------- restore
unload || fail "rmmod after the tests (the tree's module cannot be put back)"
for f in "${installed[@]}"; do
	rm -f "$f"
done
while read -r f; do
	mv "$aside/$(basename "$f")" "$f"
done < "$aside/list" 2>/dev/null
depmod -a "$kver"
now=$(modinfo -n xt_SYNGATE 2>/dev/null)
case $now in
*/updates/dkms/*) fail "the tree's module is back after removing the packaged files (modinfo -n: $now)" ;;
*) echo "install: removed the packaged files; the tree's copies are back (${now:-no module})" ;;
esac
lap restore
echo "install: guest part ${SECONDS}s"
exit $failed
