#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# rig-peers.sh [--ours PATH] [--cache DIR] [--runtime S] [--rounds N]
#              [--logs DIR] [--perf]:
# block backend comparison on real Xen. Boots the rig (tests/xen-rig) once
# and runs the same fio jobs in a PV domU against one in-memory image
# through upstream QEMU's qdisk, the kernel's blkback and, with --ours,
# our binary as the device model (rig-peers-dom0.sh does that part).
# Prints, per round, a backend x job table, our backend's own request
# latency (p50/p99/max, from query-blockstats) and the ratios between
# backends; then each backend's best round, and whether ours met issue
# 16's goal (>= 1.5x QEMU's qdisk and >= 1.0x blkback) in every job of
# every round. Xen runs under TCG here, so absolute figures are
# meaningless; only ratios within one run are. --rounds N runs each
# backend N times, order alternating. --logs DIR keeps the run's logs.
# --perf (with --logs) samples all of dom0 through every job of every
# backend and keeps perf-BACKEND-ROUND-JOB.txt, the report by process,
# object and symbol, in the logs (Debian linux-perf, install-deps.sh
# --bench); perf takes dom0 CPU of its own, so its figures are not the
# ones to quote for the goal.
set -eu
usage="usage: rig-peers.sh [--ours PATH] [--cache DIR] [--runtime S] [--rounds N] [--logs DIR] [--perf]"
ours=
cache=/var/cache/qemu-xenpv-rig
runtime=10
rounds=1
logs=
profile=
while [ $# -gt 0 ]; do
    case $1 in
    --ours) ours=${2:?$usage}; shift 2 ;;
    --cache) cache=${2:?$usage}; shift 2 ;;
    --runtime) runtime=${2:?$usage}; shift 2 ;;
    --rounds) rounds=${2:?$usage}; shift 2 ;;
    --logs) logs=${2:?$usage}; shift 2 ;;
    --perf) profile=perf; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
for n in "$runtime" "$rounds"; do
    case $n in '' | 0 | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "rig-peers.sh: needs root (the rig)" >&2; exit 2; }
if [ -n "$profile" ]; then
    [ -n "$logs" ] ||
        { echo "rig-peers.sh: --perf keeps its reports in --logs DIR" >&2; exit 2; }
    command -v perf > /dev/null ||
        { echo "rig-peers.sh: no perf: run scripts/install-deps.sh --bench" >&2; exit 2; }
fi
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
       "$runtime" "$rounds" "$ours" "$profile")

backends="qemu blkback"
[ -z "$ours" ] || backends="$backends ours"
n=$(wc -w <<<"$backends")
# Rig boot, then per guest: boot, three timed jobs with the guest's
# pauses around them (rig-peers-dom0.sh), power-off, margin.
limit=$((120 + rounds * n * (3 * runtime + 30 + 400)))
# perf report of three jobs per guest, inside the emulated dom0.
[ -z "$profile" ] || limit=$((limit + rounds * n * 360))
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

# ms A B C: "A/B/C" in milliseconds, from numbers in @4 units a ms.
ms() {
    awk -v a="$1" -v b="$2" -v c="$3" -v u="$4" \
        'BEGIN { printf "%.1f/%.1f/%.1f", a / u, b / u, c / u }'
}
# results.txt: "<backend> <round> <job> iops=<n> bw_kib=<n>
# clat_us=<p50>/<p99>/<max>", one line per job and round. The figure
# each job is about: IOPS for 4 KiB, MiB/s for 1 MiB; fig[B.R.J] per
# round, fig[B.best.J] the best of them; glat[B.R.J] the latency fio saw
# in the guest.
declare -A fig glat lat latn cpu
# shellcheck disable=SC2034 # glat, lat, latn, cpu are read through row()
while read -r b r job i w c; do
    i=${i#iops=} w=${w#bw_kib=} c=${c#clat_us=}
    case $job in seqread1m) v=$((w / 1024)) ;; *) v=$i ;; esac
    fig[$b.$r.$job]=$v
    [ "$v" -le "${fig[$b.best.$job]:--1}" ] || fig[$b.best.$job]=$v
    if [ -n "$c" ]; then
        IFS=/ read -r c50 c99 cmax <<<"$c"
        glat[$b.$r.$job]=$(ms "$c50" "$c99" "$cmax" 1000)
    fi
done < "$out/results.txt"
# latency.txt: "ours <round> <job> count=<n> p50_ns=<n> p99_ns=<n>
# max_ns=<n> wall_ms=<n> dm_cpu_ms=<n> dom0_busy_ms=<n> dom0_steal_ms=<n>",
# the backend's own counters over that job, from the ring to the pushed
# response, and the CPU dom0 and our device model had over the same span
# (rig-peers-lat.py).
# shellcheck disable=SC2034
while read -r _ r job c p50 p99 max wall dm busy steal; do
    lat[$r.$job]=$(ms "${p50#p50_ns=}" "${p99#p99_ns=}" "${max#max_ns=}" \
                   1000000)
    latn[$r.$job]=${c#count=}
    wall=${wall#wall_ms=}
    [ "${wall:-0}" -gt 0 ] 2>/dev/null || continue
    cpu[$r.$job]=$(awk -v w="$wall" -v d="${dm#dm_cpu_ms=}" \
        -v b="${busy#dom0_busy_ms=}" -v s="${steal#dom0_steal_ms=}" \
        'BEGIN { printf "%.0f/%.0f/%.0f", 100 * d / w, 100 * b / w,
                 100 * s / w }')
done < "$out/latency.txt" 2>/dev/null
jobs="randread4k randwrite4k seqread1m"
header() {
    printf '%-14s %18s %18s %18s\n' "$1" "randread4k IOPS" \
        "randwrite4k IOPS" "seqread1m MiB/s"
}
# row LABEL ARRAY KEY_PREFIX: one value per job from ARRAY[PREFIX.JOB].
row() {
    local -n a=$2
    local j v
    printf '%-14s' "$1"
    for j in $jobs; do v=${a[$3.$j]:-}; printf ' %18s' "${v:-n/a}"; done
    echo
}
# ratio_of A C ROUND JOB: A's figure over C's, or nothing.
ratio_of() {
    local a=${fig[$1.$3.$4]:-} c=${fig[$2.$3.$4]:-}
    [ -n "$a" ] && [ -n "$c" ] && [ "$c" != 0 ] || return 0
    awk -v a="$a" -v c="$c" 'BEGIN { printf "%.2f", a / c }'
}
ratio() {
    local j v
    printf '%-14s' "$1/$2"
    for j in $jobs; do
        v=$(ratio_of "$1" "$2" "$3" "$j")
        printf ' %18s' "${v:-n/a}"
    done
    echo
}
echo "Block backends on real Xen 4.17 under TCG: absolute figures are"
echo "meaningless here; only the ratios between backends mean anything."
echo "fio in a PV domU, direct, libaio, ${runtime}s per job, 512 MiB image in dom0 RAM;"
echo "$rounds round(s), each backend once per round, the order reversed every other."
# The issue 16 goal: ours at least 1.5x QEMU's qdisk and 1.0x blkback,
# every job, every round.
missed=
r=1
while [ "$r" -le "$rounds" ]; do
    if [ $((r % 2)) = 1 ]; then order="qemu blkback${ours:+ ours}"
    else order="${ours:+ours }blkback qemu"; fi
    echo
    echo "round $r (in the order $order):"
    header backend
    for b in $backends; do row "$b" fig "$b.$r"; done
    echo "latency, ms p50/p99/max: fio's in the guest, then our backend's own;"
    [ -z "$ours" ] || echo "dom0 CPU over each of our jobs, % of one vCPU:" \
        "our process/all of dom0/stolen by Xen"
    for b in $backends; do row "$b" glat "$b.$r"; done
    if [ -n "$ours" ]; then
        row "ours backend" lat "$r"
        row "  (requests)" latn "$r"
        row "  dom0 CPU %" cpu "$r"
        ratio ours qemu "$r"
        ratio ours blkback "$r"
        for j in $jobs; do
            q=$(ratio_of ours qemu "$r" "$j")
            k=$(ratio_of ours blkback "$r" "$j")
            awk -v q="${q:-0}" -v k="${k:-0}" \
                'BEGIN { exit !(q >= 1.5 && k >= 1.0) }' ||
                missed="$missed
  round $r $j: ${q:-n/a} of qemu, ${k:-n/a} of blkback"
        done
    else
        ratio blkback qemu "$r"
    fi
    r=$((r + 1))
done
echo
echo "best of $rounds round(s) per backend:"
header backend
for b in $backends; do row "$b" fig "$b.best"; done
if [ -n "$ours" ]; then
    ratio ours qemu best
    ratio ours blkback best
    echo
    if [ -z "$missed" ]; then
        echo "goal (ours >= 1.5x qemu and >= 1.0x blkback, every job," \
             "every round): met in all $rounds round(s)"
    else
        echo "goal (ours >= 1.5x qemu and >= 1.0x blkback, every job," \
             "every round): NOT met in$missed"
    fi
else
    ratio blkback qemu best
fi
sed 's/^/# /' "$out/guests.txt" 2>/dev/null || true
[ -z "$profile" ] || echo "# dom0 profiles: $logs/perf-BACKEND-ROUND-JOB.txt"
echo "# whole run ${SECONDS}s; host load average $load0 at boot," \
     "$(cut -d' ' -f1 /proc/loadavg) at the end ($(nproc) CPUs)"
