#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# attach.sh QEMU_XENPV KERNEL DOMU_INITRD XL_SHIM [NET_BACKENDS]: dom0
# init for the attach scenarios. xl launches QEMU_XENPV as the device
# model of Linux PV guests (device_model_override), and everything is
# checked from both sides: the guest reports on its console
# (tests/xen-rig/guest/*.sh), dom0 checks xenstore, the processes and the
# images. TAP goes to /rig-out/attach.tap, details to /rig-out/attach.log.
#  0. the driver-domain form: -xen-domid 0 -daemonize serving disks dom0
#     attaches to itself, a raw image and a qcow2 one;
#  1. a guest makes ext4 on a qdisk disk; dom0 fscks it afterwards;
#  2. a console channel of the same guest, bytes both ways;
#  3. xl block-attach/block-detach while a guest runs, xl destroy in the
#     middle of its I/O, then a new guest;
#  4. the network (net-dom0.sh): a guest's vif on dom0's bridge, ping,
#     iperf3 and xl network-attach/network-detach, with the dom0 kernel's
#     netback and with qemu-xenpv serving the vif (NET_BACKENDS, a list
#     of words for net-dom0.sh: both by default).
# shellcheck source=SCRIPTDIR/dom0-up.sh
. "$(dirname "$0")/dom0-up.sh"
bin=$(readlink -f "$1")
kernel=$2
domu_initrd=$3
# xl 4.17 gives the first channel the primary console's devid; the shim
# (xl-channel-fix.c) numbers channels as upstream xl does now.
xl_shim=$4
NET_BACKENDS=${5:-netback qemu-xenpv}
tap=$out/attach.tap
log=$out/attach.log
xl=$xbin/xl
n=0
failed=0

# The domain under test and its logs, for diag when a check fails: set
# by each scenario (start NAME for the guests).
ctx_domid=
ctx_logs=
# shellcheck source=SCRIPTDIR/dom0-checks.sh
. "$(dirname "$0")/dom0-checks.sh"

# mkcfg NAME TASK IMAGE [EXTRA]: a PV guest whose device model is ours.
mkcfg() {
    cat > /tmp/$1.cfg <<EOF
name = "$1"
kernel = "$kernel"
ramdisk = "$domu_initrd"
extra = "console=hvc0 quiet rig.task=$2 rig.disk=xvda"
memory = 256
device_model_override = "$bin"
device_model_version = "qemu-xen"
disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$3' ]
$4
EOF
}

# start NAME: xl create, then the device model's pid; it must be ours.
start() {
    ctx_domid=
    ctx_logs="/var/log/xen/qemu-dm-$1.log /var/log/xen/xl-$1.log
              /var/log/xen/console/guest-$1.log"
    check "$1: xl create" env LD_PRELOAD=$xl_shim $xl create /tmp/$1.cfg
    domid=$($xl domid "$1" 2>/dev/null) || domid=none
    [ "$domid" = none ] || ctx_domid=$domid
    dmpid=$(xenstore-read /local/domain/$domid/image/device-model-pid \
            2>/dev/null) || dmpid=none
    check "$1: libxl runs qemu-xenpv as the device model" \
        test "$(readlink -f /proc/$dmpid/exe)" = "$bin"
    tr '\0' ' ' < /proc/$dmpid/cmdline >> $log 2>&1; echo >> $log
    check "$1: device-model state is running" \
        xs_is /local/domain/0/device-model/$domid/state running
    check "$1: xvda connected (backend state 4)" wait_for 180 \
        xs_is /local/domain/0/backend/qdisk/$domid/51712/state 4
}

# finished NAME: the guest powered off, and libxl's SIGHUP ended its
# device model cleanly.
finished() {
    check "$1: guest ran its task" wait_guest 900 "$1" 'RIG-TASK-EXIT 0'
    check "$1: domain gone after power-off" wait_for 180 domain_gone "$1"
    check "$1: device model exited" wait_for 120 gone "$dmpid"
    check "$1: device model log clean" clean_log \
        /var/log/xen/qemu-dm-$1.log
}

# ---- 0: the driver-domain form, serving dom0's own disk ------------------
# -daemonize sends the server's stderr to /dev/null: a device it fails
# says why in its backend's error node, which diag shows.
ctx_domid=0
dd if=/dev/zero of=/tmp/d0.img bs=1M count=16 2>/dev/null
check "dom0: -daemonize returns once the machine is up" \
    "$bin" -xen-domid 0 -xen-attach -M xenpv -nographic -daemonize \
    -pidfile /run/xen/qemu-dom0.pid -monitor /dev/null -serial /dev/null \
    -parallel /dev/null
d0pid=$(cat /run/xen/qemu-dom0.pid 2>/dev/null) || d0pid=none
check "dom0: pid file names the live server" kill -0 "$d0pid"
# libxl attaches a qdisk to dom0 only if dom0's device model has a pid
# here; no Xen 4.17 start-up script writes it, so the rig does.
xenstore-write /local/domain/0/image/device-model-pid "$d0pid"
check "dom0: device-model/0 state is running" \
    xs_is /local/domain/0/device-model/0/state running
check "dom0: xl block-attach 0" $xl block-attach 0 \
    'format=raw,vdev=xvdb,access=rw,backendtype=qdisk,target=/tmp/d0.img'
check "dom0: its blkfront connects" wait_for 180 test -b /dev/xvdb
head -c 4194304 /dev/urandom > /tmp/d0.pat
check "dom0: write through the backend" \
    dd if=/tmp/d0.pat of=/dev/xvdb bs=64k oflag=direct
check "dom0: the image holds what was written" \
    cmp -n 4194304 /tmp/d0.pat /tmp/d0.img
check "dom0: read back through the backend" \
    cmp -n 4194304 /tmp/d0.pat /dev/xvdb
check "dom0: xl block-detach 0" $xl block-detach 0 xvdb
check "dom0: the disk is gone" wait_for 120 sh -c '! test -b /dev/xvdb'
# A qcow2 image: served through a qemu-storage-daemon qemu-xenpv starts.
qemu-img create -q -f qcow2 /tmp/d0.qcow2 16M
check "dom0: xl block-attach 0 of a qcow2 image" $xl block-attach 0 \
    'format=qcow2,vdev=xvdc,access=rw,backendtype=qdisk,target=/tmp/d0.qcow2'
check "dom0: qcow2: its blkfront connects" wait_for 180 test -b /dev/xvdc
check "dom0: qcow2: write through the backend" \
    dd if=/tmp/d0.pat of=/dev/xvdc bs=64k seek=16 oflag=direct
check "dom0: qcow2: read back through the backend" \
    cmp -n 4194304 /tmp/d0.pat /dev/xvdc 0 1048576
check "dom0: qcow2: xl block-detach 0" $xl block-detach 0 xvdc
check "dom0: qcow2: the image is consistent" wait_for 120 \
    qemu-img check -q /tmp/d0.qcow2
check "dom0: qcow2: the image holds what was written" sh -c \
    'qemu-img convert -f qcow2 -O raw /tmp/d0.qcow2 /tmp/d0.qcow2.raw &&
     cmp -n 4194304 /tmp/d0.pat /tmp/d0.qcow2.raw 0 1048576'
kill "$d0pid" 2>/dev/null
xenstore-rm /local/domain/0/image/device-model-pid
check "dom0: SIGTERM ends it and removes the pid file" wait_for 120 \
    sh -c "! kill -0 $d0pid && ! test -e /run/xen/qemu-dom0.pid"

# ---- 1 and 2: ext4 on a qdisk disk, a console channel --------------------
dd if=/dev/zero of=/tmp/g1.img bs=1M count=96 2>/dev/null
mkcfg g1 ext4 /tmp/g1.img \
    "channel = [ 'name=org.qemu-xenpv.rig,connection=socket,path=/tmp/g1-chan.sock' ]"
start g1
# The guest says hello until it hears back; dom0 answers once.
# The guest says hello only after its ext4 work: minutes under load.
check "g1: channel: dom0 hears the guest" timeout 900 python3 -c '
import os, socket, sys, time
path = sys.argv[1]
for _ in range(300):
    if os.path.exists(path):
        break
    time.sleep(1)
s = socket.socket(socket.AF_UNIX)
s.connect(path)
buf = b""
while b"guest-hello\n" not in buf:
    data = s.recv(4096)
    if not data:
        sys.exit("channel closed: %r" % buf)
    buf += data
s.sendall(b"dom0-hello\n")
print("dom0 got", buf[-64:])
time.sleep(5)
' /tmp/g1-chan.sock
finished g1
check "g1: ext4 read back by checksum in the guest" console_has g1 \
    'RIG ext4-readback-ok'
check "g1: fsck clean in the guest" console_has g1 'RIG ext4-fsck-clean'
check "g1: channel: the guest hears dom0" console_has g1 \
    'RIG channel-got dom0-hello'
check "g1: e2fsck in dom0 finds the image clean" e2fsck -fn /tmp/g1.img
# debugfs reads the image without dom0's kernel: a second ext4 reader.
check "g1: dom0 verifies the guest's checksums" sh -c \
    'rm -rf /tmp/g1files && mkdir /tmp/g1files &&
     debugfs -R "rdump / /tmp/g1files" /tmp/g1.img &&
     cd /tmp/g1files/. && sha256sum -c SUMS > /dev/null'

# ---- 3: hotplug, destroy mid-I/O, a new guest ----------------------------
dd if=/dev/zero of=/tmp/g2.img bs=1M count=32 2>/dev/null
dd if=/dev/zero of=/tmp/g2b.img bs=1M count=8 2>/dev/null
mkcfg g2 hotplug /tmp/g2.img
start g2
check "g2: guest waits for xvdb" wait_guest 600 g2 'RIG hotplug-waiting'
check "g2: xl block-attach" $xl block-attach g2 \
    'format=raw,vdev=xvdb,access=rw,backendtype=qdisk,target=/tmp/g2b.img'
check "g2: xvdb connected (backend state 4)" wait_for 180 \
    xs_is /local/domain/0/backend/qdisk/$domid/51728/state 4
check "g2: guest wrote and read back xvdb" wait_guest 300 g2 'RIG xvdb-ok'
sum=$(console g2 | sed -n 's/.*RIG xvdb-ok \([0-9a-f]*\).*/\1/p' | head -n1)
check "g2: dom0 sees the guest's data in the image" test \
    "$(head -c 2097152 /tmp/g2b.img | sha256sum | cut -d' ' -f1)" = "$sum"
check "g2: xl block-detach" $xl block-detach g2 xvdb
check "g2: guest sees xvdb go" wait_guest 300 g2 'RIG xvdb-gone'
check "g2: xvdb's backend directory removed" wait_for 120 sh -c \
    "! xenstore-read /local/domain/0/backend/qdisk/$domid/51728/state"
check "g2: guest I/O running" wait_guest 180 g2 'RIG io-running'
sleep 3
check "g2: xl destroy in the middle of I/O" $xl destroy g2
check "g2: device model exited" wait_for 120 gone "$dmpid"
check "g2: device model log clean" clean_log /var/log/xen/qemu-dm-g2.log
check "g2: no device-model directory left" sh -c \
    "! xenstore-read /local/domain/0/device-model/$domid/state"

mkcfg g3 verify /tmp/g2.img
start g3
finished g3
check "g3: the new guest reads its whole disk" console_has g3 \
    'RIG verify-ok'

# ---- 4: the network ------------------------------------------------------
# shellcheck source=SCRIPTDIR/net-dom0.sh
. "$(dirname "$0")/net-dom0.sh"

for f in /var/log/xen/qemu-dm-*.log /var/log/xen/xl-*.log \
         /var/log/xen/console/guest-*.log /var/log/xen/xen-hotplug.log \
         /tmp/iperf3-server.log; do
    [ -e "$f" ] && cp "$f" $out/ 2>/dev/null
done
echo "1..$n" >> $tap
finish $((failed != 0))
