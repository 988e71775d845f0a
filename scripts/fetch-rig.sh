#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fetch-rig.sh [--check] CACHE_DIR: Debian's Xen hypervisor and dom0 kernel,
# unpacked (never installed: the host must not boot them) into
# CACHE_DIR/<kernel ABI>/. Prints "xen.elf vmlinuz kver".
# scripts/install-deps.sh --rig runs it before any test; the tests run it
# with --check, which only looks and fails if the tree is not there.
# Installs no package: install-deps.sh installs the host tools.
set -eu
usage="usage: fetch-rig.sh [--check] CACHE_DIR"
check=
[ "${1:-}" != --check ] || { check=1; shift; }
cache=${1:?$usage}
case $cache in /*) ;; *) cache=$(pwd)/$cache ;; esac

# The meta package names the current ABI number; the tree is keyed by it,
# so a kernel update fetches a new tree beside the old one.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
       sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' |
       head -n1)
[ -n "$kpkg" ] || {
    echo "fetch-rig.sh: apt-cache names no linux-image-6.1.0-*-amd64" \
         "(run apt-get update)" >&2
    exit 1
}
kver=${kpkg#linux-image-}
tree=$cache/$kver

found() {
    echo "$tree/xen.elf $tree/root/boot/vmlinuz-$kver $kver"
    exit 0
}
# A tree only ever appears whole (renamed into place below), so seeing
# the directory is enough and needs no lock.
[ ! -d "$tree" ] || found
if [ -n "$check" ]; then
    echo "fetch-rig.sh: no Xen and kernel $kver in $cache: as root, run" \
         "scripts/install-deps.sh --rig (make check does; RIG_CACHE names" \
         "another cache) or scripts/fetch-rig.sh $cache" >&2
    exit 1
fi

# Tests of two builds and install-deps.sh may get here at once: one
# fetches, the others wait for it and then find its tree.
mkdir -p "$cache"
exec 9>"$cache/.lock"
if ! flock -n 9; then
    echo "fetch-rig.sh: another fetch holds $cache/.lock; waiting for it" >&2
    flock -w "${RIG_FETCH_WAIT:-900}" 9 ||
        { echo "fetch-rig.sh: $cache/.lock still held after" \
               "${RIG_FETCH_WAIT:-900}s" >&2; exit 1; }
fi
[ ! -d "$tree" ] || found
# Holding the lock, any half-built tree is left from a fetch that was cut.
rm -rf "$cache"/.new-*
new=$(mktemp -d "$cache/.new-$kver.XXXXXX")
trap 'rm -rf "$new"' EXIT
(
    cd "$new"
    # As root, apt would try to download as user _apt, which cannot
    # write to this root-owned directory.
    apt-get download -q -o APT::Sandbox::User=root \
        xen-hypervisor-4.17-amd64 "$kpkg" >&2
    for deb in ./*.deb; do dpkg -x "$deb" root; done
    rm -f ./*.deb
    gunzip -c root/boot/xen-4.17-amd64.gz > xen.elf
    # The package ships no modules.dep; the initramfs builders need it
    # for the load order.
    depmod -b root "$kver"
)
for f in xen.elf "root/boot/vmlinuz-$kver" "root/lib/modules/$kver/modules.dep"
do
    [ -s "$new/$f" ] ||
        { echo "fetch-rig.sh: unpacking $kpkg gave no $f" >&2; exit 1; }
done
chmod 755 "$new"
mv "$new" "$tree"
trap - EXIT
found
