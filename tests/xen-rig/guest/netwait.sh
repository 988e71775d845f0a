#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task for create.sh's network and display step (rig.task=netwait):
# eth0 gets 10.99.0.2/24 and pings dom0's end of the tap, 10.99.0.1;
# then it writes a line on its framebuffer's console (xen-fbfront is
# built in and connects by itself) and waits for dom0 to ping it back,
# capture its screen and shut it down from outside (its init acts on the
# power-off). Markers on hvc0: RIG eth0 <mac>, RIG net-ping-ok, RIG
# fb-text, RIG net-no-eth0, RIG net-no-ping.
set -e
dom0=10.99.0.1
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 300 ]; do
    sleep 1
    i=$((i + 1))
done
[ -e /sys/class/net/eth0 ] || { echo "RIG net-no-eth0"; exit 1; }
echo "RIG eth0 $(cat /sys/class/net/eth0/address)"
ip link set lo up
ip addr add 10.99.0.2/24 dev eth0
ip link set eth0 up
ok=
for _ in $(seq 60); do
    if ping -c 1 -W 2 $dom0 > /dev/null 2>&1; then ok=1; break; fi
done
[ -n "$ok" ] || { echo "RIG net-no-ping"; exit 1; }
ping -c 3 $dom0
echo "RIG net-ping-ok"
# Something on the framebuffer for dom0's VNC client to capture.
i=0
while [ ! -e /dev/fb0 ] && [ $i -lt 300 ]; do
    sleep 1
    i=$((i + 1))
done
if [ -e /dev/fb0 ]; then
    chvt 1
    printf '\033[H\033[2Jqemu-xenpv -xen-create: this is the vfb on -vnc\n' \
        > /dev/tty1
    echo "RIG fb-text"
fi
while :; do sleep 1; done
