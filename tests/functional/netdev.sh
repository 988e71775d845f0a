#!/bin/bash
# -netdev on qemu-xenpv's command line: `-netdev help`, QEMU's refusals
# at start-up, and a machine running with a stream server and user
# networking that a peer connects to.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

tap_plan 14

if ! have_xenstore_utils; then
    skip_rest "needs xenstore-utils"
    exit 0
fi

out=$("$QEMU_XENPV" -netdev help 2>&1)
check_eq "-netdev help lists the types" \
    "0 Available netdev backend types: stream tap user" "$? $(echo $out)"
refused "an unknown type stops start-up with QEMU's message" \
    "^qemu-xenpv: -netdev foo,id=x: Parameter 'type' does not accept value 'foo'$" \
    -netdev foo,id=x
refused "a duplicate id" \
    "^qemu-xenpv: -netdev user,id=n0: Duplicate ID 'n0' for netdev$" \
    -netdev user,id=n0 -netdev user,id=n0
refused "a stream client with nobody to connect to" \
    "Failed to connect to '$XS_TMP/none': No such file or directory$" \
    -netdev "stream,id=s,addr.type=unix,addr.path=$XS_TMP/none"
refused "vhost=on" "vhost=on is not supported" -netdev tap,id=t,vhost=on

NET_SOCK=$XS_TMP/net.sock
xs_start -a -netdev \
    -a "stream,id=s,server=on,addr.type=unix,addr.path=$NET_SOCK" \
    -a -netdev -a "user,id=u,restrict=on"
check "the stream server listens" test -S "$NET_SOCK"
check "a peer connects and sends a frame" run_to "$XS_CMD_TIMEOUT" \
    "$PYTHON" -c "
import socket, struct
s = socket.socket(socket.AF_UNIX)
s.connect('$NET_SOCK')
s.sendall(struct.pack('!I', 60) + bytes(60))
s.close()
"
xs_stop
check_eq "the socket file goes at exit" "0 gone" \
    "$XS_STATUS $([ -e "$NET_SOCK" ] && echo there || echo gone)"

# Two vifs without devid= are numbered as libxl numbers them.
xs_start -a -netdev -a "user,id=u0,restrict=on" \
    -a -netdev -a "user,id=u1,restrict=on" \
    -a -xenner-guest -a "domid=1,name=g1,program=echo" \
    -a -device -a "xen-net-device,netdev=u0,domid=1" \
    -a -device -a "xen-net-device,netdev=u1,domid=1"
check_eq "vifs without devid= get 0 and 1" "0 1" \
    "$(dom0 xenstore-list /local/domain/0/backend/vif/1 2>&1 | sort | xargs)"
xs_stop

# -nic: the -netdev and the xen-net-device it stands for.
out=$("$QEMU_XENPV" -nic tap,model=help 2>&1)
check_eq "-nic model=help lists the one model" \
    "0 Supported NIC models: xen-net-device" "$? $(echo $out)"
refused "-nic with another model, in QEMU's words" \
    "^qemu-xenpv: Unsupported NIC model: e1000$" \
    -xenner-guest domid=1 -nic user,model=e1000
refused "-nic with two guests and no domid=" "^qemu-xenpv: -nic: domid=N is needed" \
    -xenner-guest domid=1 -xenner-guest domid=2 -nic user
NIC_SOCK=$XS_TMP/nic.sock
xs_start -a -xenner-guest -a domid=1 -a -nic -a none \
    -a -nic -a "stream,server=on,addr.type=unix,addr.path=$NIC_SOCK,mac=52:54:00:00:00:42" \
    -a -nic -a "user,restrict=on,domid=1"
check_eq "-nic makes vif 0 with its mac on its stream, vif 1 on user" \
    "52:54:00:00:00:42 socket 1" \
    "$(dom0 xenstore-read /local/domain/0/backend/vif/1/0/mac 2>&1) \
$([ -S "$NIC_SOCK" ] && echo socket) \
$(dom0 xenstore-read /local/domain/0/backend/vif/1/1/handle 2>&1)"
xs_stop
check_eq "the machine with -nic stops cleanly" 0 "$XS_STATUS"
