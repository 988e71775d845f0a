#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mkinitrd.sh CACHE_DIR OUT [MODULE...]: busybox initramfs for a dom0 whose
# root is the host's own / over 9p. The dom0 kernel's modules are not on
# the host, so everything dom0 needs is loaded from here before
# switch_root. MODULE... replaces dom0's Xen modules after the 9p and
# overlay ones, for a rig that boots the same kernel without Xen.
#
# The kernel parameter rig.exit=port makes every power-off of the rig
# (the fallback after rig.init, and a failed stage 1) a write to QEMU's
# isa-debug-exit device at 0xf4 before the sysrq power-off: after a
# nested KVM guest ran, the kernel's own power-off hangs.
set -eu
usage="usage: mkinitrd.sh CACHE_DIR OUT [MODULE...]"
cache=${1:?$usage}
out=${2:?$usage}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/modules.sh"
read -r _ vmlinuz kver < <("$here/../../scripts/fetch-rig.sh" --check "$cache") || exit 1
kdir=${vmlinuz%/boot/*}/lib/modules/$kver

# 9p root first, then dom0's Xen backends (and blkfront, for disks dom0
# attaches to itself); overlay lets dom0 create mount points (/rig-out)
# on top of the read-only host root.
mods="netfs fscache 9pnet virtio_ring virtio virtio_pci_legacy_dev
      virtio_pci_modern_dev virtio_pci 9pnet_virtio 9p overlay"
if [ $# -gt 0 ]; then
    mods="$mods $*"
else
    mods="$mods xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs
          xen-blkback xen-netback xen-blkfront loop tun bridge"
fi

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
rig_exit=
for a in $(cat /proc/cmdline); do
    case $a in
    rig.init=*) rig_init=${a#rig.init=} ;;
    rig.cache=loose) cache=,cache=loose ;;
    rig.exit=port) rig_exit=port ;;
    esac
done
fail() {
    echo "rig-initrd: $*"
    [ "$rig_exit" != port ] ||
        printf '\001' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
    echo o > /proc/sysrq-trigger; sleep 60
}
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
    [ "$1" != port ] ||
        printf "\001" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
    echo o > /proc/sysrq-trigger; sleep 60' "$rig_init" "$rig_exit"
INIT
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
