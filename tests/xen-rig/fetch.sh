#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fetch.sh CACHE_DIR: get Debian's Xen hypervisor and dom0 kernel into
# CACHE_DIR without installing them (the host must not boot them), plus
# the host tools the rig needs. Idempotent; prints "xen.elf vmlinuz kver".
set -eu
cache=${1:?usage: fetch.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# Host side: the emulator, initramfs tools, depmod; the Xen userland that
# dom0 runs in place from the host's root over 9p.
need=
for p in qemu-system-x86 cpio busybox-static kmod xz-utils \
         xen-utils-4.17 xenstore-utils; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        need="$need $p"
done
if [ -n "$need" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends $need >&2
fi

# The meta package names the current ABI number; pin to it.
kpkg=$(apt-cache depends linux-image-amd64 |
       sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' |
       head -n1)
[ -n "$kpkg" ] || { echo "fetch.sh: no linux-image in depends" >&2; exit 1; }
kver=${kpkg#linux-image-}

cd "$cache"
for p in xen-hypervisor-4.17-amd64 "$kpkg"; do
    ls "$p"_*.deb >/dev/null 2>&1 || apt-get download "$p" >&2
    # A stamp, not the tree, says unpacking finished (dpkg -x can be cut).
    if [ ! -e ".$p.unpacked" ]; then
        dpkg -x "$p"_*.deb root
        touch ".$p.unpacked"
    fi
done

[ -s xen.elf ] || { gunzip -c root/boot/xen-4.17-amd64.gz > xen.elf.tmp &&
                    mv xen.elf.tmp xen.elf; }
# Package ships no modules.dep; the initramfs needs it for ordering.
[ -s "root/lib/modules/$kver/modules.dep" ] || depmod -b root "$kver"

echo "$cache/xen.elf $cache/root/boot/vmlinuz-$kver $kver"
