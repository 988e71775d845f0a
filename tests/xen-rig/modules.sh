# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Sourced by mkinitrd.sh and mkdomu.sh (bash): an initramfs has no
# modprobe, so the modules it needs are copied in with their
# dependencies, in an order busybox insmod can follow.
#
# rig_copy_modules KDIR DEST MODULE...: puts MODULE... and what they
# depend on (per KDIR/modules.dep) into DEST, decompressed (busybox insmod
# cannot read .ko.xz), and lists them in DEST/order in load order.
rig_copy_modules() {
    local kdir=$1 dest=$2 f base m
    local -A seen=()
    local -a order=()
    shift 2

    # Emit a module's path after its dependencies' (modules.dep lists a
    # module's deps so that the last one must be loaded first).
    resolve() {
        local name=$1 line dep deps i
        line=$(grep -E "(^|/)${name//[-_]/[-_]}\.ko(\.xz|\.zst)?:" \
               "$kdir/modules.dep") ||
            { echo "${0##*/}: no module $name" >&2; return 1; }
        [ -z "${seen[${line%%:*}]:-}" ] || return 0
        read -r -a deps <<<"${line#*:}"
        for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
            dep=${deps[i]##*/}
            resolve "${dep%%.ko*}" || return 1
        done
        seen[${line%%:*}]=1
        order+=("${line%%:*}")
    }
    for m in "$@"; do resolve "$m" || return 1; done

    mkdir -p "$dest"
    : > "$dest/order"
    for f in "${order[@]}"; do
        base=${f##*/}
        case $f in
        *.ko.xz)  xz -dc "$kdir/$f" > "$dest/${base%.xz}" ;;
        *.ko.zst) zstd -dqc "$kdir/$f" > "$dest/${base%.zst}" ;;
        *)        cp "$kdir/$f" "$dest/$base" ;;
        esac || return 1
        echo "${base%.ko*}.ko" >> "$dest/order"
    done
}
