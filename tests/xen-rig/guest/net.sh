#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task for net-dom0.sh (rig.task=net): the guest's vif on dom0's
# bridge xenbr0, whichever backend serves it. eth0 gets 192.168.100.2,
# pings dom0 (192.168.100.1) and runs iperf3 against dom0's server both
# ways for rig.runtime=S seconds each (default 10); then, unless
# rig.hotplug=0, waits for dom0 to xl network-attach a second vif, pings
# dom0's 192.168.101.1 over it alone (eth0 down) and waits for the
# network-detach. Markers on hvc0:
#   RIG net-ping-ok, RIG net-hotplug-waiting, RIG eth1-ok, RIG eth1-gone
#   RIG-NET <tx|rx> bits_per_second=<n>   (tx: guest to dom0)
set -e
runtime=${RIG_RUNTIME:-10}
dom0=192.168.100.1

# wait_path SECONDS PATH: polls once a second, no more: the guest's
# vCPUs are the emulator's, which dom0 and its hotplug scripts share.
wait_path() {
    i=0
    while [ ! -e "$2" ] && [ $i -lt "$1" ]; do
        sleep 1
        i=$((i + 1))
    done
    [ -e "$2" ]
}

# Answer ARP only on the interface that has the address: otherwise eth0
# would answer for eth1's and dom0's replies would not cross eth1.
sysctl -qw net.ipv4.conf.all.arp_ignore=1
sysctl -qw net.ipv4.conf.all.arp_announce=2
ip link set lo up

# xen-netfront connects once the backend in dom0 serves the vif: under
# load a minute or more after boot.
wait_path 300 /sys/class/net/eth0 || { echo "RIG net-no-eth0"; exit 1; }
echo "RIG eth0 $(cat /sys/class/net/eth0/address)"
ip addr add 192.168.100.2/24 dev eth0
ip link set eth0 up
# The first replies wait for the bridge port to forward and for ARP.
ok=
for _ in $(seq 30); do
    if ping -c 1 -W 2 $dom0 > /dev/null 2>&1; then ok=1; break; fi
done
[ -n "$ok" ] || { echo "RIG net-no-ping"; exit 1; }
ping -c 5 -A -s 1400 $dom0
echo "RIG net-ping-ok"

# iperf3's own summary: the receiver's figure, in bits per second (-f k
# keeps its digits; -f m or g would round them away). -O 2 leaves out the
# first two seconds, when TCG is still translating the code paths and the
# window grows: here they were a tenth of the rest.
iperf() {
    dir=$1
    shift
    res=$(iperf3 -c $dom0 -t "$runtime" -O 2 -f k "$@") ||
        { echo "$res"; echo "RIG net-iperf-$dir-failed"; return 1; }
    echo "$res"
    echo "$res" | awk -v d="$dir" '
        / receiver$/ {
            for (i = 1; i < NF; i++) {
                if ($(i + 1) == "Kbits/sec") {
                    printf "RIG-NET %s bits_per_second=%d\n", d, $i * 1000
                }
            }
        }'
}
iperf tx
iperf rx -R

[ "${RIG_HOTPLUG:-1}" != 0 ] || exit 0
echo "RIG net-hotplug-waiting"
wait_path 600 /sys/class/net/eth1 || { echo "RIG net-no-eth1"; exit 1; }
ip link set eth0 down
# eth1 may come and go before it stays: libxl removes a vif whose
# hotplug script ran past its time limit, and dom0 then attaches again.
ok=
i=0
while [ $i -lt 200 ]; do
    if [ -e /sys/class/net/eth1 ] &&
        ip addr replace 192.168.101.2/24 dev eth1 2> /dev/null &&
        ip link set eth1 up 2> /dev/null &&
        ping -c 1 -W 2 192.168.101.1 > /dev/null 2>&1; then
        ok=1
        break
    fi
    sleep 1
    i=$((i + 1))
done
[ -n "$ok" ] || { echo "RIG net-no-ping-eth1"; exit 1; }
before=$(cat /sys/class/net/eth1/statistics/rx_packets)
ping -c 3 -A 192.168.101.1
after=$(cat /sys/class/net/eth1/statistics/rx_packets)
[ "$after" -ge $((before + 3)) ]
echo "RIG eth1-ok rx_packets $before to $after"
i=0
while [ -e /sys/class/net/eth1 ] && [ $i -lt 600 ]; do
    sleep 1
    i=$((i + 1))
done
[ ! -e /sys/class/net/eth1 ]
echo "RIG eth1-gone"
