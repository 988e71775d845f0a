#!/bin/bash
# The net backend with real traffic (issue 14, point 1): two network
# namespaces this script makes (and always removes), joined through
# qemu-xenpv in EMULATE:
#
#   netns A - tap A - backend - ring - netfront -+
#                                                | guest program=net:
#   netns B - tap B - backend - ring - netfront -+ vif 0 <-> vif 1
#
# qemu-xenpv creates both taps (-netdev tap,ifname=) in this namespace;
# the script moves each into its namespace and addresses them there, so
# every packet between A and B crosses both rings twice (there and
# back) and nothing reaches any other network. ping (sizes up to 65000,
# IPv6 too) and iperf3 (TCP both ways, UDP) run with every offload on,
# then with each off (sg, gso, csum) and with several queues; the
# guest's own counters (data/net/H/, programs.h) must have grown by at
# least what was sent, its GSO and checksum counters must show the
# backend gave it only what it asked for, and every GSO frame in must
# have gone out as one. The path itself is built by net-path.sh, which
# bench/net.sh shares.
#
# Needs root (namespaces, taps), ip, ping and iperf3 (Debian iperf3);
# skipped without them or without -device xen-net-device and -netdev
# tap.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"
. "$SRCDIR/net-path.sh"

# name, then the net-* keys and the taps' queues
VARIANTS=(
    "all-on||1"
    "sg-off|,net-sg=off|1"
    "gso-off|,net-gso=off|1"
    "csum-off|,net-csum=off|1"
    "queues-4|,net-queues=4|4"
    "queues-2-one-channel|,net-queues=2,net-split=off|2"
)
PING_SIZES=(56 1472 1473 9000 32000 65000)
PING6_SIZES=(56 65000)
PING_COUNT=3
PER_VARIANT=$((1 + ${#PING_SIZES[@]} + ${#PING6_SIZES[@]} + 3 + 2 + 1))
tap_plan $((2 + ${#VARIANTS[@]} * PER_VARIANT))

TCP_BYTES=$((32 * 1048576))
UDP_BYTES=$((4 * 1048576))

# ------------------------------------------------------------- cleanup

trap 'st=$?; net_cleanup; (exit $st); xs_finish' EXIT

# ------------------------------------------------------------- checks

# The guest program's keys, checked at start-up like any option.
refused "net-* keys only with program=net" "net-\* keys are for program=net" \
    -M xenner_pv -xenner-guest domid=1,program=echo,net-sg=off
refused "net-queues=0 refused" "net-queues must be at least 1" \
    -M xenner_pv -xenner-guest domid=1,program=net,net-queues=0

if [ "$(id -u)" -ne 0 ]; then
    skip_rest "needs root (network namespaces, taps)"
    exit 0
fi
if tool=$(net_tools_missing); then
    skip_rest "needs $tool (scripts/install-deps.sh)"
    exit 0
fi
if why=$(net_backend_missing); then
    skip_rest "$why"
    exit 0
fi

# run_variant NAME KEYS QUEUES
run_variant() {
    local name=$1 keys=$2 queues=$3 tapq="" size want
    local n=$((PER_VARIANT - 1))

    if [ "$queues" -gt 1 ]; then
        tapq=",queues=$queues"
    fi
    if ! net_path_start "$keys" "$tapq"; then
        not_ok "$name: two vifs between two namespaces" \
            "$(tail -n 30 "$XS_LOG")"
        while [ "$n" -gt 0 ]; do
            skip "$name: not run" "no set-up"
            n=$((n - 1))
        done
        xs_stop TERM
        return
    fi
    # Each frontend got the queues and channels it asked for.
    want="connected $queues split"
    if [[ "$keys" == *net-split=off* ]]; then
        want="connected $queues"
    fi
    if wait_for 20 vif_connected "$HA" && wait_for 20 vif_connected "$HB" &&
       [ "$(vif_state "$HA")" == "$want" ] &&
       [ "$(vif_state "$HB")" == "$want" ]; then
        ok "$name: two vifs between two namespaces"
        tap_diag "vif $HA: $(vif_state "$HA"); vif $HB: $(vif_state "$HB")"
    else
        not_ok "$name: two vifs between two namespaces" \
            "want '$want'; vif $HA: $(vif_state "$HA")
vif $HB: $(vif_state "$HB")
$(tail -n 30 "$XS_LOG")"
    fi
    snapshot
    PINGS=0
    for size in "${PING_SIZES[@]}"; do
        ping_case "$name: ping -s $size" -s "$size" "$IPB"
    done
    for size in "${PING6_SIZES[@]}"; do
        ping_case "$name: ping -6 -s $size" -6 -s "$size" "$IP6B"
    done
    iperf "$name: iperf3 TCP A to B" tcp -n "$TCP_BYTES"
    local fwd=$IPERF_BYTES
    iperf "$name: iperf3 TCP B to A" tcp -n "$TCP_BYTES" -R
    local rev=$IPERF_BYTES
    iperf "$name: iperf3 UDP A to B" udp -u -b 200M -l 1400 -n "$UDP_BYTES"

    counters_grew "$name: the guest's counters grew by what was sent" \
        "$fwd" "$rev"

    # The backend gives the guest only the offloads its frontend asked
    # for (and with all on, TCP from a tap comes as GSO).
    local gso=$(($(delta "$HA" rx-gso) + $(delta "$HB" rx-gso)))
    local blank=$(($(delta "$HA" rx-csum-blank) +
                   $(delta "$HB" rx-csum-blank)))
    case $name in
    sg-off|gso-off)
        check_eq "$name: no GSO frame reached the guest" 0 "$gso" ;;
    csum-off)
        check_eq "$name: no csum_blank frame reached the guest" 0 "$blank" ;;
    *)
        # ... and the bridge sent each on as a GSO frame again.
        local txgso=$(($(delta "$HA" tx-gso) + $(delta "$HB" tx-gso)))
        local drops=$(($(delta "$HA" drops) + $(delta "$HB" drops)))
        if [ "$gso" -gt 0 ] && [ $((txgso + drops)) -ge "$gso" ]; then
            ok "$name: TCP crossed the guest as GSO frames"
            tap_diag "$gso GSO frames in, $txgso out, $drops dropped"
        else
            not_ok "$name: TCP crossed the guest as GSO frames" \
                "$gso GSO frames in, $txgso out, $drops dropped"
        fi ;;
    esac

    net_path_stop "$name"
}

for v in "${VARIANTS[@]}"; do
    IFS='|' read -r vname vkeys vqueues <<<"$v"
    run_variant "$vname" "$vkeys" "$vqueues"
done
