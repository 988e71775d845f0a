# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC2154 # ops.sh and dom0-up.sh set them
#
# Sourced by ops.sh after xen-ops-test, with QEMU_XENPV KERNEL
# DOMU_INITRD as create_bin, create_kernel and create_initrd: the
# XEN_CREATE scenario, on the same boot. No xl or libxl builds anything:
# qemu-xenpv -M xenpv -xen-create does; xl only looks (xl list, xl
# domid) and, once, destroys from outside. TAP goes to
# /rig-out/create.tap, details to /rig-out/create.log. Each step's
# guest boots from the domain the step before left in some state, so
# each start is also "a second create after" the previous ending:
#  c1 ext4 on our qdisk (xvda) and on the dom0 kernel's blkback
#     (backend=vbd, xvdb), checksums, power-off: exit 0, console on our
#     chardev, domain gone, xenstore clean, dom0's e2fsck clean;
#  c2 SIGTERM in the middle of guest I/O;
#  c3 QMP answers, then SIGKILL: the watcher destroys the domain;
#  c4 xl destroy from outside: qemu-xenpv exits 0;
#  c5 a guest reboot: built again once, then it powers off;
#  c6 a guest crash: exit status 1 with the reason;
#  c7 a vif (-nic tap) and a VNC display (-vnc): the guest and dom0
#     ping each other over the tap, the vfb and vkbd connect, a VNC
#     client takes a frame; then QMP system_powerdown, which the
#     guest's init acts on as a real init does: exit 0;
#  c8 QMP quit once its disk is connected: exit 0.
# Before them, what qemu-xenpv refuses at start-up, leaving nothing.
tap=$out/create.tap
log=$out/create.log
xl=$xbin/xl
n=0
failed=0
ctx_domid=
ctx_logs=
# shellcheck source=SCRIPTDIR/dom0-checks.sh
. "$(dirname "$0")/dom0-checks.sh"

# cstart NAME TASK IMAGE QEMU_XENPV_ARG...: starts qemu-xenpv in the
# background; /tmp/NAME.pid is its pid, /tmp/NAME.rc its exit status
# once it ended. Sets uuid and domid.
cstart() {
    name=$1 task=$2 img=$3
    shift 3
    uuid=$(cat /proc/sys/kernel/random/uuid)
    append="console=hvc0 quiet rig.task=$task rig.disk=xvda rig.channel=0"
    [ -z "${disk2:-}" ] || append="$append rig.disk2=$disk2"
    ctx_domid=
    ctx_logs="/tmp/$name.err /tmp/$name.con"
    rm -f /tmp/$name.pid /tmp/$name.rc
    (
        "$create_bin" -M xenpv -xen-create -kernel "$create_kernel" \
            -initrd "$create_initrd" -m 256 -name "$name" -uuid "$uuid" \
            -append "$append" \
            -drive "file=$img,format=raw,if=xen" "$@" \
            < /dev/null > /tmp/$name.out 2> /tmp/$name.err &
        echo $! > /tmp/$name.pid
        wait $!
        echo $? > /tmp/$name.rc
    ) &
    check "$name: xl list shows the domain qemu-xenpv built" \
        wait_for 120 $xl domid "$name"
    domid=$($xl domid "$name" 2>/dev/null) || domid=none
    [ "$domid" = none ] || ctx_domid=$domid
    cpid=$(cat /tmp/$name.pid 2>/dev/null) || cpid=none
    $xl list >> $log 2>&1
}

ended() { [ -s /tmp/$1.rc ]; }
rc_is() { [ "$(cat /tmp/$1.rc 2>/dev/null)" = "$2" ]; }
con_has() { grep -q "$2" /tmp/$1.con 2>/dev/null; }
# Nothing of domain DOMID or of /vm/UUID left in xenstore.
xs_clean() {
    ! xenstore-ls -f / 2>/dev/null | grep -Eq \
        "^/local/domain/$1(/| )|^/local/domain/0/backend/[a-z]+/$1(/| )|^/vm/$2"
}
# qmp SOCKET COMMAND: one QMP command; fails unless it returns.
qmp() {
    timeout 60 python3 -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
json.loads(f.readline())
for cmd in ("qmp_capabilities", sys.argv[2]):
    f.write(json.dumps({"execute": cmd}) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "event" not in r:
            break
print(json.dumps(r))
sys.exit(0 if "return" in r else 1)
' "$1" "$2"
}

qmp_has() { qmp "$1" "$2" | grep -q "$3"; }

# cgone NAME: the process ended, the domain and its xenstore with it.
cgone() {
    check "$1: domain gone" wait_for 60 domain_gone "$1"
    check "$1: xenstore holds nothing of it" wait_for 30 xs_clean \
        "$domid" "$uuid"
    check "$1: qemu-xenpv's stderr clean" clean_log /tmp/$1.err
    cat /tmp/$1.err >> $log 2>&1
}

# ---- refusals at start-up ------------------------------------------------
# refused DESCRIPTION PATTERN ARG...: exit 1 with PATTERN on stderr, and
# no domain (the domain count of xl list unchanged). refused_env: NAME=VALUE
# for qemu-xenpv's environment only.
refused_env=
refused() {
    what=$1 pattern=$2
    shift 2
    before=$($xl list | wc -l)
    check "refused: $what" sh -c '
        pattern=$1; shift
        "$@" > /tmp/refused.out 2>&1 < /dev/null
        rc=$?
        cat /tmp/refused.out
        [ $rc = 1 ] && grep -q "$pattern" /tmp/refused.out' \
        sh "$pattern" env $refused_env "$create_bin" -M xenpv -xen-create \
        -name refused -serial null "$@"
    check "refused: $what: no domain left" \
        test "$($xl list | wc -l)" = "$before"
}
refused "a kernel that is not a PV image" "not a Xen PV kernel" \
    -kernel /etc/hostname -m 64
refused "more memory than the host has" "MiB of free memory" \
    -kernel "$create_kernel" -m 1000000
refused_env=XENSTORED_PATH=/nonexistent/socket
refused "no xenstored" "no xenstored on this host" \
    -kernel "$create_kernel" -m 64
refused_env=
# The ops rig's dom0 loads xen-netback, which serves backend/vif too.
if test -e /sys/module/xen_netback; then
    refused "a vif while the kernel's xen-netback is loaded" \
        "xen-netback is loaded" -kernel "$create_kernel" -m 64 \
        -nic tap,ifname=refused0,script=no,downscript=no
fi
check "refused: xenstore holds nothing of them" sh -c \
    '! xenstore-ls -f / | grep -q "= \"refused\""'

# ---- c1: ext4 on our qdisk and on blkback, power-off ---------------------
dd if=/dev/zero of=/tmp/c1.img bs=1M count=96 2>/dev/null
dd if=/dev/zero of=/tmp/c1b.img bs=1M count=96 2>/dev/null
loops_before=$(losetup -a | wc -l)
disk2=xvdb
cstart c1 ext4 /tmp/c1.img -serial file:/tmp/c1.con \
    -drive file=/tmp/c1b.img,format=raw,if=xen,backend=vbd
disk2=
check "c1: xenstore: name, vm, domid as libxl writes them" sh -c "
    [ \"\$(xenstore-read /local/domain/$domid/name)\" = c1 ] &&
    [ \"\$(xenstore-read /local/domain/$domid/vm)\" = /vm/$uuid ] &&
    [ \"\$(xenstore-read /vm/$uuid/uuid)\" = $uuid ] &&
    [ \"\$(xenstore-read /local/domain/$domid/domid)\" = $domid ] &&
    [ \"\$(xenstore-read /local/domain/$domid/memory/target)\" = 262144 ] &&
    xenstore-read /local/domain/$domid/store/ring-ref &&
    xenstore-read /local/domain/$domid/cpu/0/availability"
check "c1: xenstore: control/shutdown the guest's, control ours" sh -c "
    xenstore-ls -fp /local/domain/$domid | tee -a $log |
        grep -q '/control/shutdown = .*(n$domid)' &&
    xenstore-ls -fp /local/domain/$domid |
        grep -q '/control = .*(n0,r$domid)'"
check "c1: primary console served by us (type ioemu)" \
    xs_is /local/domain/$domid/console/type ioemu
check "c1: xvda connected (backend state 4)" wait_for 300 \
    xs_is /local/domain/0/backend/qdisk/$domid/51712/state 4
vbd=/local/domain/0/backend/vbd/$domid/51728
check "c1: xvdb connected to the kernel's blkback (state 4)" wait_for 300 \
    xs_is $vbd/state 4
check "c1: xvdb is a loop device of the image, for blkback" sh -c \
    "xenstore-read $vbd/physical-device-path | grep -q '^/dev/loop'"
check "c1: blkback serves it (its feature keys)" \
    xenstore-read $vbd/feature-max-indirect-segments
check "c1: qemu-xenpv exits after the guest's power-off" wait_for 900 \
    ended c1
check "c1: exit status 0" rc_is c1 0
check "c1: the guest's console reached our chardev" con_has c1 \
    'RIG-TASK-EXIT 0'
check "c1: ext4 read back by checksum on our qdisk" con_has c1 \
    'RIG ext4-readback-ok xvda'
check "c1: fsck clean on our qdisk" con_has c1 'RIG ext4-fsck-clean xvda'
check "c1: ext4 read back by checksum on blkback" con_has c1 \
    'RIG ext4-readback-ok xvdb'
check "c1: fsck clean on blkback" con_has c1 'RIG ext4-fsck-clean xvdb'
cgone c1
check "c1: e2fsck in dom0 finds the qdisk image clean" e2fsck -fn /tmp/c1.img
check "c1: the loop device went with the domain" wait_for 60 sh -c \
    "[ \$(losetup -a | wc -l) = $loops_before ]"
check "c1: e2fsck in dom0 finds the blkback image clean" e2fsck -fn \
    /tmp/c1b.img

# ---- c2: SIGTERM in the middle of guest I/O ------------------------------
dd if=/dev/zero of=/tmp/c2.img bs=1M count=32 2>/dev/null
cstart c2 io /tmp/c2.img -serial file:/tmp/c2.con
check "c2: guest I/O running" wait_for 600 con_has c2 'RIG io-round'
sleep 2
check "c2: SIGTERM" kill -TERM "$cpid"
check "c2: qemu-xenpv exits" wait_for 120 ended c2
check "c2: exit status 0" rc_is c2 0
cgone c2

# ---- c3: a second create; QMP; SIGKILL -----------------------------------
cstart c3 io /tmp/c2.img -serial file:/tmp/c3.con \
    -chardev socket,id=qmp,path=/tmp/c3.qmp,server=on,wait=off \
    -mon chardev=qmp,mode=control
check "c3: after SIGTERM, a new guest runs its I/O" wait_for 600 \
    con_has c3 'RIG io-round'
check "c3: QMP answers on the create machine" qmp_has /tmp/c3.qmp \
    query-name '"name": "c3"'
check "c3: SIGKILL" kill -KILL "$cpid"
check "c3: killed" wait_for 60 ended c3
check "c3: by SIGKILL (status 137)" rc_is c3 137
check "c3: the watcher destroys the domain" wait_for 60 domain_gone c3
check "c3: the watcher says so" grep -q 'watcher: qemu-xenpv died' \
    /tmp/c3.err
cgone c3

# ---- c4: a second create; xl destroy from outside ------------------------
cstart c4 io /tmp/c2.img -serial file:/tmp/c4.con
check "c4: after SIGKILL, a new guest runs its I/O" wait_for 600 \
    con_has c4 'RIG io-round'
check "c4: xl destroy" $xl destroy c4
check "c4: qemu-xenpv notices and exits" wait_for 120 ended c4
check "c4: exit status 0" rc_is c4 0
check "c4: it says why" grep -q 'destroyed from outside' /tmp/c4.err
cgone c4

# ---- c5: reboot once, then power off -------------------------------------
# A -chardev of our own: the console's output file stays open across the
# reboot, where a -serial file: would be opened (and emptied) again.
dd if=/dev/zero of=/tmp/c5.img bs=1M count=8 2>/dev/null
cstart c5 reboot /tmp/c5.img -chardev file,id=con,path=/tmp/c5.con \
    -serial chardev:con
check "c5: after xl destroy, a new guest boots and reboots" wait_for 600 \
    con_has c5 'RIG rebooting'
check "c5: qemu-xenpv exits after the second boot's power-off" \
    wait_for 900 ended c5
check "c5: exit status 0" rc_is c5 0
check "c5: the domain was built again" grep -q 'building it again' \
    /tmp/c5.err
check "c5: the second boot found the first one's mark" con_has c5 \
    'RIG second-boot'
cgone c5

# ---- c6: a crash ---------------------------------------------------------
cstart c6 crash /tmp/c5.img -serial file:/tmp/c6.con
check "c6: qemu-xenpv exits after the guest's crash" wait_for 600 ended c6
check "c6: exit status 1" rc_is c6 1
check "c6: it says why" grep -q 'the guest crashed: domain .* stopped: crash' \
    /tmp/c6.err
check "c6: the guest crashed where it was told to" con_has c6 'RIG crashing'
cgone c6
# ---- c7: a vif and a VNC display; system_powerdown -----------------------
# The tap is addressed directly in dom0: no bridge, nothing leaves dom0.
if test -e /sys/module/xen_netback; then
    check "c7: rmmod xen-netback, which would take the vif" \
        rmmod xen-netback
fi
refused "two vifs on one netdev" "it's in use" -kernel "$create_kernel" \
    -m 64 -netdev tap,id=n0,ifname=refused0,script=no,downscript=no \
    -device xen-net-device,netdev=n0 -device xen-net-device,netdev=n0
cstart c7 netwait /tmp/c5.img -serial file:/tmp/c7.con \
    -nic tap,ifname=c7tap,script=no,downscript=no -vnc 127.0.0.1:7 \
    -chardev socket,id=qmp,path=/tmp/c7.qmp,server=on,wait=off \
    -mon chardev=qmp,mode=control
check "c7: the vif's tap is up in dom0" sh -c \
    'ip addr add 10.99.0.1/24 dev c7tap && ip link set c7tap up'
vif=/local/domain/0/backend/vif/$domid/0
check "c7: vif connected (backend state 4)" wait_for 300 xs_is $vif/state 4
check "c7: vif 0 written as libxl does" sh -c "
    [ \"\$(xenstore-read /local/domain/$domid/device/vif/0/backend)\" = $vif ] &&
    [ \"\$(xenstore-read $vif/handle)\" = 0 ] &&
    [ \"\$(xenstore-read $vif/mac)\" = \
      \"\$(xenstore-read /local/domain/$domid/device/vif/0/mac)\" ] &&
    xenstore-ls -fp $vif | tee -a $log | grep -q '/mac = .*(n0,r$domid)'"
check "c7: the guest pings dom0 over it" wait_for 600 con_has c7 \
    'RIG net-ping-ok'
check "c7: dom0 pings the guest" ping -c 3 -W 5 10.99.0.2
check "c7: vfb connected (backend state 4)" wait_for 300 \
    xs_is /local/domain/0/backend/vfb/$domid/0/state 4
check "c7: vkbd connected (backend state 4)" wait_for 300 \
    xs_is /local/domain/0/backend/vkbd/$domid/0/state 4
check "c7: QMP query-vnc: the display is on" qmp_has /tmp/c7.qmp \
    query-vnc '"enabled": true'
check "c7: the guest wrote on its framebuffer's console" wait_for 300 \
    con_has c7 'RIG fb-text'
if command -v gvnccapture > /dev/null; then
    check "c7: a VNC client takes a frame of the guest's screen" sh -c \
        'timeout 120 gvnccapture -q 127.0.0.1:7 /tmp/c7.png &&
         test -s /tmp/c7.png'
fi
check "c7: QMP system_powerdown is answered" qmp /tmp/c7.qmp \
    system_powerdown
check "c7: the guest's init powers off on it" wait_for 300 con_has c7 \
    'RIG init: poweroff requested'
check "c7: qemu-xenpv exits after the power-off" wait_for 300 ended c7
# Should it not have, the steps after still start from a clean host.
ended c7 || { kill -TERM "$cpid"; wait_for 60 ended c7; }
check "c7: exit status 0" rc_is c7 0
check "c7: it says the guest powered off" grep -q 'powered off' \
    /tmp/c7.err
check "c7: the tap went with qemu-xenpv" wait_for 30 sh -c \
    '! test -e /sys/class/net/c7tap'
cgone c7

# ---- c8: QMP quit --------------------------------------------------------
cstart c8 io /tmp/c2.img -serial file:/tmp/c8.con \
    -chardev socket,id=qmp,path=/tmp/c8.qmp,server=on,wait=off \
    -mon chardev=qmp,mode=control
check "c8: xvda connected (backend state 4)" wait_for 300 \
    xs_is /local/domain/0/backend/qdisk/$domid/51712/state 4
check "c8: QMP quit is answered" qmp /tmp/c8.qmp quit
check "c8: qemu-xenpv exits" wait_for 120 ended c8
check "c8: exit status 0" rc_is c8 0
cgone c8

check "only dom0 is left in xenstore" \
    test "$(xenstore-list /local/domain | tr '\n' ' ')" = "0 "

for f in /tmp/c?.err /tmp/c?.con /tmp/c7.png /tmp/refused.out; do cp "$f" $out/ 2>/dev/null; done
echo "1..$n" >> $tap
