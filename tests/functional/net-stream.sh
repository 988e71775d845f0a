#!/bin/bash
# -netdev stream to a second process that speaks QEMU's protocol: the
# real QEMU (Debian qemu-system-x86), with no guest, joins the stream
# to a tap through a hub. Two network namespaces this script makes
# (net-path.sh, shared with net.sh):
#
#   netns A - tap A - backend - ring - netfront -+
#                                                | guest program=net
#   netns B - tap B - QEMU hub - QEMU stream ----+- stream - backend -
#                                                    ring - netfront
#
# Vif 0 comes from -nic tap (its end-to-end run), vif 1 from -device
# xen-net-device on -netdev stream. qemu-xenpv is the stream's server
# once and its client once. ping and iperf3 TCP both ways between A and
# B; the guest's counters must have grown by at least what was sent, so
# every frame crossed both rings. The TCP transfers are 16 MiB: enough
# for the stream to push back on the backend many times, which once lost
# the TX ring's next event for good.
#
# Needs root (namespaces, taps), ip, ping, iperf3, ss and
# qemu-system-x86_64; skipped without them.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"
. "$SRCDIR/net-path.sh"

MODES=(xenpv-server xenpv-client)
PING_SIZES=(56 1472 9000 32000)
PING_COUNT=3
PER_MODE=$((1 + ${#PING_SIZES[@]} + 1 + 2 + 1 + 1))
tap_plan $((${#MODES[@]} * PER_MODE))

DOMID=1
NSA="xpv-sa-$$"
NSB="xpv-sb-$$"
TAPA="xpvsa$$"
TAPB="xpvsb$$"
MACA=00:16:3e:78:00:01
MACB=00:16:3e:78:00:02
IPA=10.78.0.1
IPB=10.78.0.2
IP6A=fd78::1
IP6B=fd78::2
TCP_BYTES=$((16 * 1048576))
SOCK=$XS_TMP/stream.sock
QEMU=qemu-system-x86_64
QEMU_PID=""

trap 'st=$?; net_cleanup; (exit $st); xs_finish' EXIT

if [ "$(id -u)" -ne 0 ]; then
    skip_rest "needs root (network namespaces, taps)"
    exit 0
fi
for tool in ip ping iperf3 ss "$QEMU"; do
    if ! command -v "$tool" >/dev/null; then
        skip_rest "needs $tool (scripts/install-deps.sh)"
        exit 0
    fi
done
if ! have_xenstore_utils; then
    skip_rest "needs xenstore-utils"
    exit 0
fi

# qemu_start SERVER: QEMU with no guest, its stream (server=SERVER) and
# tap B on one hub; "hub 0 with no nics" is its only complaint.
qemu_start() {
    (
        exec timeout -k 2 280 "$QEMU" -M none -nodefaults -display none \
            -nic none \
            -netdev "stream,id=s,server=$1,addr.type=unix,addr.path=$SOCK" \
            -netdev "tap,id=t,ifname=$TAPB,script=no,downscript=no" \
            -netdev hubport,id=h1,hubid=0,netdev=s \
            -netdev hubport,id=h2,hubid=0,netdev=t
    ) >"$XS_TMP/qemu-$1.log" 2>&1 &
    QEMU_PID=$!
    bg_track "$QEMU_PID"
}

qemu_stop() {
    if [ -n "$QEMU_PID" ]; then
        kill_tree "$QEMU_PID"
        wait "$QEMU_PID" 2>/dev/null
        QEMU_PID=""
    fi
}

# xenpv_start SERVER: the guest, vif 0 by -nic tap, vif 1 on the stream.
xenpv_start() {
    xs_start \
        -a -xenner-guest -a "domid=$DOMID,program=net,mem=64" \
        -a -nic -a "tap,ifname=$TAPA,script=no,downscript=no,mac=$MACA" \
        -a -netdev \
        -a "stream,id=s,server=$1,addr.type=unix,addr.path=$SOCK" \
        -a -device -a "xen-net-device,netdev=s,domid=$DOMID,devid=1,mac=$MACB"
}

# run_mode NAME: qemu-xenpv the stream's server or its client.
run_mode() {
    local name=$1 n=$((PER_MODE - 1)) size up=false

    if [ "$name" == xenpv-server ]; then
        xenpv_start on && qemu_start off && up=true
    else
        qemu_start on
        wait_for 10 test -S "$SOCK" && xenpv_start off && up=true
    fi
    if ! $up || ! setup_taps ||
       ! wait_for 10 handle_of "$MACA" >/dev/null ||
       ! wait_for 10 handle_of "$MACB" >/dev/null; then
        not_ok "$name: netns A to QEMU's netns B through the rings" \
            "$(tail -n 30 "$XS_LOG")
$(cat "$XS_TMP"/qemu-*.log)"
        while [ "$n" -gt 0 ]; do
            skip "$name: not run" "no set-up"
            n=$((n - 1))
        done
        qemu_stop
        xs_stop TERM
        net_cleanup
        return
    fi
    HA=$(handle_of "$MACA")
    HB=$(handle_of "$MACB")
    if wait_for 20 vif_connected "$HA" && wait_for 20 vif_connected "$HB"
    then
        ok "$name: netns A to QEMU's netns B through the rings"
        tap_diag "vif $HA: $(vif_state "$HA"); vif $HB: $(vif_state "$HB")"
    else
        not_ok "$name: netns A to QEMU's netns B through the rings" \
            "vif $HA: $(vif_state "$HA"); vif $HB: $(vif_state "$HB")
$(tail -n 30 "$XS_LOG")"
    fi
    snapshot
    PINGS=0
    for size in "${PING_SIZES[@]}"; do
        ping_case "$name: ping -s $size" -s "$size" "$IPB"
    done
    ping_case "$name: ping -6" -6 "$IP6B"
    iperf "$name: iperf3 TCP A to B" tcp -n "$TCP_BYTES"
    local fwd=$IPERF_BYTES
    iperf "$name: iperf3 TCP B to A" tcp -n "$TCP_BYTES" -R
    local rev=$IPERF_BYTES

    # A -> vif HA -> vif HB -> stream -> QEMU -> B, and back.
    counters_grew "$name: the guest's counters grew by what was sent" \
        "$fwd" "$rev"

    qemu_stop
    net_path_stop "$name"
    rm -f "$SOCK"
}

for m in "${MODES[@]}"; do
    run_mode "$m"
done
