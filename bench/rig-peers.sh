#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# rig-peers.sh [--ours PATH] [--cache DIR] [--runtime S] [--rounds N]
#              [--logs DIR]:
# block backend comparison on real Xen. Boots the rig (tests/xen-rig) once
# and runs the same fio jobs in a PV domU against one in-memory image
# through upstream QEMU's qdisk, the kernel's blkback and, with --ours,
# our binary as the device model (rig-peers-dom0.sh does that part).
# Prints a backend x job table and the ratios between backends. Xen runs
# under TCG here, so absolute figures are meaningless; only ratios within
# one run are. Other load on the host only ever slows a guest down, so
# with --rounds N (each backend N times, order alternating) the table
# shows each backend's best round. --logs DIR keeps the run's logs.
set -eu
usage="usage: rig-peers.sh [--ours PATH] [--cache DIR] [--runtime S] [--rounds N] [--logs DIR]"
ours=
cache=/var/cache/qemu-xenpv-rig
runtime=10
rounds=1
logs=
while [ $# -gt 0 ]; do
    case $1 in
    --ours) ours=${2:?$usage}; shift 2 ;;
    --cache) cache=${2:?$usage}; shift 2 ;;
    --runtime) runtime=${2:?$usage}; shift 2 ;;
    --rounds) rounds=${2:?$usage}; shift 2 ;;
    --logs) logs=${2:?$usage}; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
for n in "$runtime" "$rounds"; do
    case $n in '' | 0 | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "rig-peers.sh: needs root (the rig)" >&2; exit 2; }
if [ -n "$ours" ]; then
    ours=$(realpath "$ours")
    [ -x "$ours" ] || { echo "rig-peers.sh: $ours is not executable" >&2; exit 2; }
fi
top=$(cd "$(dirname "$0")/.." && pwd)
rig=$top/tests/xen-rig

# fio goes into the guest from the host; qemu-system-xen is the qdisk peer
# that libxl starts in dom0 (which runs the host's root). Installed by
# install-deps.sh (make bench-xen), not here: a benchmark beside running
# tests must not take dpkg's lock.
for p in fio qemu-system-xen; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        { echo "rig-peers.sh: $p is not installed: run" \
               "scripts/install-deps.sh --bench" >&2; exit 2; }
done

# The rig's shared preamble: temporary directories, Xen and the kernel in
# the cache ($vmlinuz), dom0's initramfs.
# shellcheck source=SCRIPTDIR/../tests/xen-rig/rig-lib.sh
. "$rig/rig-lib.sh"
rig_setup "$cache"
timeout 300 "$rig/mkdomu.sh" "$cache" "$tmp/domu.gz" fio ||
    rig_bail "mkdomu.sh failed"
init=$(rig_init "$top/bench/rig-peers-dom0.sh" "$vmlinuz" "$tmp/domu.gz" \
       "$runtime" "$rounds" "$ours")

backends="qemu blkback"
[ -z "$ours" ] || backends="$backends ours"
n=$(wc -w <<<"$backends")
# Rig boot, then per guest: boot, three timed jobs, power-off, margin.
limit=$((120 + rounds * n * (3 * runtime + 400)))
# Other work on the host slows the emulated machine: say how busy it was.
load0=$(cut -d' ' -f1 /proc/loadavg)
rc=0
budget=$((SECONDS + limit))
rig_boot "$init" || rc=$?
[ -z "$logs" ] || { mkdir -p "$logs" && cp -r "$out"/. "$logs"/; }
if [ "$rc" != 0 ] || [ ! -e "$out/results.txt" ]; then
    echo "rig-peers.sh: rig failed (boot.sh exit $rc)" >&2
    tail -n 30 "$out/serial.log" >&2 2>/dev/null || true
    exit 1
fi

# results.txt: "<backend> <round> <job> iops=<n> bw_kib=<n>", one line
# per job and round; keep each backend's best round.
declare -A iops bw
while read -r b _ job i w; do
    i=${i#iops=} w=${w#bw_kib=}
    [ "$i" -le "${iops[$b.$job]:--1}" ] || iops[$b.$job]=$i
    [ "$w" -le "${bw[$b.$job]:--1}" ] || bw[$b.$job]=$w
done < "$out/results.txt"
# The figure each job is about: IOPS for 4 KiB, MiB/s for 1 MiB.
val() {
    case $2 in
    seqread1m) [ -z "${bw[$1.$2]:-}" ] || echo $((bw[$1.$2] / 1024)) ;;
    *) echo "${iops[$1.$2]:-}" ;;
    esac
}
jobs="randread4k randwrite4k seqread1m"
echo "Block backends on real Xen 4.17 under TCG: absolute figures are"
echo "meaningless here; only the ratios between backends mean anything."
echo "fio in a PV domU, direct, libaio, ${runtime}s per job, 512 MiB image in dom0 RAM;"
echo "best of $rounds round(s) per backend."
printf '%-14s %18s %18s %18s\n' backend "randread4k IOPS" \
    "randwrite4k IOPS" "seqread1m MiB/s"
for b in $backends; do
    printf '%-14s' "$b"
    for j in $jobs; do v=$(val "$b" "$j"); printf ' %18s' "${v:-n/a}"; done
    echo
done
ratio() {
    printf '%-14s' "$1/$2"
    for j in $jobs; do
        a=$(val "$1" "$j") c=$(val "$2" "$j")
        if [ -n "$a" ] && [ -n "$c" ] && [ "$c" != 0 ]; then
            printf ' %18s' "$(awk -v a="$a" -v c="$c" 'BEGIN { printf "%.2f", a / c }')"
        else
            printf ' %18s' n/a
        fi
    done
    echo
}
if [ -n "$ours" ]; then
    ratio ours qemu
    ratio ours blkback
else
    ratio blkback qemu
fi
sed 's/^/# /' "$out/guests.txt" 2>/dev/null || true
echo "# whole run ${SECONDS}s; host load average $load0 at boot," \
     "$(cut -d' ' -f1 /proc/loadavg) at the end ($(nproc) CPUs)"
