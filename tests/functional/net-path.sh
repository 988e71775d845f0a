# The EMULATE path between two network namespaces, shared by the net
# tests (tests/functional/net.sh, net-stream.sh) and the net benchmark
# (bench/net.sh); source it after lib.sh, do not run it.
#
#   netns A - tap A - backend - ring - netfront -+
#                                                | guest program=net:
#   netns B - tap B - backend - ring - netfront -+ vif 0 <-> vif 1
#
# qemu-xenpv creates both taps (-netdev tap,ifname=) in the caller's
# namespace; setup_ns moves each into its own fresh namespace and
# addresses it there, so nothing reaches any other network. The names
# carry the caller's pid, so two runs never share a namespace, and
# net_cleanup (which the caller's EXIT trap must call) removes both.
#
# SPDX-License-Identifier: GPL-2.0-or-later

DOMID=1
NSA="xpv-na-$$"
NSB="xpv-nb-$$"
TAPA="xpvta$$"
TAPB="xpvtb$$"
MACA=00:16:3e:77:00:01
MACB=00:16:3e:77:00:02
VIFA="devid=0,mac=$MACA"
VIFB="devid=1,mac=$MACB"
IPA=10.77.0.1
IPB=10.77.0.2
IP6A=fd77::1
IP6B=fd77::2

net_cleanup() {
    local ns pid

    for ns in "$NSA" "$NSB"; do
        if ip netns list 2>/dev/null | grep -qw -- "$ns"; then
            # Only what runs in our own namespaces: our iperf3 and ping.
            for pid in $(ip netns pids "$ns" 2>/dev/null); do
                kill "$pid" 2>/dev/null
            done
            ip netns del "$ns" 2>/dev/null
        fi
    done
}

in_a() {
    ip netns exec "$NSA" "$@"
}

in_b() {
    ip netns exec "$NSB" "$@"
}

vif_state() {
    dom0 xenstore-read "/local/domain/$DOMID/data/net/$1/state" 2>/dev/null
}

vif_connected() {
    [[ "$(vif_state "$1")" == connected* ]]
}

# handle_of MAC: the vif the toolstack side gave that mac.
handle_of() {
    local h

    for h in $(dom0 xenstore-list "/local/domain/$DOMID/device/vif" \
               2>/dev/null); do
        if [ "$(dom0 xenstore-read \
                "/local/domain/$DOMID/device/vif/$h/mac" 2>/dev/null)" \
             == "$1" ]; then
            echo "$h"
            return 0
        fi
    done
    return 1
}

iperf_port_open() {
    in_b ss -Hltnu 2>/dev/null | grep -q ":5201 "
}

# net_tools_missing: prints the first tool the path needs that is not
# installed (nothing, status 1, when all are).
net_tools_missing() {
    local tool

    for tool in ip ping iperf3 ss; do
        if ! command -v "$tool" >/dev/null; then
            echo "$tool"
            return 0
        fi
    done
    if ! have_xenstore_utils; then
        echo "xenstore-utils"
        return 0
    fi
    return 1
}

# net_backend_missing: prints why this qemu-xenpv cannot build the path
# (status 1, nothing printed, when it can).
net_backend_missing() {
    if timeout 10 "$QEMU_XENPV" -M xenner_pv -device xen-net-device,domid=1 \
            2>&1 | grep -q "not a valid device model name"; then
        echo "qemu-xenpv has no -device xen-net-device"
        return 0
    fi
    if ! timeout 10 "$QEMU_XENPV" -netdev help 2>&1 | grep -qx "tap"; then
        echo "qemu-xenpv has no -netdev tap"
        return 0
    fi
    return 1
}

# setup_ns: the two namespaces, fresh, with loopback up.
setup_ns() {
    net_cleanup
    ip netns add "$NSA" && ip netns add "$NSB" &&
    in_a ip link set lo up && in_b ip link set lo up
}

# addr_links LINKA LINKB: the addresses of both ends, and both up.
addr_links() {
    in_a ip addr add "$IPA/24" dev "$1" &&
    in_b ip addr add "$IPB/24" dev "$2" &&
    in_a ip -6 addr add "$IP6A/64" dev "$1" nodad &&
    in_b ip -6 addr add "$IP6B/64" dev "$2" nodad &&
    in_a ip link set "$1" up && in_b ip link set "$2" up
}

# setup_taps: the taps qemu-xenpv made go into fresh namespaces.
setup_taps() {
    setup_ns &&
    wait_for 10 ip link show "$TAPA" >/dev/null 2>&1 &&
    wait_for 10 ip link show "$TAPB" >/dev/null 2>&1 &&
    ip link set "$TAPA" netns "$NSA" && ip link set "$TAPB" netns "$NSB" &&
    addr_links "$TAPA" "$TAPB"
}

# net_path_start KEYS TAPQ: qemu-xenpv with the net guest (its net-*
# KEYS, e.g. ",net-gso=off"), two taps (TAPQ: their ",queues=N" or
# nothing) and two vifs between them, the taps in the namespaces; sets
# HA and HB, the vifs' handles. Returns non-zero (the log in $XS_LOG)
# if any of it failed; it does not wait for the vifs to connect.
net_path_start() {
    local keys=$1 tapq=$2

    HA=""
    HB=""
    xs_start \
        -a -xenner-guest -a "domid=$DOMID,program=net,mem=64$keys" \
        -a -netdev -a "tap,id=na,ifname=$TAPA,script=no,downscript=no$tapq" \
        -a -netdev -a "tap,id=nb,ifname=$TAPB,script=no,downscript=no$tapq" \
        -a -device -a "xen-net-device,netdev=na,domid=$DOMID,$VIFA" \
        -a -device -a "xen-net-device,netdev=nb,domid=$DOMID,$VIFB" &&
    setup_taps &&
    wait_for 10 handle_of "$MACA" >/dev/null &&
    wait_for 10 handle_of "$MACB" >/dev/null || return 1
    HA=$(handle_of "$MACA")
    HB=$(handle_of "$MACB")
}

# net_path_stop NAME: stops qemu-xenpv, which must not have died on the
# way and must exit 0 on SIGTERM, and removes the namespaces.
net_path_stop() {
    if xs_alive; then
        xs_stop TERM
        check_eq "$1: qemu-xenpv stops cleanly" 0 "$XS_STATUS"
    else
        xs_stop TERM
        not_ok "$1: qemu-xenpv stops cleanly" "it had died:
$(tail -n 30 "$XS_LOG")"
    fi
    net_cleanup
}

# ------------------------------------------------------------- traffic

# What goes through the path and what the guest counted of it, for the
# tests that run traffic (net.sh, net-stream.sh): ping_case counts its
# echo requests in PINGS, which the caller resets.

# counter H NAME: the guest's data/net/H/NAME, 0 when not written yet.
counter() {
    local v

    v=$(dom0 xenstore-read "/local/domain/$DOMID/data/net/$1/$2" 2>/dev/null)
    echo "${v:-0}"
}

# snapshot: every counter of both vifs, as SNAP[H.NAME].
declare -A SNAP
COUNTERS=(rx-frames rx-bytes rx-gso rx-csum-blank tx-frames tx-bytes tx-gso
          drops)
snapshot() {
    local h c

    for h in "$HA" "$HB"; do
        for c in "${COUNTERS[@]}"; do
            SNAP[$h.$c]=$(counter "$h" "$c")
        done
    done
}

# grown H NAME MIN: the counter grew by at least MIN since the snapshot.
grown() {
    [ $(($(counter "$1" "$2") - ${SNAP[$1.$2]})) -ge "$3" ]
}

delta() {
    echo $(($(counter "$1" "$2") - ${SNAP[$1.$2]}))
}

# growth H: what vif H's counters grew by, one line.
growth() {
    echo "vif $1: rx $(delta "$1" rx-frames) frames" \
        "$(delta "$1" rx-bytes) bytes ($(delta "$1" rx-gso) GSO," \
        "$(delta "$1" rx-csum-blank) csum_blank), tx" \
        "$(delta "$1" tx-frames) frames $(delta "$1" tx-bytes) bytes"
}

# counters_grew DESC FWD REV: every echo request (PINGS of them) went
# A -> vif HA -> vif HB -> B and every reply back, and the TCP bytes A to
# B (FWD) and B to A (REV) passed both vifs at least as many times as
# iperf3 counted them.
counters_grew() {
    local desc=$1 fwd=$2 rev=$3

    if wait_for 10 grown "$HA" rx-frames "$PINGS" &&
       wait_for 10 grown "$HB" tx-frames "$PINGS" &&
       wait_for 10 grown "$HB" rx-frames "$PINGS" &&
       wait_for 10 grown "$HA" tx-frames "$PINGS" &&
       wait_for 10 grown "$HA" rx-bytes "$fwd" &&
       wait_for 10 grown "$HB" tx-bytes "$fwd" &&
       wait_for 10 grown "$HB" rx-bytes "$rev" &&
       wait_for 10 grown "$HA" tx-bytes "$rev"; then
        ok "$desc"
    else
        not_ok "$desc" \
            "pings $PINGS, TCP $fwd and $rev bytes; grew:
$(growth "$HA")
$(growth "$HB")"
    fi
    tap_diag "$(growth "$HA")
$(growth "$HB")"
}

# json_bytes FILE KIND: bytes iperf3's JSON says arrived (tcp, udp).
json_bytes() {
    "$PYTHON" - "$1" "$2" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    end = d["end"]
    s = end["sum_received"] if sys.argv[2] == "tcp" else end["sum"]
    print(int(s["bytes"]))
except Exception as e:
    print(0)
EOF
}

# iperf DESC KIND [CLIENT ARGS...]: a one-off iperf3 server in B, the
# client in A; passes when the JSON says bytes arrived. IPERF_BYTES is
# what it said.
iperf() {
    local desc=$1 kind=$2 srv json="$XS_TMP/iperf.json"

    shift 2
    IPERF_BYTES=0
    in_b timeout -k 2 90 iperf3 -s -1 -B "$IPB" -p 5201 \
        >"$XS_TMP/iperf-server.log" 2>&1 &
    srv=$!
    bg_track "$srv"
    if ! wait_for 10 iperf_port_open; then
        not_ok "$desc" "iperf3 server did not listen:
$(cat "$XS_TMP/iperf-server.log")"
        return
    fi
    in_a timeout -k 2 90 iperf3 -c "$IPB" -p 5201 -J "$@" >"$json" 2>&1
    wait "$srv" 2>/dev/null
    IPERF_BYTES=$(json_bytes "$json" "$kind")
    if [ "$IPERF_BYTES" -gt 0 ]; then
        ok "$desc"
        tap_diag "$IPERF_BYTES bytes arrived"
    else
        not_ok "$desc" "$(head -c 3000 "$json")
$(tail -n 20 "$XS_LOG")"
    fi
}

# ping_case DESC PING-ARGS...: all PING_COUNT echo requests answered.
ping_case() {
    local desc=$1 out

    shift
    out=$(in_a timeout -k 2 60 ping -c "$PING_COUNT" -i 0.2 -W 5 "$@" 2>&1)
    if grep -q " $PING_COUNT received" <<<"$out"; then
        ok "$desc"
        PINGS=$((PINGS + PING_COUNT))
    else
        not_ok "$desc" "$out
$(tail -n 10 "$XS_LOG")"
    fi
}
