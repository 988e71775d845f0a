#!/bin/bash
# The net backend's EMULATE path next to the kernel's own ceiling
# (issue 14, point 5): between the same two network namespaces, first a
# veth pair, then the path tests/functional/net.sh checks
# (tests/functional/net-path.sh: tap - backend - ring - netfront - the
# net guest's bridge - netfront - ring - backend - tap), iperf3 measures
# TCP both ways and 64-byte UDP packets a second; the last column is
# EMULATE over veth. For UDP it also counts the frames B's link took in
# and the datagrams B dropped because the receiving iperf3 had not read
# its socket, and the CPU the sender, the receiver and the process
# between the taps used: on a small host the three share the CPUs, and
# what the receiver reads measures its share as much as the path.
# Figures only, never a verdict on speed.
#
# usage: bench/net.sh BUILD_DIR [SECONDS]   (root; SECONDS per figure)
# Skips with one line when not root or a tool is missing. Traffic stays
# in the two namespaces it makes, which it always removes.
# NET_BENCH_PERF=FILE also records qemu-xenpv with `perf record -g`
# (Debian linux-perf, install-deps.sh --bench) through the EMULATE
# figures, for `perf report -i FILE`.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
build=$(cd "${1:-build}" && pwd) || exit 1
SECS=${2:-5}
QEMU_XENPV="$build/qemu-xenpv"
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/functional" && pwd)
# qemu-xenpv runs for all the EMULATE figures.
XS_SERVER_TIMEOUT=$((SECS * 3 + 120))
. "$SRCDIR/lib.sh"
. "$SRCDIR/net-path.sh"

VETHA="xpvva$$"
VETHB="xpvvb$$"

trap 'st=$?; net_cleanup; (exit $st); xs_finish' EXIT

skip_bench() {
    echo "net: SKIP: $1"
    exit 0
}

if [ "$(id -u)" -ne 0 ]; then
    skip_bench "needs root (network namespaces, taps)"
fi
if tool=$(net_tools_missing); then
    skip_bench "needs $tool (scripts/install-deps.sh)"
fi
if [ ! -x "$QEMU_XENPV" ]; then
    skip_bench "no $QEMU_XENPV"
fi
TAP_FORWARD="$build/bench/tap-forward"
if [ ! -x "$TAP_FORWARD" ]; then
    skip_bench "no $TAP_FORWARD"
fi
if why=$(net_backend_missing); then
    skip_bench "$why"
fi

# The frames namespace B's link took in, and B's UDP datagrams dropped
# for a full socket buffer, as "FRAMES DROPS".
b_counters() {
    in_b cat "/sys/class/net/$B_IF/statistics/rx_packets" |
        tr '\n' ' '
    in_b awk '/^Udp:/ { if (!n++) { for (i = 1; i <= NF; i++)
                                         col[$i] = i }
                        else print $col["RcvbufErrors"] }' /proc/net/snmp
}

# The CPU time, in clock ticks, process $1 has used; nothing without one.
cpu_ticks() {
    [ -n "$1" ] && awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null
}

# measure KIND ARGS...: one iperf3 run from A to B (or back, -R) for
# SECS seconds; prints what arrived, in Mbit/s for tcp, in packets a
# second for udp ("-" when the run failed, its output on stderr). For
# udp it adds, a second each, the frames B's link $B_IF took in and the
# datagrams B dropped for a full socket buffer, then the CPU, in % of
# one, of the sender, the receiver and the process between the taps
# ($PATH_PID, "-" for none): "RECEIVED INTO_B DROPS SND RCV PATH".
measure() {
    local kind=$1 srv json="$XS_TMP/iperf.json" before after t0 t1

    shift
    in_b timeout -k 2 $((SECS + 30)) iperf3 -s -1 -B "$IPB" -p 5201 \
        >"$XS_TMP/iperf-server.log" 2>&1 &
    srv=$!
    bg_track "$srv"
    if ! wait_for 10 iperf_port_open; then
        cat "$XS_TMP/iperf-server.log" >&2
        echo "-"
        return
    fi
    before=$(b_counters)
    t0=$(cpu_ticks "$PATH_PID")
    in_a timeout -k 2 $((SECS + 30)) iperf3 -c "$IPB" -p 5201 -t "$SECS" \
        -J "$@" >"$json" 2>&1
    t1=$(cpu_ticks "$PATH_PID")
    wait "$srv" 2>/dev/null
    after=$(b_counters)
    "$PYTHON" - "$json" "$kind" "$before" "$after" "${t0:--}" "${t1:--}" \
        "$(getconf CLK_TCK)" <<'EOF'
import json, sys
try:
    end = json.load(open(sys.argv[1]))["end"]
    if sys.argv[2] == "tcp":
        print("%.0f" % (end["sum_received"]["bits_per_second"] / 1e6))
    else:
        # What the server counted: packets sent less those it never saw.
        s = end["sum"]
        b0, b1 = ([int(v) for v in a.split()] for a in sys.argv[3:5])
        cpu = end["cpu_utilization_percent"]
        t0, t1, hz = sys.argv[5:8]
        # The path's ticks span the client's whole run: connect and end
        # add a little to its SECS seconds.
        path = ("%.0f" % ((int(t1) - int(t0)) / int(hz) / s["seconds"] *
                          100) if t0 != "-" and t1 != "-" else "-")
        print("%.0f %.0f %.0f %.0f %.0f %s" % (
            (s["packets"] - s["lost_packets"]) / s["seconds"],
            (b1[0] - b0[0]) / s["seconds"], (b1[1] - b0[1]) / s["seconds"],
            cpu["host_total"], cpu["remote_total"], path))
except Exception as e:
    sys.stderr.write(open(sys.argv[1]).read()[:2000] + "\n")
    print("- - - - - -")
EOF
}

# measure_all PREFIX: the three figures into RES[PREFIX.tcp-ab] etc.
declare -A RES
measure_all() {
    RES[$1.tcp-ab]=$(measure tcp)
    RES[$1.tcp-ba]=$(measure tcp -R)
    local udp

    read -r -a udp <<<"$(measure udp -u -l 64 -b 0)"
    RES[$1.udp64]=${udp[0]:--}
    RES[$1.udp64-into-b]=${udp[1]:--}
    RES[$1.udp64-drops]=${udp[2]:--}
    RES[$1.udp64-cpu-snd]=${udp[3]:--}
    RES[$1.udp64-cpu-rcv]=${udp[4]:--}
    RES[$1.udp64-cpu-path]=${udp[5]:--}
}

setup_veth() {
    setup_ns &&
    ip link add "$VETHA" netns "$NSA" type veth peer name "$VETHB" \
        netns "$NSB" &&
    addr_links "$VETHA" "$VETHB"
}

echo "net: iperf3 between two namespaces, $SECS s a figure;" \
     "EMULATE is tap - backend - ring - netfront - bridge - netfront -" \
     "ring - backend - tap, all offloads on, one queue"
# Both figures drop on a busy machine: say how busy it was.
echo "net: load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
if ! setup_veth; then
    echo "net: SKIP: no veth pair between the namespaces"
    exit 0
fi
B_IF=$VETHB
PATH_PID=""
measure_all veth
net_cleanup

# The same taps as the EMULATE path's, made in our namespace as
# qemu-xenpv makes them, with only one plain thread between them.
"$TAP_FORWARD" "$TAPA" "$TAPB" >"$XS_TMP/tap-forward.log" 2>&1 &
fwd_pid=$!
bg_track "$fwd_pid"
B_IF=$TAPB
PATH_PID=$fwd_pid
if setup_taps; then
    measure_all floor
else
    echo "net: no tap floor: the taps did not come up" >&2
    cat "$XS_TMP/tap-forward.log" >&2
fi
kill -TERM "$fwd_pid" 2>/dev/null
wait "$fwd_pid" 2>/dev/null
net_cleanup

if ! net_path_start "" "" ||
   ! wait_for 20 vif_connected "$HA" || ! wait_for 20 vif_connected "$HB"; then
    echo "net: the EMULATE path did not come up:" >&2
    tail -n 30 "$XS_LOG" >&2
    exit 1
fi
if [ -n "${NET_BENCH_PERF:-}" ]; then
    if command -v perf >/dev/null; then
        perf record -q -g -o "$NET_BENCH_PERF" -p "$XS_PID" \
            >"$XS_TMP/perf.log" 2>&1 &
        perf_pid=$!
        bg_track "$perf_pid"
    else
        echo "net: no perf (linux-perf): not profiling" >&2
    fi
fi
PATH_PID=$XS_PID
measure_all emu
if [ -n "${perf_pid:-}" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid"
    echo "net: qemu-xenpv's profile: perf report -i $NET_BENCH_PERF"
fi
if ! xs_alive; then
    echo "net: qemu-xenpv died:" >&2
    tail -n 30 "$XS_LOG" >&2
fi
xs_stop TERM
net_cleanup

ratio() {
    if [[ "$1" =~ ^[0-9]+$ && "$2" =~ ^[0-9]+$ && "$1" -gt 0 ]]; then
        awk -v v="$1" -v e="$2" 'BEGIN { printf "%.2f", e / v }'
    else
        echo "-"
    fi
}

printf '%-20s %9s %9s %9s %9s %10s %9s\n' "" veth "tap floor" EMULATE \
    emu/veth floor/veth emu/floor
row() {
    printf '%-20s %9s %9s %9s %9s %10s %9s\n' "$1" "${RES[veth.$2]}" \
        "${RES[floor.$2]:--}" "${RES[emu.$2]}" \
        "$(ratio "${RES[veth.$2]}" "${RES[emu.$2]}")" \
        "$(ratio "${RES[veth.$2]}" "${RES[floor.$2]:--}")" \
        "$(ratio "${RES[floor.$2]:--}" "${RES[emu.$2]}")"
}
row "TCP A->B Mbit/s" tcp-ab
row "TCP B->A Mbit/s" tcp-ba
row "UDP 64 B packets/s" udp64
# The same run seen from B's link: what the path delivered, whether or
# not the receiving iperf3 got the CPU to read it.
row "  frames/s into B" udp64-into-b
# Where the two CPUs went in that run, in % of one: with veth the
# sender also delivers, with taps a third process forwards.
row3() {
    printf '%-20s %9s %9s %9s\n' "$1" "${RES[veth.$2]}" \
        "${RES[floor.$2]:--}" "${RES[emu.$2]}"
}
row3 "  B socket full, /s" udp64-drops
row3 "  sender CPU %" udp64-cpu-snd
row3 "  receiver CPU %" udp64-cpu-rcv
row3 "  between, CPU %" udp64-cpu-path
