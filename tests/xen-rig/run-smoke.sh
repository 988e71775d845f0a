#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-smoke.sh [CACHE_DIR]: TAP test that real Xen boots under TCG with a
# dom0 on the host's root and that xl reaches the hypervisor. The whole run
# is bounded (RIG_BUDGET seconds, default 300) so a hang cannot stall CI.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-/var/cache/qemu-xenpv-rig}
budget=${RIG_BUDGET:-300}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Everything dom0 sees of the host is read-only, so its outputs come back
# through this directory.
out=$tmp/out
mkdir -p "$out"

# dom0's root is the host's / over 9p, and fetch.sh installs packages.
if [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP the rig needs root"
    exit 0
fi
echo "1..1"
fail() {
    echo "not ok 1 xen boots and xl works # $1"
    [ ! -s "$out/serial.log" ] || tail -n 40 "$out/serial.log" | sed 's/^/# /'
    for f in "$out"/xl-*.txt; do [ ! -s "$f" ] || sed "s|^|# ${f##*/}: |" "$f"; done
    exit 1
}

timeout 150 "$here/fetch.sh" "$cache" > /dev/null || fail "fetch.sh failed"
timeout 60 "$here/mkinitrd.sh" "$cache" "$tmp/dom0-initrd.gz" ||
    fail "mkinitrd.sh failed"
left=$((budget - SECONDS))
[ "$left" -gt 30 ] || fail "no time left to boot (${SECONDS}s used)"

rc=0
RIG_INITRD=$tmp/dom0-initrd.gz "$here/boot.sh" "$cache" "$here/smoke.sh" \
    "$out" "$left" || rc=$?
[ "$rc" = 0 ] || fail "boot.sh exit status $rc after ${SECONDS}s"
grep -q '^xen_major *: 4' "$out/xl-info.txt" || fail "xl info: no xen_major"
grep -q '^Domain-0 ' "$out/xl-list.txt" || fail "xl list: no Domain-0"
echo "ok 1 xen boots and xl works # ${SECONDS}s"
