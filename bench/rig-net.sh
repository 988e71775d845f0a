#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# rig-net.sh [--rounds N] [--cache DIR] [--logs DIR] [--perf] [--cpu FLAGS]
#            QEMU_XENPV:
# net backend comparison on real Xen, issue 14's rig ratio. Boots the rig
# (tests/xen-rig) once and runs its net scenario (net-dom0.sh, the guest
# task guest/net.sh: iperf3 between a PV domU's vif and dom0 over the
# bridge xenbr0, each way) with the dom0 kernel's netback and with
# QEMU_XENPV serving the vif, N times each (default 3), the order
# alternating by round (rig-net-dom0.sh). Prints per round and backend
# the Mbit/s each way with iperf3's retransmits, the ratio
# qemu-xenpv/netback, then the median ratio. Xen runs under TCG here, so
# absolute figures are meaningless; only ratios within one run are.
# --logs DIR keeps the run's logs: the guests' consoles (iperf3's whole
# output), top.log and xentop.log (CPU of dom0's processes and of each
# domain, every 3 s), net.tap and net.log (the scenario's checks).
# --perf samples dom0 with perf through each run's iperf3 and keeps
# perf-BACKEND-nK.txt, the report by process, object and symbol, in the
# logs (Debian linux-perf, scripts/install-deps.sh --bench).
# --cpu FLAGS adds to the emulated CPU's flags (-erms,-fsrm: the kernels
# copy without "rep movsb"), to see whether a figure is the emulator's;
# the first line under the header says what a copy between user and
# kernel memory costs in that dom0 (a pipe, 64 MiB).
set -eu
usage="usage: rig-net.sh [--rounds N] [--cache DIR] [--logs DIR] [--perf] [--cpu FLAGS] QEMU_XENPV"
cache=/var/cache/qemu-xenpv-rig
rounds=3
logs=
profile=
while [ $# -gt 1 ]; do
    case $1 in
    --rounds) rounds=${2:?$usage}; shift 2 ;;
    --cache) cache=${2:?$usage}; shift 2 ;;
    --logs) logs=${2:?$usage}; shift 2 ;;
    --perf) profile=perf; shift ;;
    --cpu) export RIG_CPU_EXTRA=${2:?$usage}; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
[ $# = 1 ] || { echo "$usage" >&2; exit 2; }
case $rounds in '' | 0 | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "rig-net.sh: needs root (the rig)" >&2; exit 2; }
bin=$(realpath "$1")
[ -x "$bin" ] || { echo "rig-net.sh: $bin is not executable" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
rig=$top/tests/xen-rig
iperf3=$(command -v iperf3) ||
    { echo "rig-net.sh: no iperf3: run scripts/install-deps.sh" >&2; exit 2; }

# Rig boot, then per guest: boot, ping, 2 x 10 s of iperf3, the vif
# hotplug, power-off; several minutes each on a loaded host. A hang is
# cut there.
export RIG_BUDGET=${RIG_BUDGET:-$((600 + rounds * 2 * 600))}
# libxl's 40 s for vif-bridge: dom0 caches the host's root, as in
# run-attach.sh.
export RIG_9P_CACHE=${RIG_9P_CACHE-loose}
# shellcheck source=SCRIPTDIR/../tests/xen-rig/rig-lib.sh
. "$rig/rig-lib.sh"
rig_setup "$cache"
timeout 300 "$rig/mkdomu.sh" "$cache" "$tmp/domu.gz" "$iperf3" ||
    rig_bail "mkdomu.sh failed"
init=$(rig_init "$top/bench/rig-net-dom0.sh" "$bin" "$vmlinuz" \
       "$tmp/domu.gz" "$rounds" $profile)
# Other work on the host slows the emulated machine: say how busy it was.
load0=$(cut -d' ' -f1 /proc/loadavg)
rc=0
rig_boot "$init" || rc=$?
[ -z "$logs" ] || { mkdir -p "$logs" && cp -r "$out"/. "$logs"/; }
if [ ! -s "$out/net-iperf.txt" ]; then
    echo "rig-net.sh: no figures (boot.sh exit $rc)" >&2
    tail -n 30 "$out/serial.log" >&2 2>/dev/null || true
    sed 's/^/# /' "$out/net.tap" 2>/dev/null | grep -v '^# ok ' >&2 || true
    exit 1
fi

# net-iperf.txt: "<backend> tx|rx <bits/s> <run>", tx guest to dom0.
declare -A bps retr
while read -r b d v r; do bps[$b.$d.$r]=$v; done < "$out/net-iperf.txt"
# iperf3's retransmits, from its sender summary in the guest's console:
# the first is tx's, the second rx's (-R: the server's, as the client
# reports it). The guests are n1, n2, ... in rig-net-dom0.sh's order.
k=0
for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then list="netback qemu-xenpv"
    else list="qemu-xenpv netback"; fi
    for b in $list; do
        k=$((k + 1))
        i=0
        while read -r v; do
            i=$((i + 1))
            case $i in 1) retr[$b.tx.$r]=$v ;; 2) retr[$b.rx.$r]=$v ;; esac
        done < <(tr -d '\r' < "$out/guest-n$k.log" 2>/dev/null |
                 awk '/ sender$/ && $(NF - 1) ~ /^[0-9]+$/ { print $(NF - 1) }')
    done
done
mbit() { [ -z "${1:-}" ] || awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
ratio() {
    if [ -n "${1:-}" ] && [ -n "${2:-}" ] && [ "$2" != 0 ]; then
        awk -v a="$1" -v c="$2" 'BEGIN { printf "%.2f", a / c }'
    fi
}
median() {
    sort -n | awk '{ v[NR] = $1 }
        END { if (NR == 0) print "n/a"
              else if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]
              else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "Net backends on real Xen 4.17 under TCG: absolute figures are"
echo "meaningless here; only the ratios within one run mean anything."
echo "iperf3 TCP, a PV domU (xen-netfront, 1 vCPU) to dom0 over xenbr0 (tx)"
echo "and back (rx, -R), 10 s each after 2 s omitted; receiver's Mbit/s,"
echo "sender's retransmits; $rounds round(s), order alternating."
[ -z "${RIG_CPU_EXTRA:-}" ] ||
    echo "The emulated CPU's flags: max,-smap,-smep,-xsave,$RIG_CPU_EXTRA."
[ ! -s "$out/copy-speed.txt" ] ||
    echo "dom0's pipe (user to kernel to user): $(cat "$out/copy-speed.txt")"
printf '%-5s %-18s %10s %8s %10s %8s\n' round backend "tx Mbit/s" "tx retr" \
    "rx Mbit/s" "rx retr"
rtx=() rrx=()
for r in $(seq "$rounds"); do
    for b in netback qemu-xenpv; do
        printf '%-5s %-18s %10s %8s %10s %8s\n' "$r" "$b" \
            "$(mbit "${bps[$b.tx.$r]:-}")" "${retr[$b.tx.$r]:-}" \
            "$(mbit "${bps[$b.rx.$r]:-}")" "${retr[$b.rx.$r]:-}"
    done
    t=$(ratio "${bps[qemu-xenpv.tx.$r]:-}" "${bps[netback.tx.$r]:-}")
    x=$(ratio "${bps[qemu-xenpv.rx.$r]:-}" "${bps[netback.rx.$r]:-}")
    [ -z "$t" ] || rtx+=("$t")
    [ -z "$x" ] || rrx+=("$x")
    printf '%-5s %-18s %10s %8s %10s %8s\n' "$r" qemu-xenpv/netback \
        "${t:-n/a}" "" "${x:-n/a}" ""
done
printf '%-24s %10s %8s %10s\n' "median qemu-xenpv/netback" \
    "$(printf '%s\n' "${rtx[@]}" | grep . | median)" "" \
    "$(printf '%s\n' "${rrx[@]}" | grep . | median)"
# A failed check is worth knowing next to the figures: the guest's task
# or a hotplug step, say.
oks=$(grep -c '^ok' "$out/net.tap" 2>/dev/null) || true
fails=$(grep -c '^not ok' "$out/net.tap" 2>/dev/null) || true
echo "# rig checks: ${oks:-0} ok, ${fails:-0} not ok (boot.sh exit $rc)"
grep '^not ok' "$out/net.tap" 2>/dev/null | sed 's/^/# /' || true
echo "# whole run ${SECONDS}s; host load average $load0 at boot," \
     "$(cut -d' ' -f1 /proc/loadavg) at the end ($(nproc) CPUs)"
[ "$rc" = 0 ]
