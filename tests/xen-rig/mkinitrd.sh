#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mkinitrd.sh CACHE_DIR OUT: busybox initramfs for a dom0 whose root is the
# host's own / over 9p. The dom0 kernel's modules are not on the host, so
# everything dom0 needs is loaded from here before switch_root.
set -eu
cache=${1:?usage: mkinitrd.sh CACHE_DIR OUT}
out=${2:?usage: mkinitrd.sh CACHE_DIR OUT}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/modules.sh"
read -r _ vmlinuz kver < <("$here/../../scripts/fetch-rig.sh" --check "$cache") || exit 1
kdir=${vmlinuz%/boot/*}/lib/modules/$kver

# 9p root first, then dom0's Xen backends (and blkfront, for disks dom0
# attaches to itself); overlay lets dom0 create mount points (/rig-out)
# on top of the read-only host root.
mods="netfs fscache 9pnet virtio_ring virtio virtio_pci_legacy_dev
      virtio_pci_modern_dev virtio_pci 9pnet_virtio 9p overlay
      xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback
      xen-netback xen-blkfront loop tun bridge"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,newroot,lib/modules}
cp /bin/busybox "$work/bin/busybox"

# shellcheck disable=SC2086 # a list of module names
rig_copy_modules "$kdir" "$work/lib/modules" $mods ||
    { echo "mkinitrd.sh: cannot copy the modules" >&2; exit 1; }

cat > "$work/init" <<'INIT'
#!/bin/busybox sh
# dom0 stage 1: load modules, assemble the root, hand over to rig.init.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/order); do
    insmod /lib/modules/$m || echo "rig-initrd: insmod $m failed"
done
rig_init=
cache=
for a in $(cat /proc/cmdline); do
    case $a in
    rig.init=*) rig_init=${a#rig.init=} ;;
    rig.cache=loose) cache=,cache=loose ;;
    esac
done
fail() { echo "rig-initrd: $*"; echo o > /proc/sysrq-trigger; sleep 60; }
mkdir -p /lower /upper
mount -t 9p -o trans=virtio,version=9p2000.L,ro$cache root /lower ||
    fail "mount 9p root"
mount -t tmpfs -o mode=755 tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w \
    overlay /newroot || fail "mount overlay"
# Fresh, empty state for the Xen daemons, as on a freshly booted host.
# /tmp stays the host's (writable through the overlay): a build tree or
# a CI clone under it must be visible to dom0.
for d in /run /var/lib/xen /var/log; do
    mkdir -p /newroot$d && mount -t tmpfs tmpfs /newroot$d
done
mkdir -p /newroot/rig-out
mount -t 9p -o trans=virtio,version=9p2000.L out /newroot/rig-out ||
    fail "mount 9p out"
mount --move /dev /newroot/dev
umount /sys /proc
[ -n "$rig_init" ] || fail "no rig.init= on the command line"
# If rig.init dies before powering off, record its status and power off
# anyway: an init that exits panics dom0 and leaves the run to the timeout.
exec switch_root /newroot /bin/sh -c '"$0"; rc=$?
    [ -e /rig-out/status ] || echo "$rc" > /rig-out/status
    [ -e /proc/sysrq-trigger ] || mount -t proc proc /proc
    echo o > /proc/sysrq-trigger; sleep 60' "$rig_init"
INIT
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
