#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mkdomu.sh CACHE_DIR OUT [EXTRA_HOST_BINARY...]: busybox initramfs for a
# PV domU booted with the rig's own kernel. The guest has no root disk and
# no modprobe, so everything it runs is in here: the block and net frontends,
# ext4 and evdev modules (decompressed, in load order), mkfs.ext4 and
# e2fsck from the host plus any extra host tools (fio, iperf3) with their
# libraries, /init (guest-init.sh) and the task scripts of guest/ under
# /tasks.
set -eu
usage="usage: mkdomu.sh CACHE_DIR OUT [EXTRA_HOST_BINARY...]"
cache=${1:?$usage}
out=${2:?$usage}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/modules.sh"
read -r _ vmlinuz kver < <("$here/../../scripts/fetch-rig.sh" --check "$cache") || exit 1
kdir=${vmlinuz%/boot/*}/lib/modules/$kver

# hvc_xen, xen-fbfront and xen-kbdfront are built in. ext4 finds its
# checksum through the crypto API, which has no modprobe to call here:
# crc32c_generic must be loaded by hand or mounting ext4 fails with
# ENOENT. evdev gives the virtual pointer the node the display task reads;
# xen-netfront the net task its eth0 and eth1.
mods="xen-blkfront xen-netfront crc32c_generic ext4 evdev"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Same merged-/usr layout as the host, so the paths ldd prints (/lib/...)
# and the ELF interpreter (/lib64/...) resolve without copies.
mkdir -p "$work"/usr/{bin,sbin,lib,lib64} "$work"/{dev,proc,sys,tmp,etc,tasks}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$work/$d"; done
mkdir -p "$work/lib/modules"

cp /bin/busybox "$work/bin/busybox"
for a in $(/bin/busybox --list-full); do
    [ -L "$work/$a" ] || [ -e "$work/$a" ] || ln -s /bin/busybox "$work/$a"
done

# shellcheck disable=SC2086 # a list of module names
rig_copy_modules "$kdir" "$work/lib/modules" $mods ||
    { echo "mkdomu.sh: cannot copy the modules" >&2; exit 1; }

# Host binaries go where the host has them, each with the libraries ldd
# names and the dynamic loader. rm first: the path may be a busybox applet
# symlink, and copying through it would overwrite busybox.
add_binary() {
    local src dst lib
    src=$(command -v "$1") || { echo "mkdomu.sh: no $1 on the host" >&2; exit 1; }
    dst=$work/${src#/}
    mkdir -p "$(dirname "$dst")"
    rm -f "$dst"
    cp -L "$src" "$dst"
    for lib in $(ldd "$src" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
                                  $1 ~ /^\// { print $1 }'); do
        [ -e "$work/$lib" ] || { mkdir -p "$(dirname "$work/$lib")" &&
                                 cp -L "$lib" "$work/$lib"; }
    done
}
for b in /sbin/mkfs.ext4 /sbin/e2fsck "$@"; do add_binary "$b"; done
[ ! -e /etc/mke2fs.conf ] || cp /etc/mke2fs.conf "$work/etc/"

cp "$here/guest-init.sh" "$work/init"
chmod 755 "$work/init"
for t in "$here"/guest/*.sh; do
    [ -e "$t" ] || continue
    cp "$t" "$work/tasks/" && chmod 755 "$work/tasks/${t##*/}"
done

(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
