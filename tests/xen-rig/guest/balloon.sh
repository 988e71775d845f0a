#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task for the KVM rig's k0: the toolstack's memory/target
# (written by the rig on xenner_pvh's xenstore socket) shrinks the
# guest, and its balloon driver gives the memory back to qemu-xenpv
# (XENMEM_decrease_reservation). Waits, up to 60 s, until the balloon
# driver's current_kb is down to rig.balloon (KiB), then prints the
# marker; never fails the boot otherwise (the marker is the test).
info=/sys/devices/system/xen_memory/xen_memory0
want=${RIG_BALLOON:?rig.balloon= on the command line}
cur=
i=0
while [ $i -lt 120 ]; do
    cur=$(cat $info/info/current_kb 2>/dev/null)
    if [ -n "$cur" ] && [ "$cur" -le "$want" ]; then
        echo "RIG balloon-ok current_kb=$cur target_kb=$(cat $info/target_kb)"
        exit 0
    fi
    sleep 0.5
    i=$((i + 1))
done
echo "RIG balloon-short current_kb=$cur want_kb=$want" \
     "target_kb=$(cat $info/target_kb 2>/dev/null)"
exit 0
